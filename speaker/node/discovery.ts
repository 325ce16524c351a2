// Cilium's node-fact rules, over the facts ip-json.ts reads (docs/cilium-semantics.md INST-4,
// ADV-7). Pure.
//
// - The default gateway of a family (autoDiscovery DefaultGateway): among the default routes of
//   the main table whose device is operationally up and whose gateway is not link-local (fe80::/10,
//   169.254.0.0/16), the one with the lowest metric; equal metrics: the first listed.
// - The peer of an unnumbered link (autoDiscovery Unnumbered): the IPv6 link-local neighbours of the
//   interface that are not FAILED or INCOMPLETE and not one of our own addresses, and the
//   link-local gateways of routes through the interface (a router advertisement installs a default
//   route via the router's link-local address, often before any neighbour entry exists); routers —
//   those gateways and neighbours flagged as routers — when there are any; exactly one must
//   remain, used with the interface as its zone (`fe80::1%eth1`).
// - The routes of an Interface advertisement: nothing when the device is missing, administratively
//   down, or operationally neither up nor unknown (loopback and dummy devices say unknown);
//   otherwise every address of the family as a host route, after Cilium's filter — IPv6 global
//   unicast (unique local passes; ::, ::1, multicast, link-local and IPv4-mapped do not), IPv4
//   global unicast or link-local (0.0.0.0, 127/8, multicast and 255.255.255.255 do not pass).
//   Addresses still under duplicate address detection are left out until they are usable.

import { formatIp, hostPrefix, formatPrefix, parseIp, type IpAddress } from '../../events/ip.ts';
import type { NodeFacts } from './ip-json.ts';

export type Discovered = { readonly address: string } | { readonly problem: string };

const inPrefix = (ip: IpAddress, family: 4 | 6, base: bigint, length: number): boolean => {
  if (ip.family !== family) return false;
  const shift = BigInt((family === 4 ? 32 : 128) - length);
  return ip.value >> shift === base >> shift;
};

const V6_LINK_LOCAL = 0xfe80n << 112n;
const V6_MULTICAST = 0xffn << 120n;
const V6_MAPPED = 0xffffn << 32n;
const V4 = (a: number, b: number, c: number, d: number) => BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d);

export function isLinkLocal(ip: IpAddress): boolean {
  return ip.family === 6 ? inPrefix(ip, 6, V6_LINK_LOCAL, 10) : inPrefix(ip, 4, V4(169, 254, 0, 0), 16);
}

/** Cilium's Interface address filter (ADV-7). */
export function advertisableInterfaceAddress(ip: IpAddress): boolean {
  if (ip.family === 6) {
    if (ip.value === 0n || ip.value === 1n) return false;
    if (inPrefix(ip, 6, V6_MAPPED, 96)) return false;
    return !inPrefix(ip, 6, V6_MULTICAST, 8) && !isLinkLocal(ip);
  }
  if (ip.value === 0n || ip.value === 0xffffffffn) return false;
  return !inPrefix(ip, 4, V4(127, 0, 0, 0), 8) && !inPrefix(ip, 4, V4(224, 0, 0, 0), 4);
}

const DEFAULT_DST = new Set(['default', '0.0.0.0/0', '::/0']);

/** The node's default gateway of `family`, or why there is none. */
export function defaultGateway(facts: NodeFacts, family: 'ipv4' | 'ipv6'): Discovered {
  const fam = family === 'ipv4' ? 4 : 6;
  const up = new Set(facts.links.filter((l) => l.operState === 'UP').map((l) => l.name));
  let best: { address: string; metric: number } | null = null;
  for (const r of facts.routes) {
    if (r.family !== fam || !DEFAULT_DST.has(r.dst) || r.gateway === null || r.dev === null || !up.has(r.dev)) continue;
    const gw = parseIp(r.gateway);
    if (gw === null || gw.family !== fam || isLinkLocal(gw)) continue;
    if (best === null || r.metric < best.metric) best = { address: formatIp(gw), metric: r.metric };
  }
  if (best !== null) return { address: best.address };
  return { problem: `no ${family} default route with a gateway that is not link-local on a device that is up` };
}

/** The one link-local peer on `iface`, zoned, or why there is not exactly one. */
export function unnumberedPeer(facts: NodeFacts, iface: string): Discovered {
  const link = facts.links.find((l) => l.name === iface);
  if (link === undefined) return { problem: `interface ${iface} not found` };
  if (!link.up) return { problem: `interface ${iface} is down` };
  const own = new Set(facts.addresses.filter((a) => a.link === iface).map((a) => a.address));
  const candidates = facts.neighbours.filter((n) => {
    if (n.link !== iface || n.family !== 6 || own.has(n.address)) return false;
    if (n.states.includes('FAILED') || n.states.includes('INCOMPLETE')) return false;
    const ip = parseIp(n.address);
    return ip !== null && isLinkLocal(ip);
  });
  const gateways = facts.routes.flatMap((r) => {
    const gw = r.family === 6 && r.dev === iface && r.gateway !== null ? parseIp(r.gateway) : null;
    return gw !== null && isLinkLocal(gw) && !own.has(formatIp(gw)) ? [formatIp(gw)] : [];
  });
  const routers = [...candidates.filter((n) => n.router).map((n) => n.address), ...gateways];
  const chosen = routers.length > 0 ? routers : candidates.map((n) => n.address);
  const addresses = [...new Set(chosen.map((a) => formatIp(parseIp(a) as IpAddress)))];
  if (addresses.length === 1) return { address: `${addresses[0]}%${iface}` };
  if (addresses.length === 0) return { problem: `no IPv6 link-local neighbour on ${iface} yet` };
  return { problem: `${addresses.length} link-local neighbours on ${iface} (${addresses.join(', ')}): unnumbered peering is point-to-point` };
}

/** The host routes of an Interface advertisement for `family`, in address order; [] when the device does not qualify. */
export function interfaceHostRoutes(facts: NodeFacts, iface: string, family: 'ipv4' | 'ipv6'): string[] {
  const link = facts.links.find((l) => l.name === iface);
  if (link === undefined || !link.up || (link.operState !== 'UP' && link.operState !== 'UNKNOWN')) return [];
  const fam = family === 'ipv4' ? 4 : 6;
  const out = new Map<bigint, string>();
  for (const a of facts.addresses) {
    if (a.link !== iface || a.family !== fam || a.tentative) continue;
    const ip = parseIp(a.address);
    if (ip === null || ip.family !== fam || !advertisableInterfaceAddress(ip)) continue;
    out.set(ip.value, formatPrefix(hostPrefix(ip)));
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
}
