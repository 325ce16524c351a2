// A replay of the events topic up to a moment (replay-point.ts): the positions the moment stands
// for on each partition, every record below them folded in memory (log-fold.ts, the store's own
// fold) and the world it leaves (replay-world.ts). It reads the topic through the EventLog
// (event-log.ts) without a consumer group of the functions and writes nothing: not the live store,
// not the topic.

import type { ConsumedEvent } from '../../events/bus.ts';
import type { WorldView } from '../model/world.ts';
import type { Settings } from '../settings.ts';
import type { EventLog } from './event-log.ts';
import { LogFold } from './log-fold.ts';
import { ReplayPointError, type EndPositions, type ReplayPoint } from './replay-point.ts';
import { worldOfObjects } from './replay-world.ts';
import { foldLog } from './store-guard.ts';

export interface Replay {
  readonly point: ReplayPoint;
  /** Per partition of the topic, the offset after the last record folded. */
  readonly upTo: EndPositions;
  /** Partitions asked for past their end: read to the end instead. */
  readonly clamped: readonly number[];
  /** A time before the topic's first record: nothing was folded. */
  readonly beforeFirstRecord: boolean;
  readonly fold: LogFold;
  readonly world: WorldView;
  readonly readMs: number;
}

/** The positions a moment stands for on the topic now (partitions not named by positions: 0). */
export async function resolvePoint(
  log: EventLog,
  point: ReplayPoint,
): Promise<{ upTo: EndPositions; clamped: number[]; beforeFirstRecord: boolean }> {
  const bounds = await log.bounds();
  if (point.kind === 'time') {
    const ends = await log.endsAt(point.ms);
    const upTo = new Map([...bounds.keys()].map((p) => [p, ends.get(p) ?? bounds.get(p)!.high]));
    const held = [...bounds.values()].some((b) => b.high > b.low);
    const beforeFirstRecord = held && [...upTo].every(([p, end]) => end <= bounds.get(p)!.low);
    return { upTo, clamped: [], beforeFirstRecord };
  }
  for (const p of point.upTo.keys()) {
    if (!bounds.has(p)) throw new ReplayPointError(`${p}:${point.upTo.get(p)}`, `${log.topic} has no partition ${p} (it has ${bounds.size})`);
  }
  const clamped: number[] = [];
  const upTo = new Map(
    [...bounds].map(([p, b]) => {
      const asked = point.upTo.get(p) ?? 0n;
      if (asked > b.high) clamped.push(p);
      return [p, asked > b.high ? b.high : asked];
    }),
  );
  return { upTo, clamped, beforeFirstRecord: false };
}

export async function replayAt(log: EventLog, point: ReplayPoint, settings: Partial<Settings> = {}): Promise<Replay> {
  const { upTo, clamped, beforeFirstRecord } = await resolvePoint(log, point);
  const started = performance.now();
  const { fold } = await foldLog(log, upTo);
  const readMs = performance.now() - started;
  return { point, upTo, clamped, beforeFirstRecord, fold, world: worldOfObjects(fold, settings), readMs };
}

/** Every record of the topic up to its end as of now, per partition in offset order (held in memory). */
export async function readRecords(log: EventLog): Promise<{ partitions: Map<number, ConsumedEvent[]>; upTo: EndPositions; poison: number }> {
  const bounds = await log.bounds();
  const upTo = new Map([...bounds].map(([p, b]) => [p, b.high]));
  const partitions = new Map<number, ConsumedEvent[]>([...bounds.keys()].map((p) => [p, []]));
  let poison = 0;
  await log.read(
    bounds,
    upTo,
    (b) => partitions.get(b.range.partition)?.push(...b.events),
    () => poison++,
  );
  return { partitions, upTo, poison };
}
