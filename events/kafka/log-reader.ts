// Reads the events topic from its beginning up to given positions (per partition, the offset after
// the last record wanted), batch by batch, in offset order per partition. It joins no one's
// consumer group and commits nothing: the thin Kafka side of folding the log into a world
// (functions/replay/), for a rebuild of the live store or a replay into a scratch one. Each batch
// comes with the offsets it covered (events/bus.ts DeliveredRange), so whoever folds the batches
// knows that every offset below `upTo` was seen — control records and poison included.

import { randomUUID } from 'node:crypto';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import type { ConsumedEvent, DeliveredRange, PoisonRecord } from '../bus.ts';
import { batchRecords } from './records.ts';

/** Per partition: the first offset held (low) and the offset after the last (high). */
export type LogBounds = ReadonlyMap<number, { readonly low: bigint; readonly high: bigint }>;

export interface LogBatch {
  readonly events: readonly ConsumedEvent[];
  readonly range: DeliveredRange;
}

export interface ReadLogOptions {
  readonly topic: string;
  /** partition → the offset after the last record to read; partitions not named are not read. */
  readonly upTo: ReadonlyMap<number, bigint>;
  readonly onBatch: (batch: LogBatch) => void;
  readonly onPoison?: (p: PoisonRecord) => void;
  /** Give up when no batch arrived for this long (default 30 s). */
  readonly idleTimeoutMs?: number;
}

export class LogReadError extends Error {
  readonly code = 'LOG_READ_STALLED';
  constructor(topic: string, ms: number, left: readonly number[]) {
    super(`reading ${topic}: nothing arrived for ${ms} ms with partitions ${left.join(', ')} not read to the end`);
    this.name = 'LogReadError';
  }
}

/** The topic's bounds now: where each partition starts and ends. */
export async function logBounds(kafka: Kafka, topic: string): Promise<LogBounds> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Per partition, the offset after the last record Kafka timestamped at or before `ms`: the first
 * offset with a timestamp after it (ListOffsets by timestamp, asked for the next millisecond), or
 * the partition's end when every record is at or before it.
 */
export async function endsAtTime(kafka: Kafka, topic: string, ms: number): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, ms + 1);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.offset)]));
  } finally {
    await admin.disconnect();
  }
}

type FetchedBatch = EachBatchPayload['batch'] & { readonly fetchedOffset: string };

/**
 * Reads every record below `upTo` and hands each fetch over as a batch; resolves once every
 * partition was read to its `upTo` (a partition whose records below it are all gone to retention
 * is done at once).
 */
export async function readLog(kafka: Kafka, bounds: LogBounds, opts: ReadLogOptions): Promise<void> {
  const left = new Set([...opts.upTo].filter(([p, end]) => end > (bounds.get(p)?.low ?? 0n)).map(([p]) => p));
  if (left.size === 0) return;
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  const consumer = kafka.consumer({
    groupId: `bgpcast-log-reader-${randomUUID()}`,
    sessionTimeout: 30_000,
    maxWaitTimeInMs: 100,
    maxBytes: 64 << 20,
    maxBytesPerPartition: 16 << 20,
  });
  let settle!: (error: Error | null) => void;
  const finished = new Promise<Error | null>((resolve) => (settle = resolve));
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => settle(new LogReadError(opts.topic, idleMs, [...left])), idleMs);
  };
  /** Hands over what one fetch of `partition` covered; done with it once `upTo` is reached. */
  const deliver = (partition: number, from: string, lastOffset: string, events: readonly ConsumedEvent[], identity?: string) => {
    const end = opts.upTo.get(partition);
    if (end === undefined || !left.has(partition)) return;
    arm();
    const last = BigInt(lastOffset) + 1n;
    const next = last < end ? last : end;
    try {
      opts.onBatch({ events, range: { partition, from, next: next.toString(), ...(identity !== undefined ? { identity } : {}) } });
    } catch (e) {
      settle(e as Error);
      return;
    }
    if (next >= end) {
      left.delete(partition);
      consumer.pause([{ topic: opts.topic, partitions: [partition] }]);
      if (left.size === 0) settle(null);
    }
  };
  // A fetch of transaction markers (or aborted records) only never reaches eachBatch; its offsets
  // count all the same, and the last record of the topic is often a commit marker.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize !== 0 || payload.topic !== opts.topic || payload.firstOffset === null) return;
    deliver(payload.partition, String(payload.firstOffset), String(payload.lastOffset), []);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    arm();
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch: fetched }) => {
        const batch = fetched as FetchedBatch;
        const end = opts.upTo.get(batch.partition);
        if (end === undefined || !left.has(batch.partition)) return;
        const { events, identity } = batchRecords(batch, (p) => opts.onPoison?.(p), end);
        deliver(batch.partition, batch.fetchedOffset, batch.lastOffset(), events, identity ?? undefined);
      },
    });
    const error = await finished;
    if (error) throw error;
  } finally {
    clearTimeout(idle);
    await consumer.disconnect();
  }
}
