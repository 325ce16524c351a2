// IP addresses and prefixes as values: parse, mask, compare, format.
// Formatting follows RFC 5952 §4 (lowercase hex, no leading zeros, the longest run of two or more
// zero groups compressed to "::", the first one on a tie) and §5 (IPv4-mapped addresses keep the
// dotted-quad tail), so equal addresses always print as equal strings and desired state hashes
// stably. Parsing accepts what Cilium's CRD pattern accepts: surrounding whitespace and one
// "%zone" suffix are dropped. Dotted quads with leading zeros are refused, as Go's net.ParseIP does
// (they are ambiguous: octal or decimal).

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

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!DECIMAL_OCTET.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** Hex groups; a dotted IPv4 tail only where it ends the whole address. */
function parseGroups(text: string, mayEndInIPv4: boolean): bigint[] | null {
  if (text === '') return [];
  const groups: bigint[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (mayEndInIPv4 && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (v4 === null) return null;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (HEX_GROUP.test(part)) {
      groups.push(BigInt(`0x${part}`));
    } else {
      return null;
    }
  }
  return groups;
}

function parseIPv6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string, true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<bigint>(Math.max(missing, 0)).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Parses an IPv4 or IPv6 address; null when the text is not one. */
export function parseIp(input: string): IpAddress | null {
  let text = input.trim();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.includes(':')) {
    const value = parseIPv6(text);
    return value === null ? null : { family: 6, value };
  }
  const value = parseIPv4(text);
  return value === null ? null : { family: 4, value };
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function formatIPv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952 §5: ::ffff:a.b.c.d for IPv4-mapped addresses.
  if (value >> 32n === 0xffffn) return `::ffff:${formatIPv4(value & 0xffffffffn)}`;
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never compressed (RFC 5952 §4.2.2)
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
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
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
  const bits = familyBits(addr.family);
  const hostBits = BigInt(bits - length);
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
