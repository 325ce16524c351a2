// BGP communities as numbers, the one parser and printer for functions/ (advertisement attributes)
// and speaker/ (the routes of desired state). Standard communities (RFC 1997) are one 32-bit value,
// written "a:b" with a = high 16 bits and b = low 16 bits; the CRD also accepts a plain decimal
// 0..4294967295, which is the same value (docs/cilium-semantics.md ADV-3). Large communities
// (RFC 8092) are three 32-bit values "a:b:c". Output is always numeric "a:b" / "a:b:c" without
// leading zeros, sorted numerically and unique, so equal attribute sets print equally.

export const WELL_KNOWN_COMMUNITIES = {
  internet: 0x00000000,
  'planned-shut': 0xffff0000,
  'accept-own': 0xffff0001,
  'route-filter-translated-v4': 0xffff0002,
  'route-filter-v4': 0xffff0003,
  'route-filter-translated-v6': 0xffff0004,
  'route-filter-v6': 0xffff0005,
  'llgr-stale': 0xffff0006,
  'no-llgr': 0xffff0007,
  blackhole: 0xffff029a,
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-peer': 0xffffff04,
} as const;
export type WellKnownCommunity = keyof typeof WELL_KNOWN_COMMUNITIES;

export type LargeCommunity = readonly [number, number, number];

const DECIMAL = /^[0-9]{1,10}$/;

function decimalUpTo(text: string, max: number): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}

/** "a:b" or a decimal → the 32-bit community value; null when malformed or out of range. */
export function parseStandardCommunity(text: string): number | null {
  const parts = text.split(':');
  if (parts.length === 1) return decimalUpTo(text, 0xffffffff);
  if (parts.length !== 2) return null;
  const high = decimalUpTo(parts[0] as string, 0xffff);
  const low = decimalUpTo(parts[1] as string, 0xffff);
  return high === null || low === null ? null : high * 0x10000 + low;
}

export function parseLargeCommunity(text: string): LargeCommunity | null {
  const parts = text.split(':');
  if (parts.length !== 3) return null;
  const values = parts.map((p) => decimalUpTo(p, 0xffffffff));
  if (values.some((v) => v === null)) return null;
  return values as unknown as LargeCommunity;
}

export function formatStandardCommunity(value: number): string {
  return `${Math.floor(value / 0x10000)}:${value % 0x10000}`;
}

export function formatLargeCommunity(value: LargeCommunity): string {
  return value.join(':');
}

export function compareLargeCommunities(a: LargeCommunity, b: LargeCommunity): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Sorted, unique "a:b" strings. */
export function formatStandardSet(values: Iterable<number>): string[] {
  return [...new Set(values)].sort((a, b) => a - b).map(formatStandardCommunity);
}

/** Sorted, unique "a:b:c" strings. */
export function formatLargeSet(values: Iterable<LargeCommunity>): string[] {
  const unique = new Map<string, LargeCommunity>();
  for (const v of values) unique.set(formatLargeCommunity(v), v);
  return [...unique.values()].sort(compareLargeCommunities).map(formatLargeCommunity);
}
