// Our OPEN for a peer: RFC 4271 §4.2 with the capabilities of RFC 5492 we speak. Pure.
//
//   Multiprotocol (RFC 4760)      one per configured family
//   Route Refresh (RFC 2918)      and Enhanced Route Refresh (RFC 7313)
//   Extended Next Hop (RFC 8950)  when the caller names families that may need it
//   Extended Message (RFC 8654)
//   Graceful Restart (RFC 4724)   when enabled: R-bit after a restart of our process, restart
//                                 time, F-bit per family; N-bit (RFC 8538) always with it
//   4-octet AS (RFC 6793)
// ADD-PATH (RFC 7911) is not offered: we send one path per prefix and receive-only ADD-PATH
// would only fill the Adj-RIB-In.

import { buildOpen } from '../codec/open.ts';
import type { Capability, OpenMessage } from '../codec/types.ts';

export interface Family {
  readonly afi: number;
  readonly safi: number;
}

export interface LocalOpenConfig {
  readonly localAsn: number;
  readonly routerId: string;
  readonly holdTimeS: number;
  readonly families: readonly Family[];
  readonly gracefulRestart: {
    readonly enabled: boolean;
    readonly restartTimeS: number;
    /** R-bit: our process restarted and this is the first session since (RFC 4724 §3). */
    readonly restarting: boolean;
    /** F-bit for every family: forwarding goes on while we restart (the node's data plane). */
    readonly forwardingPreserved: boolean;
  };
  /** RFC 8950 entries to offer (NLRI family → next hop AFI). */
  readonly extendedNextHop?: readonly { afi: number; safi: number; nextHopAfi: number }[];
}

export function localCapabilities(c: LocalOpenConfig): Capability[] {
  const caps: Capability[] = c.families.map((f) => ({ code: 1, name: 'multiprotocol', afi: f.afi, safi: f.safi }));
  caps.push({ code: 2, name: 'route-refresh' }, { code: 70, name: 'enhanced-route-refresh' });
  if (c.extendedNextHop && c.extendedNextHop.length > 0) {
    caps.push({ code: 5, name: 'extended-next-hop', entries: c.extendedNextHop.map((e) => ({ ...e })) });
  }
  caps.push({ code: 6, name: 'extended-message' });
  const gr = c.gracefulRestart;
  if (gr.enabled) {
    caps.push({
      code: 64,
      name: 'graceful-restart',
      restarting: gr.restarting,
      notification: true,
      restartTime: Math.min(0xfff, Math.max(0, Math.trunc(gr.restartTimeS))),
      families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, forwardingPreserved: gr.forwardingPreserved })),
    });
  }
  caps.push({ code: 65, name: 'four-octet-as', asn: c.localAsn });
  return caps;
}

export function localOpen(c: LocalOpenConfig): OpenMessage {
  return buildOpen({ asn: c.localAsn, holdTime: c.holdTimeS, bgpId: c.routerId, capabilities: localCapabilities(c) });
}
