// The Adj-RIB-Out sender of an established session (speaker/session/session-routes.ts) on a wire
// tap whose deliveries run when the test says, for unit tests and benchmarks of the tap path:
// IPv4 and IPv6 unicast, our address 10.0.0.1 (IPv6 routes with its IPv4-mapped form), the peer
// AS 65000 at 192.0.2.x.

import type { Negotiated } from '../../speaker/codec/negotiate.ts';
import { encodeOpen } from '../../speaker/codec/open.ts';
import type { OpenMessage } from '../../speaker/codec/types.ts';
import { AdjRibOut } from '../../speaker/rib/adj-rib-out.ts';
import { nextHopFor } from '../../speaker/rib/next-hop.ts';
import type { Send } from '../../speaker/session/session-routes.ts';
import { RouteSender } from '../../speaker/session/session-routes.ts';
import { SessionWire } from '../../speaker/tap/session-wire.ts';
import type { WireConsumer, WireEvent } from '../../speaker/tap/wire-events.ts';
import { WireTaps } from '../../speaker/tap/wire-taps.ts';
import { negotiatedContext } from './speaker.ts';

export const ourOpen: OpenMessage = { type: 'open', version: 4, asn: 65001, myAs: 65001, holdTime: 90, bgpId: '10.0.0.1', capabilities: [] };
export const theirOpen = (bgpId: string): OpenMessage => ({ ...ourOpen, asn: 65000, myAs: 65000, bgpId });

/**
 * A wire tap that delivers on deliver() only; `listen`: a consumer recording into `events` is
 * attached (else `consumer`, if given, or none at all).
 */
export function manualTaps(o: { listen?: boolean; consumer?: WireConsumer; now?: () => number } = {}) {
  const pending: (() => void)[] = [];
  const taps = new WireTaps({ schedule: (f) => void pending.push(f), ...(o.now ? { now: o.now } : {}) });
  const events: WireEvent[] = [];
  if (o.listen) taps.attach({ deliver: (b) => void events.push(...b) });
  if (o.consumer) taps.attach(o.consumer);
  return {
    taps,
    events,
    deliver() {
      for (let f = pending.shift(); f; f = pending.shift()) f();
    },
  };
}

export interface TappedSenderOptions {
  readonly ctx?: Negotiated;
  /** The session's peer: 192.0.2.`host`, name `name`. */
  readonly host?: number;
  readonly name?: string;
  readonly localPort?: number;
  readonly node?: string;
  readonly instance?: string;
  readonly revision?: () => number | null;
  /** What writing a frame does (default: keep it in `written`). */
  readonly send?: Send;
}

/** A sender reporting to `taps` (null: no wire tap at all), its session already up on the tap. */
export function tappedSender(taps: WireTaps | null, o: TappedSenderOptions = {}) {
  const ctx = o.ctx ?? negotiatedContext([1, 2]);
  const remote = `192.0.2.${o.host ?? 1}`;
  const written: Uint8Array[] = [];
  const wire = taps
    ? new SessionWire(
        { taps, node: o.node ?? null, instance: o.instance ?? null, ...(o.revision ? { revision: o.revision } : {}) },
        { name: o.name ?? 'router', peerAddress: remote, localAsn: 65001, routerId: '10.0.0.1' },
      )
    : null;
  const rib = new AdjRibOut({
    localAsn: 65001,
    internal: false,
    twoOctetPeer: !ctx.fourOctetAs,
    nextHops: new Map([
      ['1/1', nextHopFor(1, { localAddress: '10.0.0.1', extendedNextHop: () => false })],
      ['2/1', nextHopFor(2, { localAddress: '10.0.0.1', extendedNextHop: () => true })],
    ]),
  });
  const sender = new RouteSender(rib, ctx, o.send ?? ((bytes) => void written.push(bytes)), wire);
  wire?.up(
    {
      local: { address: '10.0.0.1', port: o.localPort ?? 40000 },
      remote: { address: remote, port: 179 },
      sentOpen: { bytes: encodeOpen(ourOpen), message: ourOpen },
      receivedOpen: { bytes: encodeOpen(theirOpen(remote)), message: theirOpen(remote) },
      negotiated: ctx,
    },
    () => sender.table(),
  );
  return { sender, wire, written, ctx };
}
