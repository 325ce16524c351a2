// Topic administration and read-to-end support for bounded reads (dump, replay, rebuild).

import type { Kafka } from 'kafkajs';
import { writeTopicIdentity } from './topic-identity.ts';

/**
 * Creates `topic` when it does not exist, and gives it an identity record (topic-identity.ts) when
 * its partition 0 is empty: a topic this creates is told apart from any later topic of that name.
 */
export async function ensureTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let empty: boolean;
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '-1' }] }],
      });
      empty = true;
    } else {
      const p0 = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === 0);
      empty = p0 !== undefined && p0.high === '0';
    }
  } finally {
    await admin.disconnect();
  }
  if (empty) await writeTopicIdentity(kafka, topic);
}

/**
 * True when the consumer group has committed, on every partition of `topic`, at least the offsets
 * in `end` (endOffsets): every record before them was processed.
 */
export async function groupCaughtUp(kafka: Kafka, groupId: string, topic: string, end: ReadonlyMap<number, bigint>): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return [...end].every(([partition, offset]) => offset === 0n || (at.get(partition) ?? -1n) >= offset);
  } finally {
    await admin.disconnect();
  }
}

/** The offset after the last record of each partition, as of now. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Per partition of `topic`, the records the group has not committed yet: the end offset minus the
 * committed one (the partition's start when the group committed nothing there). One attempt, no
 * retries: for a scrape, where an answer late is no answer.
 */
export async function consumerLag(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return new Map(
      ends.map((e) => {
        const done = at.get(e.partition) ?? -1n;
        const from = done >= 0n ? done : BigInt(e.low);
        const lag = BigInt(e.high) - from;
        return [e.partition, lag > 0n ? lag : 0n];
      }),
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
