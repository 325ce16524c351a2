// Which next hop our routes carry on a session (RFC 4271 §5.1.3: we originate them, so the next
// hop is an address of ours), by the peer's next-hop modes (docs/cilium-semantics.md NH-1, NH-2;
// events/desired-state.ts). Pure: the session's facts come in.
//
// IPv4 routes — NEXT_HOP, or an IPv6 next hop in MP_REACH_NLRI AFI 1 (RFC 8950):
//   node  the node's IPv4 address when it has one, else as auto;
//   auto  an IPv4 session: its local address. An IPv6 session: its local address when both sides
//         offered RFC 8950 extended next hop for IPv4 unicast, else the node's IPv4 address;
//   self  the session's address only: over IPv6 only with RFC 8950.
// IPv6 routes — MP_REACH_NLRI AFI 2, needing no capability whatever the session's family (RFC
// 4760 §3: the attribute carries its own next hop; RFC 2545 §3 adds a link-local address when one
// is configured):
//   node    the node's IPv6 address when it has one, else as auto;
//   auto    an IPv6 session: its local address. An IPv4 session: the node's IPv6 address, else an
//           IPv6 address of the interface the session leaves by, else the IPv4-mapped form
//           ::ffff:a.b.c.d of the session's address (RFC 4291 §2.5.5.2), which a router must be
//           told to accept (BIRD: `extended next hop on` on its ipv6 channel);
//   self    an IPv6 session: its local address. An IPv4 session: the mapped form, only when both
//           sides offered extended next hop for IPv6 with an IPv4 next hop (RFC 8950 §3);
//   mapped  an IPv4 session: the mapped form always.
// On an unnumbered session (INST-4) the local address is link-local itself and goes alone, for IPv6
// routes and, by RFC 8950, for IPv4 routes.
// When nothing fits, the family is not sent and the session status says why: a next hop the
// peer cannot use would get the routes treated as withdrawn at best.

import type { NextHopIPv4Mode, NextHopIPv6Mode } from '../../events/desired-state.ts';
import { Afi } from '../codec/ip.ts';
import type { ExtendedNextHopCap } from '../codec/types.ts';
import type { FamilyNextHop } from './route-attributes.ts';

export interface NextHopConfig {
  readonly ipv4?: NextHopIPv4Mode;
  readonly ipv6?: NextHopIPv6Mode;
  /** The node's own addresses (its InternalIPs), from desired state. */
  readonly nodeIPv4?: string | null;
  readonly nodeIPv6?: string | null;
  /** Sent after the global IPv6 next hop (RFC 2545 §3). */
  readonly ipv6LinkLocal?: string | null;
}

export interface NextHopInput {
  /** Our address on the session (the socket's local address). */
  readonly localAddress: string;
  readonly config?: NextHopConfig;
  /** Both sides offered extended next hop for (afi, 1, nextHopAfi). */
  readonly extendedNextHop: (afi: number, nextHopAfi: number) => boolean;
  /** On an IPv4 session: a global IPv6 address of the interface holding the local address, or null. */
  readonly interfaceIPv6?: string | null;
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
  if (afi === Afi.IPv4) return ipv4NextHop(input);
  if (afi === Afi.IPv6) return ipv6NextHop(input);
  return { unsent: `AFI ${afi} is not sent` };
}

function ipv4NextHop(input: NextHopInput): NextHopResult {
  const local = plainAddress(input.localAddress);
  const c = input.config ?? {};
  const mode = c.ipv4 ?? 'auto';
  const node = c.nodeIPv4 ?? null;
  if (mode === 'node' && node !== null) return { hop: { nextHop: node } };
  if (!isV6(local)) return { hop: { nextHop: local } };
  if (input.extendedNextHop(Afi.IPv4, Afi.IPv6)) return { hop: { mpNextHops: [local] } };
  if (mode !== 'self' && node !== null) return { hop: { nextHop: node } };
  const why = 'no IPv4 next hop on an IPv6 session: RFC 8950 extended next hop not negotiated';
  return { unsent: mode === 'self' ? `${why} (next-hop-ipv4: self)` : `${why}, and the node has no IPv4 address` };
}

function ipv6NextHop(input: NextHopInput): NextHopResult {
  const local = plainAddress(input.localAddress);
  const c = input.config ?? {};
  const mode = c.ipv6 ?? 'auto';
  const node = c.nodeIPv6 ?? null;
  const global = (a: string): NextHopResult => ({ hop: { mpNextHops: c.ipv6LinkLocal ? [a, c.ipv6LinkLocal] : [a] } });
  const mapped: NextHopResult = { hop: { mpNextHops: [`::ffff:${local}`] } };
  if (mode === 'node' && node !== null) return global(node);
  if (isV6(local)) return global(local);
  switch (mode) {
    case 'mapped':
      return mapped;
    case 'self':
      return input.extendedNextHop(Afi.IPv6, Afi.IPv4)
        ? mapped
        : { unsent: 'no IPv6 next hop on an IPv4 session: extended next hop not negotiated (next-hop-ipv6: self)' };
    default: {
      const own = node ?? input.interfaceIPv6 ?? null;
      return own !== null ? global(own) : mapped;
    }
  }
}

/** The next hop as text, as the status shows it: NEXT_HOP, or the MP_REACH next hops joined by ", ". */
export function nextHopText(hop: FamilyNextHop): string {
  return 'nextHop' in hop ? hop.nextHop : hop.mpNextHops.join(', ');
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
