// Consumes the events topic as a consumer group: batches in offset order per partition, offsets
// committed only after the handler has processed the batch, so a restart resumes right after the
// last committed record (at-least-once: a crash redelivers what was processed but not committed).
//
// Commits go out at most every COMMIT_INTERVAL_MS rather than after every batch. An OffsetCommit
// is a write to __consumer_offsets; at one per batch it cost the broker over a quarter of its CPU in the
// end-to-end benchmark (one change per batch), CPU the next change then waited for. A crash
// redelivers at most that interval's records, which the functions absorb (they are idempotent by
// positions), and stop() commits everything processed before it leaves the group.
//
// It reads committed records only (isolation read_committed): what `apply` publishes in a
// transaction is seen whole or, aborted, not at all. A transaction's commit marker takes an offset
// of its own; a fetch that brings only markers (or aborted records) never reaches eachBatch, so
// the consumer hands those offsets to the handler and marks them processed from kafkajs's
// end-of-batch event — otherwise the committed offset would stay one short of the end and no one
// could tell the group caught up, and the store would miss the offset the next batch follows.

import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { BatchHandler, DeliveredRange, EventSubscription } from '../bus.ts';
import { batchRecords } from './records.ts';

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topic: string;
  /** Where a group without committed offsets starts. */
  readonly fromBeginning: boolean;
}

/** Processed offsets are committed at most this often. */
export const COMMIT_INTERVAL_MS = 200;

/**
 * How long the broker holds a fetch that finds nothing new. A fetch returns as soon as a record
 * arrives, so this costs no latency; but kafkajs's disconnect waits for the fetch in flight, and
 * at its default (5 s) a stop of `up` or `functions` took 5 s. An idle consumer sends two fetches
 * a second instead of one every five.
 */
export const FETCH_MAX_WAIT_MS = 500;

/** What kafkajs's Batch has and its types leave out: where the fetch started, and whether it held any record at all. */
type FetchedBatch = EachBatchPayload['batch'] & { readonly fetchedOffset: string; isEmptyIncludingFiltered(): boolean };

export async function subscribeEvents(
  kafka: Kafka,
  opts: SubscribeOptions,
  handler: BatchHandler,
): Promise<EventSubscription> {
  let stopping = false;
  const consumer: Consumer = kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    // Stop means stop: no automatic reconnect loop hidden from the caller, and none at all once
    // stop() was called (a broker that went away first would otherwise restart it forever).
    retry: { retries: 8, restartOnFailure: async () => !stopping },
    readUncommitted: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning });

  let settle: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // The batch being processed, so stop() can let it finish and commit before leaving the group.
  let inFlight: Promise<void> = Promise.resolve();

  // partition → next offset to read, processed but not yet committed.
  const processed = new Map<number, string>();
  let commitTimer: NodeJS.Timeout | null = null;
  let committing: Promise<void> = Promise.resolve();
  const commitProcessed = (): Promise<void> => {
    if (commitTimer) clearTimeout(commitTimer);
    commitTimer = null;
    if (processed.size === 0) return committing;
    const offsets = [...processed].map(([partition, offset]) => ({ topic: opts.topic, partition, offset }));
    processed.clear();
    // A failed commit (a rebalance took the partition, the broker is away) is dropped: the next
    // batch of that partition commits past it, and at worst its records are redelivered.
    committing = committing.then(() => consumer.commitOffsets(offsets)).catch(() => undefined);
    return committing;
  };

  const eachBatch = (payload: EachBatchPayload): Promise<void> => {
    if (stopping) return Promise.resolve();
    const run = processBatch(payload);
    inFlight = run.catch(() => undefined);
    return run;
  };

  const processBatch = async ({ batch: fetched, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    const batch = fetched as FetchedBatch;
    if (!isRunning() || isStale() || batch.isEmptyIncludingFiltered()) return;
    const { events, identity } = batchRecords(batch, (p) => handler.onPoison(p));
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    const range: DeliveredRange = { partition: batch.partition, from: String(batch.fetchedOffset), next, ...(identity !== undefined ? { identity } : {}) };
    // The group coordinator drops a member that stays silent for sessionTimeout; a long batch
    // keeps heartbeating while the handler works, so its commit is still accepted.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), 1_000);
    try {
      // Also without a valid event (poison, control records only): the handler records the range.
      await handler.onEvents(events, range);
    } finally {
      clearInterval(beat);
    }
    processed.set(batch.partition, next);
    commitTimer ??= setTimeout(() => void commitProcessed(), COMMIT_INTERVAL_MS);
    await heartbeat();
  };

  // In the group from GROUP_JOIN until a rebalance, a crash or the stop.
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  consumer.on(consumer.events.REBALANCING, () => (joined = false));
  consumer.on(consumer.events.STOP, () => (joined = false));

  // A batch of markers or aborted records only: no event to hand over, but the handler records the
  // offsets it covered (the store counts every offset of the topic, control records included), and
  // then they are done. The handler queues it at once, so it is processed before any later batch.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (stopping || payload.batchSize !== 0 || payload.topic !== opts.topic || payload.firstOffset === null) return;
    const next = (BigInt(payload.lastOffset) + 1n).toString();
    const at = processed.get(payload.partition);
    if (at !== undefined && BigInt(at) >= BigInt(next)) return;
    const range: DeliveredRange = { partition: payload.partition, from: String(payload.firstOffset), next };
    const run = handler.onEvents([], range).then(() => {
      processed.set(payload.partition, next);
      commitTimer ??= setTimeout(() => void commitProcessed(), COMMIT_INTERVAL_MS);
    });
    inFlight = run.catch(() => undefined);
  });

  consumer.on(consumer.events.CRASH, (e) => {
    joined = false;
    if (!e.payload.restart) settle.reject(e.payload.error);
  });
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch });

  return {
    done,
    consuming: () => joined && !stopping,
    async stop() {
      if (stopping) return done;
      stopping = true;
      await inFlight;
      await commitProcessed();
      await consumer.disconnect();
      settle.resolve();
      return done;
    },
  };
}
