// The moment a replay folds the events topic up to (`--at`): a time, or positions. Pure.
//
// - A time is an RFC 3339 timestamp with its zone (2026-12-06T03:12:00Z, …+01:00, fractions of a
//   second allowed): every record Kafka timestamped at or before it is folded. Per partition that is
//   the first offset whose timestamp is after it (Kafka's ListOffsets by timestamp, asked for the
//   next millisecond), or the partition's end when there is none.
// - Positions are PARTITION:OFFSET pairs joined by commas (0:42,1:17): per partition the offset
//   after the last record folded — Kafka's convention for end offsets and committed offsets, so the
//   positions a replay prints can be given back to it. A partition not named is not read.

/** partition → the offset after the last record to fold. */
export type EndPositions = ReadonlyMap<number, bigint>;

export type ReplayPoint =
  | { readonly kind: 'time'; readonly ms: number; readonly text: string }
  | { readonly kind: 'positions'; readonly upTo: EndPositions };

export const REPLAY_POINT_FORMS = 'an RFC 3339 time with its zone (2026-12-06T03:12:00Z) or PARTITION:OFFSET,… (0:42,1:17)';

export class ReplayPointError extends Error {
  readonly code = 'REPLAY_POINT_INVALID';
  constructor(text: string, why: string) {
    super(`--at ${JSON.stringify(text)}: ${why}; expected ${REPLAY_POINT_FORMS}`);
    this.name = 'ReplayPointError';
  }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
/** Kafka offsets are signed 64-bit. */
const MAX_OFFSET = 2n ** 63n - 1n;
const POSITION = /^(\d{1,9}):(\d{1,19})$/;

export function parseReplayPoint(text: string): ReplayPoint {
  const t = text.trim();
  if (!/^\d{4}-/.test(t) && t.includes(':')) return { kind: 'positions', upTo: parsePositions(text, t) };
  const m = RFC3339.exec(t);
  if (!m) throw new ReplayPointError(text, 'not a time or positions');
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const calendar = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is refused instead.
  if (calendar.getUTCMonth() !== mo - 1 || calendar.getUTCDate() !== d || h > 23 || mi > 59 || s > 60) {
    throw new ReplayPointError(text, 'no such date or time');
  }
  const ms = Date.parse(t.replace(' ', 'T'));
  if (!Number.isFinite(ms)) throw new ReplayPointError(text, 'not a time');
  return { kind: 'time', ms, text: new Date(ms).toISOString() };
}

function parsePositions(text: string, t: string): EndPositions {
  const upTo = new Map<number, bigint>();
  for (const pair of t.split(',')) {
    const m = POSITION.exec(pair.trim());
    if (!m) throw new ReplayPointError(text, `${JSON.stringify(pair)} is not PARTITION:OFFSET`);
    const partition = Number(m[1]);
    if (BigInt(m[2]!) > MAX_OFFSET) throw new ReplayPointError(text, `${m[2]} is past the largest Kafka offset`);
    if (upTo.has(partition)) throw new ReplayPointError(text, `partition ${partition} named twice`);
    upTo.set(partition, BigInt(m[2]!));
  }
  return upTo;
}

/** Positions as --at takes them: "0:42,1:17", partitions in order. */
export function positionsText(upTo: EndPositions): string {
  return [...upTo]
    .sort(([a], [b]) => a - b)
    .map(([p, o]) => `${p}:${o}`)
    .join(',');
}
