// The IPv6 address to give as next hop on an IPv4 session when the node's own IPv6 address is not
// known (speaker/rib/next-hop.ts, NH-2): a global IPv6 address of the interface that holds the
// session's local IPv4 address. Pure: the interfaces come in (os.networkInterfaces() in use).

import type { NetworkInterfaceInfo } from 'node:os';
import { parseIp } from '../../events/ip.ts';

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Not a next hop a router can use: ::1, link-local fe80::/10, and the IPv4-mapped ::ffff:0:0/96. */
function usableIPv6(address: string): boolean {
  const ip = parseIp(address);
  if (ip === null || ip.family !== 6) return false;
  const top10 = ip.value >> 118n;
  return ip.value !== 1n && top10 !== 0x3fan && ip.value >> 32n !== 0xffffn;
}

/** The first usable IPv6 address on the interface holding `localIPv4`, or null. */
export function interfaceIPv6(localIPv4: string, interfaces: Interfaces): string | null {
  for (const addrs of Object.values(interfaces)) {
    if (!addrs?.some((a) => a.family === 'IPv4' && a.address === localIPv4)) continue;
    const v6 = addrs.find((a) => a.family === 'IPv6' && usableIPv6(a.address));
    if (v6) return v6.address;
  }
  return null;
}
