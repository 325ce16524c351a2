// Consumes the events topic as a consumer group: batches in offset order per partition, offsets
// committed only after the handler has processed the batch, so a restart resumes exactly after
// the last processed record (at-least-once: a crash mid-batch redelivers that batch).

import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { decodeEnvelope } from '../envelope.ts';
import type { BatchHandler, ConsumedEvent, EventSubscription } from '../bus.ts';

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topic: string;
  /** Where a group without committed offsets starts. */
  readonly fromBeginning: boolean;
}

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
    // Stop means stop: no automatic reconnect loop hidden from the caller, and none at all once
    // stop() was called (a broker that went away first would otherwise restart it forever).
    retry: { retries: 8, restartOnFailure: async () => !stopping },
  });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning });

  let settle: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // The batch being processed, so stop() can let it finish and commit before leaving the group.
  let inFlight: Promise<void> = Promise.resolve();

  const eachBatch = (payload: EachBatchPayload): Promise<void> => {
    if (stopping) return Promise.resolve();
    const run = processBatch(payload);
    inFlight = run.catch(() => undefined);
    return run;
  };

  const processBatch = async ({ batch, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const events: ConsumedEvent[] = [];
    for (const m of batch.messages) {
      const position = { topic: batch.topic, partition: batch.partition, offset: m.offset };
      const key = m.key ? m.key.toString('utf8') : null;
      try {
        events.push({ ...position, key, envelope: decodeEnvelope(m.value) });
      } catch (error) {
        handler.onPoison({ ...position, key, error: error as Error });
      }
    }
    // The group coordinator drops a member that stays silent for sessionTimeout; a long batch
    // keeps heartbeating while the handler works, so its commit is still accepted.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), 1_000);
    try {
      if (events.length > 0) await handler.onEvents(events);
    } finally {
      clearInterval(beat);
    }
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    await heartbeat();
  };

  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) settle.reject(e.payload.error);
  });
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch });

  return {
    done,
    async stop() {
      if (stopping) return done;
      stopping = true;
      await inFlight;
      await consumer.disconnect();
      settle.resolve();
      return done;
    },
  };
}
