// Kafka positions as the store keeps them: partition → offset, both decimal text (offsets are
// 64-bit). A desired document records the world positions it reflects; a pending recomputation
// records the positions of the fold that owes it; "covers" compares the two.

/** partition → offset (decimal text). */
export type Positions = Readonly<Record<string, string>>;

/** Compares two non-negative decimal integers given as text, without leading zeros. */
export function compareOffsets(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The per-partition maximum of several position maps. */
export function maxPositions(...all: readonly Positions[]): Positions {
  const out: Record<string, string> = {};
  for (const positions of all) {
    for (const [partition, offset] of Object.entries(positions)) {
      const current = out[partition];
      if (current === undefined || compareOffsets(current, offset) < 0) out[partition] = offset;
    }
  }
  return out;
}

/** True when `have` is at or past `need` on every partition `need` names. */
export function covers(have: Positions, need: Positions): boolean {
  for (const [partition, offset] of Object.entries(need)) {
    const h = have[partition];
    if (h === undefined || compareOffsets(h, offset) < 0) return false;
  }
  return true;
}

/** Canonical JSON of positions (partitions in numeric order), as stored in Redis. */
export function positionsJson(positions: Positions): string {
  const sorted = Object.keys(positions).sort((a, b) => compareOffsets(a, b));
  return JSON.stringify(Object.fromEntries(sorted.map((p) => [p, positions[p]])));
}

export function parsePositions(text: string | null | undefined): Positions {
  if (!text) return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
