// Which topic an offset belongs to. An offset means nothing without its topic: a topic deleted and
// created again under the same name, or the same name on another cluster, starts at offset 0 again,
// and a store that kept the old offsets would skip the new records as "already folded".
//
// Kafka names every topic with a topic ID (KIP-516), but only Metadata v10 and later carry it;
// kafkajs 2.2.4 speaks Metadata v0–v6 and cannot read it. So the project names its topics itself:
// ensureTopic (admin.ts), when it creates the topic (or finds its partition 0 empty), writes an
// identity record to partition 0 — a record with the header `bgpcast-record: topic-identity` and a
// random id — before anything else is written there. The identity of a topic is its name, that id
// (null for a topic created by someone else, which then cannot be told from a topic recreated
// under its name without one) and the cluster's id (DescribeCluster).
//
// Consumers skip identity records (they are not events); the functions compare the identity the
// store was built from (events/redis-keys.ts LOG_FIELDS) with the topic's, and rebuild on a
// difference.

import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';

export const RECORD_HEADER = 'bgpcast-record';
export const IDENTITY_RECORD = 'topic-identity';
export const IDENTITY_SCHEMA = 'bgpcast.topic-identity/v1';

export interface TopicIdentity {
  readonly topic: string;
  /** The id of the topic's identity record; null when partition 0 starts without one. */
  readonly id: string | null;
  /** The Kafka cluster id. */
  readonly cluster: string;
}

export function sameTopic(a: TopicIdentity, b: TopicIdentity): boolean {
  return a.topic === b.topic && a.id === b.id && a.cluster === b.cluster;
}

export function describeTopic(t: TopicIdentity): string {
  return `topic ${t.topic} (${t.id === null ? 'no identity record' : `id ${t.id}`}) on Kafka cluster ${t.cluster}`;
}

/** True for a record that is the project's own bookkeeping, not an event (an identity record). */
export function isIdentityRecord(headers: IHeaders | undefined): boolean {
  const v = headers?.[RECORD_HEADER];
  return v !== undefined && String(Array.isArray(v) ? v[0] : v) === IDENTITY_RECORD;
}

/** The id an identity record carries, or null when its value does not hold one. */
export function identityOf(value: Buffer | null): string | null {
  if (value === null) return null;
  try {
    const v = JSON.parse(value.toString('utf8')) as { schema?: unknown; id?: unknown };
    return v.schema === IDENTITY_SCHEMA && typeof v.id === 'string' && v.id !== '' ? v.id : null;
  } catch {
    return null;
  }
}

/** Writes a new identity record to partition 0 of `topic`; returns its id. */
export async function writeTopicIdentity(kafka: Kafka, topic: string): Promise<string> {
  const id = randomUUID();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const value = JSON.stringify({ schema: IDENTITY_SCHEMA, topic, id, createdAt: new Date().toISOString() });
    await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: `${RECORD_HEADER}/${IDENTITY_RECORD}`, value, headers: { [RECORD_HEADER]: IDENTITY_RECORD } }] });
  } finally {
    await producer.disconnect();
  }
  return id;
}

/** The cluster's id. */
export async function clusterId(kafka: Kafka): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).clusterId;
  } finally {
    await admin.disconnect();
  }
}

/**
 * The topic's identity: the first identity record of partition 0's first fetch (an identity
 * record is written before anything else there), and the cluster id. Joins no consumer group of
 * anyone's; bounded by `timeoutMs`.
 */
export async function readTopicIdentity(kafka: Kafka, topic: string, timeoutMs = 15_000): Promise<TopicIdentity> {
  const admin = kafka.admin();
  await admin.connect();
  let cluster: string;
  let first: { low: string; high: string } | undefined;
  try {
    cluster = (await admin.describeCluster()).clusterId;
    const offsets = await admin.fetchTopicOffsets(topic);
    const p0 = offsets.find((o) => o.partition === 0);
    first = p0 ? { low: p0.low, high: p0.high } : undefined;
  } finally {
    await admin.disconnect();
  }
  if (!first || BigInt(first.high) <= BigInt(first.low)) return { topic, id: null, cluster };
  return { topic, id: await firstIdentityRecord(kafka, topic, BigInt(first.high), timeoutMs), cluster };
}

async function firstIdentityRecord(kafka: Kafka, topic: string, high: bigint, timeoutMs: number): Promise<string | null> {
  const consumer = kafka.consumer({ groupId: `bgpcast-identity-${randomUUID()}`, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  let settle!: (outcome: { id: string | null } | null) => void;
  const found = new Promise<{ id: string | null } | null>((resolve) => (settle = resolve));
  const timer = setTimeout(() => settle(null), timeoutMs);
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.partition !== 0) return;
        // The first records of the partition decide; a fetch of control records only does not.
        if (batch.messages.length > 0) {
          const record = batch.messages.find((m) => isIdentityRecord(m.headers));
          settle({ id: record ? identityOf(record.value) : null });
        } else if (BigInt(batch.lastOffset()) + 1n >= high) {
          settle({ id: null });
        }
      },
    });
    const outcome = await found;
    if (outcome === null) throw new Error(`no record of ${topic} partition 0 read within ${timeoutMs} ms`);
    return outcome.id;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
