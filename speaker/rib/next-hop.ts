// Which next hop our routes carry on a session (RFC 4271 §5.1.3 "next hop self": we originate
// them, so the next hop is our end of the session). Pure.
//
// IPv4 routes:
//   - an IPv4 address of ours (the configured override, else the session's local address)
//     in NEXT_HOP;
//   - over an IPv6 session with no IPv4 override: the session's IPv6 address in MP_REACH_NLRI
//     AFI 1, when both sides offered RFC 8950 extended next hop for IPv4 unicast;
//   - otherwise not sent.
// IPv6 routes (always MP_REACH_NLRI AFI 2, RFC 4760 / RFC 2545 §3):
//   - an IPv6 address of ours (override, else the session's local address), followed by the
//     link-local address when one is known (configured; we do not discover it). On an unnumbered
//     session the local address is link-local itself and goes alone (RFC 8950 for IPv4 routes too);
//   - over an IPv4 session with no IPv6 override: the IPv4-mapped address ::ffff:a.b.c.d
//     (RFC 4798 §2 form, as BIRD's `extended next hop` on an ipv6 channel expects) when both
//     sides offered extended next hop for IPv6 unicast with next hop AFI 1 (RFC 8950 §3
//     capability), or when configured (`mappedIpv6`): BIRD 2.0.12 accepts such next hops
//     with `extended next hop on` on its ipv6 channel but does not announce the capability;
//   - otherwise not sent, and the session status says why. Sending a next hop the peer rejects
//     would get the routes treated as withdrawn at best.

import { Afi } from '../codec/ip.ts';
import type { ExtendedNextHopCap } from '../codec/types.ts';
import type { FamilyNextHop } from './route-attributes.ts';

export interface NextHopConfig {
  readonly ipv4?: string | null;
  readonly ipv6?: string | null;
  readonly ipv6LinkLocal?: string | null;
  /** Send IPv6 routes over an IPv4 session with an IPv4-mapped next hop even without the capability. */
  readonly mappedIpv6?: boolean;
}

export interface NextHopInput {
  /** Our address on the session (the socket's local address). */
  readonly localAddress: string;
  readonly config?: NextHopConfig;
  /** Both sides offered extended next hop for (afi, 1, nextHopAfi). */
  readonly extendedNextHop: (afi: number, nextHopAfi: number) => boolean;
}

export type NextHopResult = { readonly hop: FamilyNextHop } | { readonly unsent: string };

const isV6 = (a: string) => a.includes(':');

/**
 * Unwraps ::ffff:a.b.c.d, which Node reports for IPv4 on a dual-stack socket, and drops the zone
 * Node adds to a link-local address (`fe80::2%eth1`): a next hop on the wire has none (RFC 2545 §3).
 */
export function plainAddress(a: string): string {
  const at = a.indexOf('%');
  const bare = at < 0 ? a : a.slice(0, at);
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return m ? m[1]! : bare;
}

export function nextHopFor(afi: number, input: NextHopInput): NextHopResult {
  const local = plainAddress(input.localAddress);
  const c = input.config ?? {};
  if (afi === Afi.IPv4) {
    const v4 = c.ipv4 ?? (isV6(local) ? null : local);
    if (v4) return { hop: { nextHop: v4 } };
    if (input.extendedNextHop(Afi.IPv4, Afi.IPv6)) return { hop: { mpNextHops: [local] } };
    return { unsent: 'no IPv4 next hop on an IPv6 session and no RFC 8950 extended next hop negotiated' };
  }
  if (afi === Afi.IPv6) {
    const v6 = c.ipv6 ?? (isV6(local) ? local : null);
    if (v6) return { hop: { mpNextHops: c.ipv6LinkLocal ? [v6, c.ipv6LinkLocal] : [v6] } };
    if (c.mappedIpv6 === true || input.extendedNextHop(Afi.IPv6, Afi.IPv4)) return { hop: { mpNextHops: [`::ffff:${local}`] } };
    return { unsent: 'no IPv6 next hop on an IPv4 session and no extended next hop negotiated' };
  }
  return { unsent: `AFI ${afi} is not sent` };
}

/** Whether both OPENs carry extended next hop for (afi, safi 1, nextHopAfi). */
export function extendedNextHopBoth(
  ours: readonly ExtendedNextHopCap['entries'][number][],
  theirs: readonly ExtendedNextHopCap['entries'][number][],
): (afi: number, nextHopAfi: number) => boolean {
  const has = (list: typeof ours, afi: number, nh: number) =>
    list.some((e) => e.afi === afi && e.safi === 1 && e.nextHopAfi === nh);
  return (afi, nh) => has(ours, afi, nh) && has(theirs, afi, nh);
}
