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
