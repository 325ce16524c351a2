// IP addresses and prefixes as the codec sees them: text "addr/len" outside, octets on the wire.
// The octet-level twin of events/ip.ts (the codec imports nothing outside itself), held to the same
// answers by a unit test: dotted quads with leading zeros are refused (octal in some stacks), and
// IPv6 text is printed in the RFC 5952 canonical form (§4: lower case, no leading zeros, the
// longest run of two or more zero groups compressed, the first one on a tie; §5: an IPv4-mapped
// address keeps its dotted tail).

import { EncodeError } from './errors.ts';

export const Afi = { IPv4: 1, IPv6: 2 } as const;
export type Afi = (typeof Afi)[keyof typeof Afi];

export interface ParsedPrefix {
  readonly afi: Afi;
  /** The full address, 4 or 16 octets, host bits as given. */
  readonly addr: Uint8Array;
  readonly length: number;
}

export function parseIPv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4) throw new EncodeError(`not an IPv4 address: ${text}`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) throw new EncodeError(`not an IPv4 address: ${text}`);
    out[i] = Number(p);
  }
  return out;
}

export function parseIPv6(text: string): Uint8Array {
  const bad = () => new EncodeError(`not an IPv6 address: ${text}`);
  let s = text;
  const out = new Uint8Array(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) fills the last 32 bits.
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) !== -1) {
    tail = parseIPv4(s.slice(lastColon + 1));
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) throw bad();
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = head.length + rest.length;
  if (halves.length === 1 ? groups !== 8 : groups > 7) throw bad();
  const put = (g: string, i: number) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  };
  head.forEach((g, i) => put(g, i));
  rest.forEach((g, i) => put(g, 8 - rest.length + i));
  if (tail) out.set(tail, 12);
  return out;
}

export function parseIP(text: string): { afi: Afi; addr: Uint8Array } {
  return text.includes(':') ? { afi: Afi.IPv6, addr: parseIPv6(text) } : { afi: Afi.IPv4, addr: parseIPv4(text) };
}

export function formatIPv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function formatIPv6(b: Uint8Array, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + i * 2]! << 8) | b[off + i * 2 + 1]!);
  if (g[5] === 0xffff && g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0) return `::ffff:${formatIPv4(b, off + 12)}`;
  // Longest run of zero groups, length >= 2 (RFC 5952 §4.2.2, §4.2.3).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

export function formatIP(afi: Afi, b: Uint8Array, off = 0): string {
  return afi === Afi.IPv4 ? formatIPv4(b, off) : formatIPv6(b, off);
}

export function parsePrefix(text: string): ParsedPrefix {
  const slash = text.indexOf('/');
  const { afi, addr } = parseIP(slash < 0 ? text : text.slice(0, slash));
  const max = afi === Afi.IPv4 ? 32 : 128;
  const lenText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
    throw new EncodeError(`bad prefix length in ${text}`);
  }
  return { afi, addr, length: Number(lenText) };
}

/** "addr/len" with the host bits cleared, the canonical key of a route. */
export function formatPrefix(afi: Afi, addr: Uint8Array, length: number): string {
  return `${formatIP(afi, addr)}/${length}`;
}
