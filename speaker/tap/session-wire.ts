// One peer session's reporter to the wire tap (wire-taps.ts): the Session calls up() when it
// reaches Established, sent() for each UPDATE written (through the Adj-RIB-Out sender, only while
// `active`), and down() when it leaves Established — so the tap sees one up, the UPDATEs, one down
// per Established period.

import type { FamilyKey } from '../codec/context.ts';
import type { UpdateMessage } from '../codec/types.ts';
import type {
  DownCause,
  EstablishedSession,
  SessionDownEvent,
  SessionUpEvent,
  TapPeer,
  UpdateCause,
  WireMessage,
} from './wire-events.ts';
import type { WireTaps } from './wire-taps.ts';

/** What a speaker hands its sessions so that they report to `taps`. */
export interface SpeakerWire {
  readonly taps: WireTaps;
  /** Labels for TapPeer. */
  readonly node?: string | null;
  readonly instance?: string | null;
  /** The desired revision being applied (or last applied), read when an UPDATE goes out. */
  readonly revision?: () => number | null;
  /** The store epoch of that revision. */
  readonly epoch?: () => string | null;
}

export interface SentUpdate extends WireMessage<UpdateMessage> {
  readonly family: FamilyKey;
  readonly endOfRib: boolean;
}

type UpFields = Pick<SessionUpEvent, 'local' | 'remote' | 'sentOpen' | 'receivedOpen' | 'negotiated'>;

export class SessionWire {
  readonly peer: TapPeer;
  readonly #taps: WireTaps;
  readonly #revision: () => number | null;
  readonly #epoch: () => string | null;
  #session: number | null = null;

  constructor(wire: SpeakerWire, peer: Omit<TapPeer, 'node' | 'instance'>) {
    this.#taps = wire.taps;
    this.peer = { node: wire.node ?? null, instance: wire.instance ?? null, ...peer };
    this.#revision = wire.revision ?? (() => null);
    this.#epoch = wire.epoch ?? (() => null);
  }

  /** Established, and a consumer is listening: UPDATEs are worth reporting. */
  get active(): boolean {
    return this.#session !== null && this.#taps.active;
  }

  up(fields: UpFields, table: EstablishedSession['table']): void {
    if (this.#session !== null) this.down({ by: 'local', reason: 'error' }, null);
    this.#session = this.#taps.newSession();
    this.#taps.sessionUp({ peer: this.peer, session: this.#session, ...fields }, table);
  }

  sent(u: SentUpdate, cause: UpdateCause): void {
    if (this.#session === null) return;
    this.#taps.updateSent({
      peer: this.peer,
      session: this.#session,
      revision: this.#revision(),
      epoch: this.#epoch(),
      cause,
      family: u.family,
      update: u,
      endOfRib: u.endOfRib,
    });
  }

  down(cause: DownCause, notification: SessionDownEvent['notification']): void {
    if (this.#session === null) return;
    const session = this.#session;
    this.#session = null;
    this.#taps.sessionDown({ peer: this.peer, session, cause, notification });
  }
}
