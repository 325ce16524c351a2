// A bounded or following read of the events topic that joins no one's consumer group and commits
// nothing: for dump, replay and audit. Without `follow` it stops at the end offsets seen when it
// started. It reads committed records only, as the functions do; a partition is read to its end
// when the consumer's position reaches it, which kafkajs's end-of-batch event reports even for a
// batch of transaction markers alone (a marker takes an offset but is never a message).
// Identity records (topic-identity.ts) are not events and are passed over. The world is rebuilt
// with log-reader.ts, which reads up to given positions batch by batch.

import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decodeEnvelope } from '../envelope.ts';
import { endOffsets } from './admin.ts';
import type { ConsumedEvent, PoisonRecord, RecordPosition } from '../bus.ts';
import { isIdentityRecord } from './topic-identity.ts';

export interface ReadOptions {
  readonly topic: string;
  readonly fromBeginning: boolean;
  readonly follow: boolean;
  readonly onEvent: (e: ConsumedEvent) => void;
  readonly onPoison: (p: PoisonRecord) => void;
  /** Aborting ends a following read. */
  readonly signal?: AbortSignal;
}

export async function readEvents(kafka: Kafka, opts: ReadOptions): Promise<void> {
  await readTopic(kafka, {
    ...opts,
    onMessage: (position, key, message) => {
      try {
        if (!isIdentityRecord(message.headers)) opts.onEvent({ ...position, key, envelope: decodeEnvelope(message.value) });
      } catch (error) {
        opts.onPoison({ ...position, key, error: error as Error });
      }
    },
  });
}

export interface TopicReadOptions {
  readonly topic: string;
  readonly fromBeginning: boolean;
  readonly follow: boolean;
  /** Every record, identity records included, in offset order per partition. */
  readonly onMessage: (position: RecordPosition, key: string | null, message: KafkaMessage) => void;
  readonly signal?: AbortSignal;
}

/** The read above for records of any shape (the audit topic's, events/kafka/audit-reader.ts). */
export async function readTopic(kafka: Kafka, opts: TopicReadOptions): Promise<void> {
  const ends = await endOffsets(kafka, opts.topic);
  const pending = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
  if (!opts.follow && (!opts.fromBeginning || pending.size === 0)) return;

  const consumer = kafka.consumer({ groupId: `bgpcast-reader-${randomUUID()}`, sessionTimeout: 10_000, readUncommitted: false });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  opts.signal?.addEventListener('abort', () => finish(), { once: true });
  if (!opts.follow) {
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic !== opts.topic || BigInt(payload.lastOffset) + 1n < (ends.get(payload.partition) ?? 0n)) return;
      pending.delete(payload.partition);
      if (pending.size === 0) finish();
    });
  }

  await consumer.connect();
  try {
    await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (!opts.follow && !pending.has(partition)) return; // past the end seen at the start
        if (!opts.follow && BigInt(message.offset) >= (ends.get(partition) ?? 0n)) return;
        opts.onMessage({ topic, partition, offset: message.offset }, message.key ? message.key.toString('utf8') : null, message);
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
}
