// What the speaker reports of each peer session as it happens on the wire: the session coming up
// (both OPENs as sent and received, the TCP endpoints), every UPDATE it sent (the octets and the
// message they encode, with the desired revision being applied), and the session going down (the
// NOTIFICATION sent or received, or the local reason). Consumers — the BMP exporter
// (speaker/bmp/), an audit publisher — receive these through WireTaps (wire-taps.ts).
//
// Everything here is data: the octets are the ones handed to the socket, never re-encoded, and a
// consumer must not modify them.

import type { FamilyKey } from '../codec/context.ts';
import type { Negotiated } from '../codec/negotiate.ts';
import type { NotificationMessage, OpenMessage, UpdateMessage } from '../codec/types.ts';

/** One peer session's identity: the same object for every event of that peer. */
export interface TapPeer {
  /** The node the speaker stands for, when a worker runs it. */
  readonly node: string | null;
  /** The BGP instance (desired state), when a worker runs it. */
  readonly instance: string | null;
  /** The peer's name, unique within the instance. */
  readonly name: string;
  /** The configured peer address. */
  readonly peerAddress: string;
  readonly localAsn: number;
  readonly routerId: string;
}

export interface TcpEndpoint {
  readonly address: string;
  readonly port: number;
}

/** A message as it went on the wire, with what it says. */
export interface WireMessage<M> {
  readonly bytes: Uint8Array;
  readonly message: M;
}

interface EventBase {
  /** Order of the event in the process (WireTaps assigns it; strictly increasing). */
  readonly seq: number;
  /** Epoch ms. */
  readonly at: number;
  readonly peer: TapPeer;
  /** Which Established period of the peer (unique in the process). */
  readonly session: number;
}

export interface SessionUpEvent extends EventBase {
  readonly kind: 'up';
  readonly local: TcpEndpoint;
  readonly remote: TcpEndpoint;
  readonly sentOpen: WireMessage<OpenMessage>;
  readonly receivedOpen: WireMessage<OpenMessage>;
  /** What the OPENs agreed on: the context the UPDATEs were encoded with, the families. */
  readonly negotiated: Negotiated;
}

/** Why an UPDATE went out: the table after Established, a change, or a route refresh (RFC 2918). */
export type UpdateCause = 'initial' | 'change' | 'refresh';

export interface UpdateSentEvent extends EventBase {
  readonly kind: 'update';
  /** The desired revision the worker was applying (or had last applied); null outside a worker. */
  readonly revision: number | null;
  /** The store epoch of `revision` (events/desired-delta.ts); null or absent when not known. */
  readonly epoch?: string | null;
  readonly cause: UpdateCause;
  /** The one address family the UPDATE carries (the packer never mixes them). */
  readonly family: FamilyKey;
  readonly update: WireMessage<UpdateMessage>;
  /** An End-of-RIB marker (RFC 4724 §2). */
  readonly endOfRib: boolean;
}

/**
 * Why a session ended. `local`: we ended it — a configuration change, a stop, or an error we
 * reported with a NOTIFICATION; `remote`: the peer's NOTIFICATION or the connection closing.
 */
export type DownCause =
  | {
      readonly by: 'local';
      readonly reason: 'de-configured' | 'reconfigured' | 'stopped' | 'restarting' | 'hold-timer-expired' | 'maximum-prefixes' | 'collision' | 'error';
    }
  | { readonly by: 'remote'; readonly reason: 'notification' | 'connection-closed' };

export interface SessionDownEvent extends EventBase {
  readonly kind: 'down';
  readonly cause: DownCause;
  /** The NOTIFICATION that ended the session, whole, sent or received; null when none was. */
  readonly notification: (WireMessage<NotificationMessage> & { readonly direction: 'sent' | 'received' }) | null;
}

/** Events were dropped (delivery fell behind by more than WireTaps' bound): what follows is not the whole story. */
export interface GapEvent {
  readonly kind: 'gap';
  readonly seq: number;
  readonly at: number;
  /** How many events were dropped. */
  readonly lost: number;
}

export type SessionEvent = SessionUpEvent | UpdateSentEvent | SessionDownEvent;
export type WireEvent = SessionEvent | GapEvent;

/** A consumer of wire events; called off the BGP path, in order, in batches. It must not block. */
export interface WireConsumer {
  deliver(events: readonly WireEvent[]): void;
}

/**
 * A session Established now, as a consumer that starts late (or starts over) needs it: its up
 * event and the UPDATEs that would send its current Adj-RIB-Out, End-of-RIB per family last.
 */
export interface EstablishedSession {
  readonly up: SessionUpEvent;
  /**
   * The current Adj-RIB-Out, read when called; the UPDATEs are encoded as they are iterated (the
   * routes were taken at the call, so later changes do not leak in).
   */
  table(): Iterable<WireMessage<UpdateMessage> & { readonly family: FamilyKey; readonly endOfRib: boolean }>;
}
