// IP addresses and prefixes as values, the one model for functions/, events/ and bin/ (the
// speaker's codec keeps an octet-level twin for the wire, speaker/codec/ip.ts, held to this one by
// a unit test). Parsing is ip-num's, which refuses dotted quads with leading zeros (octal in some
// stacks); surrounding whitespace and one "%zone" suffix are dropped first, as Cilium's CRD
// pattern allows. Printing follows RFC 5952 §4 (lower case, no leading zeros, the longest run of
// two or more zero groups as "::", the first on a tie) and §5 (an IPv4-mapped address keeps its
// dotted tail), so equal addresses print as equal strings and desired state hashes stably.

import { IPv4, IPv6 } from 'ip-num';

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

export interface IpPrefix {
  readonly family: IpFamily;
  /** The network address: host bits are always zero. */
  readonly value: bigint;
  readonly length: number;
}

export const familyBits = (family: IpFamily): number => (family === 4 ? 32 : 128);

/** Parses an IPv4 or IPv6 address; null when the text is not one. */
export function parseIp(input: string): IpAddress | null {
  let text = input.trim();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  try {
    return text.includes(':') ? { family: 6, value: IPv6.fromString(text).value } : { family: 4, value: IPv4.fromString(text).value };
  } catch {
    return null;
  }
}

function formatIPv4(value: bigint): string {
  return `${(value >> 24n) & 0xffn}.${(value >> 16n) & 0xffn}.${(value >> 8n) & 0xffn}.${value & 0xffn}`;
}

function formatIPv6(value: bigint): string {
  if (value >> 32n === 0xffffn) return `::ffff:${formatIPv4(value & 0xffffffffn)}`;
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never compressed (§4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function formatIp(addr: IpAddress): string {
  return addr.family === 4 ? formatIPv4(addr.value) : formatIPv6(addr.value);
}

/** Canonical text of an address, or null when it is not one. */
export function canonicalIp(text: string): string | null {
  const addr = parseIp(text);
  return addr === null ? null : formatIp(addr);
}

/** The prefix of the given length that contains the address (host bits cleared). */
export function maskTo(addr: IpAddress, length: number): IpPrefix {
  const hostBits = BigInt(familyBits(addr.family) - length);
  return { family: addr.family, value: (addr.value >> hostBits) << hostBits, length };
}

export function hostPrefix(addr: IpAddress): IpPrefix {
  return maskTo(addr, familyBits(addr.family));
}

/**
 * Parses "addr/len". Host bits set below the length are cleared (10.1.0.5/24 → 10.1.0.0/24), as
 * routers do with a network statement; null when the text is not a prefix.
 */
export function parsePrefix(text: string): IpPrefix | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = parseIp(text.slice(0, slash));
  const lengthText = text.slice(slash + 1).trim();
  if (addr === null || !/^[0-9]{1,3}$/.test(lengthText)) return null;
  const length = Number(lengthText);
  if (length > familyBits(addr.family)) return null;
  return maskTo(addr, length);
}

export function formatPrefix(prefix: IpPrefix): string {
  return `${formatIp({ family: prefix.family, value: prefix.value })}/${prefix.length}`;
}

/** Orders IPv4 before IPv6, then by address, then shorter prefix first. */
export function comparePrefixes(a: IpPrefix, b: IpPrefix): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return a.length - b.length;
}

export function compareIps(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value === b.value ? 0 : a.value < b.value ? -1 : 1;
}

// --- ordering canonical prefix texts ---------------------------------------------------------------
// Readers sort the thousands of prefixes of a stored document, all printed by formatPrefix above.
// Parsing each again as a value (ip-num builds objects per address) would cost a node's reader a
// few milliseconds per document; the order below reads the numbers straight from canonical text
// instead. It decides nothing about validity (a text that is not canonical gets some order): the
// writer printed these texts, and the speaker checks every route before it is sent. A unit test
// holds it to comparePrefixes on canonical texts.

// [family, four 32-bit words of address, length]: IPv4 in the last word.
type PrefixKey = readonly [number, number, number, number, number, number];

function compareKeys(a: PrefixKey, b: PrefixKey): number {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function ipv4Word(addr: string): number {
  let word = 0;
  for (const octet of addr.split('.')) word = word * 256 + (Number(octet) & 255);
  return word;
}

function ipv6Words(addr: string): number[] {
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tailWord: number | null = null;
  if (v4) {
    tailWord = ipv4Word(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === null ? [] : new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  const groups = [...left, ...fill, ...right].map((g) => parseInt(g || '0', 16) & 0xffff);
  const words = [0, 1, 2, 3].map((i) => (groups[2 * i] ?? 0) * 65536 + (groups[2 * i + 1] ?? 0));
  if (tailWord !== null) words[3] = tailWord;
  return words;
}

function prefixKey(prefix: string): PrefixKey {
  const slash = prefix.indexOf('/');
  const addr = slash < 0 ? prefix : prefix.slice(0, slash);
  const len = slash < 0 ? 999 : Number(prefix.slice(slash + 1));
  if (!addr.includes(':')) return [4, 0, 0, 0, ipv4Word(addr), len];
  const w = ipv6Words(addr);
  return [6, w[0]!, w[1]!, w[2]!, w[3]!, len];
}

/** The order of comparePrefixes, on canonical prefix texts. */
export function comparePrefixText(a: string, b: string): number {
  return compareKeys(prefixKey(a), prefixKey(b));
}

/** `items` sorted by comparePrefixText of their prefix; each text is read once. */
export function sortByPrefix<T>(items: readonly T[], prefixOf: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, key: prefixKey(prefixOf(item)) }))
    .sort((x, y) => compareKeys(x.key, y.key))
    .map((x) => x.item);
}
