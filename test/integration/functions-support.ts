// Helpers shared by the functions integration tests (test/integration/functions*.test.ts): a
// fresh Redis keyspace and topic per test, the seed as consumed events, a log capture, waiting
// for a consumer group to catch up, the desired documents as the CLI prints them, and the deltas
// published on the nodes' change channels.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { prepareManifests } from '../../events/apply.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { createLogger } from '../../events/log.ts';
import { envelopeKey, objectEnvelope, type EventEnvelope, type KubeObject, type ObjectEvent } from '../../events/envelope.ts';
import type { ConsumedEvent } from '../../events/bus.ts';
import { LOG_FIELDS, storeKeys, type StoreKeys } from '../../events/redis-keys.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import type { DesiredDelta, DesiredRouteChange } from '../../events/desired-delta.ts';
import { readDesiredDocument } from '../../events/desired-read.ts';
import { nodeDocument } from '../../functions/runner/document.ts';
import { listDesiredNodes, readConditions } from '../../functions/store/desired-store.ts';
import { repoRoot, runCli, examplesDir, type CliResult } from '../support/cli.ts';

export function testKafka(brokers: string): Kafka {
  return createKafka({ brokers, clientId: 'functions-test' }, createLogger('kafka', 'error'));
}

export async function freshTopic(kafka: Kafka, partitions = 6): Promise<string> {
  const topic = `test.functions.${randomUUID()}`;
  await ensureTopic(kafka, topic, partitions);
  return topic;
}

export function freshKeys(): StoreKeys {
  return storeKeys(`test-${randomUUID().slice(0, 8)}`);
}

/**
 * The store epoch of a test prefix written to by hand (the fold script folds only into a store
 * whose log record names the epoch the caller holds): named once, 'test'.
 */
export async function nameStore(redis: Redis, keys: StoreKeys): Promise<string> {
  await redis.hsetnx(keys.log, LOG_FIELDS.epoch, 'test');
  return (await redis.hget(keys.log, LOG_FIELDS.epoch))!;
}

/** Redis clients that afterAll closes. */
export function redisPool(url: string): { client(): Redis; closeAll(): Promise<void> } {
  const clients: Redis[] = [];
  return {
    client() {
      const c = createStoreRedis({ url, role: 'service' });
      clients.push(c);
      return c;
    },
    async closeAll() {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

export async function seedEvents(): Promise<ObjectEvent[]> {
  return (await prepareManifests([join(examplesDir, 'seed')], 'apply')).events;
}

/** A pino logger whose JSON lines are kept for assertions. */
export function captureLog(level = 'info'): { log: Logger; lines(): Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, sink), lines: () => lines };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True once the group has committed every partition up to the end of the topic. */
export async function caughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return ends.every((e) => BigInt(e.high) === 0n || (done.get(e.partition) ?? -1n) >= BigInt(e.high));
  } finally {
    await admin.disconnect();
  }
}

/**
 * A node's document as `bgpcast desired -o json` shows it, without the revision, assembled from
 * its two hashes (JSON text, comparable with nodeDocument(...).text). A stored route that belongs
 * to no family of the sessions part is an error: a consistent store has none.
 */
export async function effectiveDoc(redis: Redis, keys: StoreKeys, node: string): Promise<string> {
  const stored = await readDesiredDocument(redis, keys.prefix, node);
  if (stored === null) return JSON.stringify({ node, instances: [] });
  if (stored.orphans.length > 0) throw new Error(`node ${node}: stored routes of no family: ${stored.orphans.join(', ')}`);
  return nodeDocument(stored.document).text;
}

/** Route changes in one order, for comparisons (a delta's order is unspecified). */
export function sortedChanges(changes: readonly DesiredRouteChange[]): DesiredRouteChange[] {
  const key = (c: DesiredRouteChange) => JSON.stringify([c.instance, c.peer, c.afi, c.prefix]);
  return [...changes].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Parses a message of <p>:{<node>}:desired:changed. */
export function parseDelta(message: string): DesiredDelta {
  return JSON.parse(message) as DesiredDelta;
}

/** Every node's document and the conditions: what a clean replay must reproduce. */
export async function snapshot(redis: Redis, keys: StoreKeys, nodes: readonly string[]): Promise<Record<string, string>> {
  const all = [...new Set([...nodes, ...(await listDesiredNodes(redis, keys))])].sort();
  const out: Record<string, string> = {};
  for (const n of all) out[n] = await effectiveDoc(redis, keys, n);
  out['(conditions)'] = (await readConditions(redis, keys))?.document ?? '[]';
  return out;
}

/** The bgpcast entry, for tests that spawn it themselves. */
export function cliEntry(): string {
  return join(repoRoot, 'bin/bgpcast.ts');
}

/** Runs bgpcast with extra environment, as a user does. */
export function bgpcast(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runCli(args, env);
}

/** Positions as a topic would give them: one partition per key, offsets in order. */
export function sequencer(partitions = 6): (o: Record<string, unknown>, type?: 'added' | 'deleted') => ConsumedEvent {
  const partitionOf = new Map<string, number>();
  const next = new Map<number, number>();
  return (o, type = 'added') => {
    const envelope: EventEnvelope = objectEnvelope(type, o as KubeObject, 'test');
    const key = envelopeKey(envelope);
    if (!partitionOf.has(key)) partitionOf.set(key, partitionOf.size % partitions);
    const partition = partitionOf.get(key)!;
    const offset = next.get(partition) ?? 0;
    next.set(partition, offset + 1);
    return { topic: 't', partition, offset: String(offset), key, envelope };
  };
}
