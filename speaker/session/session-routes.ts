// Sending the Adj-RIB-Out on an established connection: the initial table followed by End-of-RIB
// per family (RFC 4724 §2 — after a restart of ours this is what lets a graceful-restart helper
// drop only what we no longer announce), incremental changes (a whole family's new routes, or a
// batch of upserts and withdrawals), route refresh (RFC 2918 §4;
// between BoRR and EoRR when enhanced route refresh is negotiated, RFC 7313 §4), and graceful
// shutdown (RFC 8326). Each change is packed into the fewest UPDATEs (codec/update-builder.ts).
// With a wire tap listening, each UPDATE written is reported with the message it encodes.

import type { FamilyKey } from '../codec/context.ts';
import { encodeMessage } from '../codec/message.ts';
import type { Negotiated } from '../codec/negotiate.ts';
import { RouteRefreshSubtype } from '../codec/route-refresh.ts';
import type { PackedUpdate } from '../codec/update-builder.ts';
import { packedUpdates, plainMessage, updateFrames } from '../codec/update-builder.ts';
import type { RouteChanges } from '../codec/update-plan.ts';
import { endOfRib } from '../codec/update.ts';
import type { DesiredRoute } from '../../events/desired-state.ts';
import type { OpenMessage, UpdateMessage } from '../codec/types.ts';
import { familyKey } from '../codec/context.ts';
import { AdjRibOut } from '../rib/adj-rib-out.ts';
import type { NextHopResult } from '../rib/next-hop.ts';
import { extendedNextHopBoth, nextHopFor } from '../rib/next-hop.ts';
import type { Connection } from './connection.ts';
import { localOpen } from './local-open.ts';
import type { PeerSessionConfig } from './session-config.ts';
import type { MessageKind } from './session-status.ts';
import type { SentUpdate } from '../tap/session-wire.ts';
import type { UpdateCause } from '../tap/wire-events.ts';

/** Writes a message; `false` when it could not be. */
export type Send = (bytes: Uint8Array, kind: MessageKind) => unknown;

/** Where a sender reports the UPDATEs it writes (a SessionWire); asked only while `active`. */
export interface SentUpdates {
  readonly active: boolean;
  sent(update: SentUpdate, cause: UpdateCause): void;
}

const split = (key: FamilyKey) => key.split('/').map(Number) as [number, number];

export class RouteSender {
  readonly rib: AdjRibOut;
  readonly #send: Send;
  readonly #ctx: Negotiated;
  readonly #tap: SentUpdates | null;

  constructor(rib: AdjRibOut, ctx: Negotiated, send: Send, tap: SentUpdates | null = null) {
    this.rib = rib;
    this.#ctx = ctx;
    this.#send = send;
    this.#tap = tap;
  }

  /** The whole table of every negotiated family, then End-of-RIB for each. */
  initial(desired: ReadonlyMap<FamilyKey, readonly DesiredRoute[]>, gracefulShutdown: boolean): void {
    if (gracefulShutdown) this.rib.setGracefulShutdown(true);
    const families = this.rib.families();
    for (const f of families) this.#frames(this.rib.set(f, desired.get(f) ?? []), 'initial');
    for (const f of families) {
      const eor = endOfRibUpdate(f, this.#ctx);
      if (this.#send(eor.bytes, 'update') !== false && this.#tap?.active) this.#tap.sent(eor, 'initial');
    }
  }

  /**
   * The table as it is now, as the UPDATEs that would send it, then End-of-RIB per family: for a
   * tap consumer that starts over. The routes are taken now; the UPDATEs are encoded as iterated.
   */
  table(): Iterable<SentUpdate> {
    const families = this.rib.families();
    const tables = families.map((f) => ({ family: f, changes: this.rib.announceAll(f) }));
    const ctx = this.#ctx;
    return (function* () {
      for (const { family, changes } of tables) {
        for (const u of packedUpdates(changes, ctx)) yield sentUpdate(u);
      }
      for (const f of families) yield endOfRibUpdate(f, ctx);
    })();
  }

  /** A family's routes changed: the difference goes out. */
  set(family: FamilyKey, routes: readonly DesiredRoute[]): void {
    if (!this.rib.families().includes(family)) return;
    this.#frames(this.rib.set(family, routes), 'change');
  }

  /** Some of a family's routes changed (a delta): just those go out. */
  update(family: FamilyKey, upserts: readonly DesiredRoute[], withdrawn: readonly string[]): void {
    if (!this.rib.families().includes(family)) return;
    this.#frames(this.rib.update(family, upserts, withdrawn), 'change');
  }

  /** The peer asked for the family again. Returns false when it is not one we send. */
  refresh(family: FamilyKey): boolean {
    if (!this.rib.families().includes(family)) return false;
    const [afi, safi] = split(family);
    const bracket = (subtype: number) =>
      this.#send(encodeMessage({ type: 'route-refresh', afi, safi, subtype }, this.#ctx), 'route-refresh');
    if (this.#ctx.enhancedRouteRefresh) bracket(RouteRefreshSubtype.BeginningOfRouteRefresh);
    this.#frames(this.rib.announceAll(family), 'refresh');
    if (this.#ctx.enhancedRouteRefresh) bracket(RouteRefreshSubtype.EndOfRouteRefresh);
    return true;
  }

  gracefulShutdown(on: boolean): void {
    for (const changes of this.rib.setGracefulShutdown(on).values()) this.#frames(changes, 'change');
  }

  #frames(changes: RouteChanges, cause: UpdateCause): void {
    const tap = this.#tap;
    if (tap === null || !tap.active) {
      for (const frame of updateFrames(changes, this.#ctx)) this.#send(frame, 'update');
      return;
    }
    for (const u of packedUpdates(changes, this.#ctx)) {
      if (this.#send(u.bytes, 'update') !== false) tap.sent(sentUpdate(u), cause);
    }
  }
}

/** The message is made plain (plainMessage) when a consumer first reads it, off the BGP path. */
function sentUpdate(u: PackedUpdate): SentUpdate {
  let message: UpdateMessage | null = null;
  return {
    bytes: u.bytes,
    family: familyKey(u.afi, 1),
    endOfRib: false,
    get message() {
      return (message ??= plainMessage(u.message));
    },
  };
}

function endOfRibUpdate(family: FamilyKey, ctx: Negotiated): SentUpdate {
  const [afi, safi] = split(family);
  const message = endOfRib(afi, safi);
  return { bytes: encodeMessage(message, ctx), message, family, endOfRib: true };
}

/** Our OPEN for the peer; RFC 8950 extended next hop offered for the family of the other AFI. */
export function openFor(c: PeerSessionConfig, restarting: boolean): OpenMessage {
  const ipv6Session = c.peerAddress.includes(':');
  const wants = (afi: number) => c.families.some((f) => f.afi === afi && f.safi === 1);
  const extendedNextHop = [
    ...(ipv6Session && wants(1) ? [{ afi: 1, safi: 1, nextHopAfi: 2 }] : []),
    ...(!ipv6Session && wants(2) ? [{ afi: 2, safi: 1, nextHopAfi: 1 }] : []),
  ];
  return localOpen({
    localAsn: c.localAsn,
    routerId: c.routerId,
    holdTimeS: c.holdTimeS,
    families: c.families,
    extendedNextHop,
    gracefulRestart: {
      enabled: c.gracefulRestart.enabled,
      restartTimeS: c.gracefulRestart.restartTimeS,
      restarting,
      forwardingPreserved: c.forwardingPreserved ?? true,
    },
  });
}

/** The Adj-RIB-Out and its sender for a connection that just reached Established. */
export function senderFor(
  conn: Connection,
  c: PeerSessionConfig,
  ctx: Negotiated,
  peer: OpenMessage,
  localAddress: string,
  tap: SentUpdates | null = null,
  interfaceIPv6: string | null = null,
): RouteSender {
  const ours = conn.sentOpen?.capabilities.flatMap((x) => (x.name === 'extended-next-hop' ? x.entries : [])) ?? [];
  const theirs = peer.capabilities.flatMap((x) => (x.name === 'extended-next-hop' ? x.entries : []));
  const enh = extendedNextHopBoth(ours, theirs);
  const nextHops = new Map<FamilyKey, NextHopResult>();
  for (const f of ctx.families) {
    if (f.safi !== 1 || (f.afi !== 1 && f.afi !== 2)) continue;
    nextHops.set(familyKey(f.afi, f.safi), nextHopFor(f.afi, { localAddress, config: c.nextHop, extendedNextHop: enh, interfaceIPv6 }));
  }
  const internal = peer.asn === c.localAsn;
  const rib = new AdjRibOut({ localAsn: c.localAsn, internal, twoOctetPeer: !ctx.fourOctetAs, nextHops });
  return new RouteSender(rib, ctx, (bytes, kind) => conn.send(bytes, kind), tap);
}
