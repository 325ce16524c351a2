// Proves kafkajs 2.2.4 against the real Kafka 4.1.2 broker from the global setup: explicit topic
// creation, keyed produce, consumer-group consumption with committed offsets, and a new member of
// the same group resuming from those offsets (the property every function runner relies on).
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTopic } from '../../events/kafka/admin.ts';

interface Got {
  key: string;
  value: string;
  partition: number;
  offset: string;
}

const kafka = new Kafka({
  clientId: 'bgpcast-smoke',
  brokers: inject('kafkaBrokers').split(','),
  logLevel: logLevel.WARN,
});

/** Run `consumer` until `n` messages arrived, committing each offset explicitly. */
async function consumeN(consumer: Consumer, topic: string, n: number): Promise<Got[]> {
  const got: Got[] = [];
  return new Promise<Got[]>((resolve, reject) => {
    const eachMessage = async ({ partition, message }: EachMessagePayload) => {
      got.push({ key: String(message.key), value: String(message.value), partition, offset: message.offset });
      // Committed offset = next offset to read.
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      if (got.length >= n) resolve(got);
    };
    consumer.run({ autoCommit: false, eachMessage }).catch(reject);
  });
}

describe('kafkajs 2.2.4 against Kafka 4.1.2', () => {
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
  });
  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('creates a 3-partition topic idempotently', async () => {
    const topic = `smoke-create-${randomUUID()}`;
    await ensureTopic(kafka, topic, 3);
    await ensureTopic(kafka, topic, 3); // no-op, no throw
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);
    expect(meta.topics[0]?.partitions.every((p) => p.leader >= 0)).toBe(true);
  });

  it('a new group member resumes from the committed offsets', async () => {
    const topic = `smoke-resume-${randomUUID()}`;
    const groupId = `smoke-group-${randomUUID()}`;
    // Created bare (ensureTopic would write the project's identity record first): Kafka alone.
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });

    // 30 keys spread over all 3 partitions (murmur2, like the Java client).
    const first = Array.from({ length: 30 }, (_, i) => ({ key: `obj-${i}`, value: `v1-${i}` }));
    await producer.send({ topic, acks: -1, messages: first });

    const c1 = kafka.consumer({ groupId });
    await c1.connect();
    await c1.subscribe({ topic, fromBeginning: true });
    const got1 = await consumeN(c1, topic, first.length);
    await c1.disconnect();

    expect(got1.map((m) => m.value).sort()).toEqual(first.map((m) => m.value).sort());
    const partitionOf = new Map(got1.map((m) => [m.key, m.partition]));
    expect(new Set(partitionOf.values()).size).toBe(3);

    // The broker holds the commits: 30 messages in total behind the group's offsets.
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const sum = committed!.partitions.reduce((s, p) => s + Number(p.offset), 0);
    expect(sum).toBe(first.length);

    // One new message per partition, reusing a key already seen there. If the second consumer
    // ignored the commits (fromBeginning), every partition would replay old records before its
    // new one, so getting exactly these three first proves the resume.
    const keyPerPartition = new Map<number, string>();
    for (const [key, p] of partitionOf) if (!keyPerPartition.has(p)) keyPerPartition.set(p, key);
    const second = [...keyPerPartition.values()].map((key) => ({ key, value: `v2-${key}` }));
    await producer.send({ topic, acks: -1, messages: second });

    const c2 = kafka.consumer({ groupId });
    await c2.connect();
    await c2.subscribe({ topic, fromBeginning: true });
    const got2 = await consumeN(c2, topic, second.length);
    await c2.disconnect();

    expect(got2.map((m) => m.value).sort()).toEqual(second.map((m) => m.value).sort());
    // Same key → same partition across producer calls (per-object ordering).
    for (const m of got2) expect(m.partition).toBe(partitionOf.get(m.key));
  });
});
