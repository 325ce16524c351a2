// A bounded or following read of the events topic that joins no one's consumer group and commits
// nothing: for dump and audit. Without `follow` it stops at the end offsets seen when it started.
// Identity records (topic-identity.ts) are not events and are passed over. The world is rebuilt
// with log-reader.ts, which reads up to given positions batch by batch.

import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { decodeEnvelope } from '../envelope.ts';
import { endOffsets } from './admin.ts';
import type { ConsumedEvent, PoisonRecord } from '../bus.ts';
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
  const ends = await endOffsets(kafka, opts.topic);
  const pending = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
  if (!opts.follow && (!opts.fromBeginning || pending.size === 0)) return;

  const consumer = kafka.consumer({ groupId: `bgpcast-reader-${randomUUID()}`, sessionTimeout: 10_000 });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  opts.signal?.addEventListener('abort', () => finish(), { once: true });

  await consumer.connect();
  try {
    await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const position = { topic, partition, offset: message.offset };
        const key = message.key ? message.key.toString('utf8') : null;
        try {
          if (!isIdentityRecord(message.headers)) opts.onEvent({ ...position, key, envelope: decodeEnvelope(message.value) });
        } catch (error) {
          opts.onPoison({ ...position, key, error: error as Error });
        }
        if (!opts.follow && BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) {
          pending.delete(partition);
          if (pending.size === 0) finish();
        }
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
}
