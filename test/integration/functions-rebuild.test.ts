// Redis is rebuilt from the log, never trusted over it. A store folded from another topic (the
// topic recreated, or another Kafka), a store older than the offsets the consumers committed
// (Redis back from an older copy), and a store wiped while the functions run are each rebuilt
// from the topic before anything is written; the documents then equal what a pure computation
// over the topic gives, and what is applied afterwards is not dropped.

import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { EventEnvelope, KubeObject } from '../../events/envelope.ts';
import { objectEnvelope } from '../../events/envelope.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import { createFunctionsHandler, type BatchReport, type FunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { captureLog, caughtUp, freshKeys, freshTopic, redisPool, seedEvents, snapshot, testKafka, waitFor } from './functions-support.ts';
import { pureFromTopic } from './random-history.ts';
import { deletePrefix, dumpPrefix, restorePrefix } from '../support/redis-prefix.ts';

const brokers = inject('kafkaBrokers');
const pool = redisPool(inject('redisUrl'));
let kafka: Kafka;
beforeAll(() => {
  kafka = testKafka(brokers);
});
afterAll(() => pool.closeAll());

const SEED_NODES = ['worker1', 'worker2', 'control-plane'];

async function publish(topic: string, envelopes: readonly EventEnvelope[]): Promise<void> {
  const publisher = new KafkaEventPublisher(kafka, topic);
  try {
    await publisher.publish(envelopes);
  } finally {
    await publisher.close();
  }
}

/** A runner of group `groupId` over `topic` into `keys`; its batch reports and log are kept. */
async function runner(topic: string, keys: StoreKeys, groupId: string) {
  const { log, lines } = captureLog('info');
  const handler = createFunctionsHandler({ redis: pool.client(), keys, log });
  const reports: BatchReport[] = [];
  const counted: FunctionsHandler = {
    ...handler,
    onEvents: async (events, range) => void reports.push(await handler.process(events, range)),
  };
  const sub = await runFunctionsConsumer({ kafka, topic, groupId, handler: counted, log, sweepEveryMs: 250 });
  return { sub, reports, lines, handler };
}

async function settled(redis: Redis, keys: StoreKeys, topic: string, groupId: string): Promise<void> {
  await waitFor('the group to catch up', () => caughtUp(kafka, groupId, topic), 60_000);
  await waitFor('no pending recomputation', async () => (await redis.hlen(keys.pending)) === 0, 20_000);
}

/** The seed with the Service `web` moved to another LoadBalancer IP. */
async function seedWithMovedService(ip: string): Promise<EventEnvelope[]> {
  return (await seedEvents()).map((e) => {
    if (e.kind !== 'Service' || e.name !== 'web') return e;
    const object = structuredClone(e.object) as KubeObject & { status: { loadBalancer: { ingress: { ip: string }[] } } };
    object.status.loadBalancer.ingress = [{ ip }];
    return objectEnvelope('added', object, e.source);
  });
}

const rebuiltLines = (lines: () => Record<string, unknown>[]) => lines().filter((l) => /rebuilding the world/.test(String(l['msg'])));

describe('the store is rebuilt from the log', () => {
  it('a store folded from a topic since recreated is rebuilt from the new one: what is applied to it is not dropped', { timeout: 120_000 }, async () => {
    const topic = await freshTopic(kafka, 3);
    const keys = freshKeys();
    const groupId = `rebuild-${randomUUID()}`;
    const redis = pool.client();

    const first = await runner(topic, keys, groupId);
    await publish(topic, await seedEvents());
    await settled(redis, keys, topic, groupId);
    await first.sub.stop();
    const before = await snapshot(redis, keys, SEED_NODES);
    expect(before['worker1']).toContain('172.20.0.10/32'); // web's LoadBalancer IP in the seed

    // The topic is deleted and created again under its name: its offsets start at 0 again.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [topic] });
      await waitFor('the topic to be gone', async () => !(await admin.listTopics()).includes(topic));
    } finally {
      await admin.disconnect();
    }
    await ensureTopic(kafka, topic, 3);
    await publish(topic, await seedWithMovedService('172.18.0.99'));

    const second = await runner(topic, keys, groupId);
    try {
      await settled(redis, keys, topic, groupId);
      const after = await snapshot(redis, keys, SEED_NODES);
      expect(after).toEqual(await pureFromTopic(kafka, topic, SEED_NODES));
      expect(after['worker1']).toContain('172.18.0.99/32');
      expect(after['worker1']).not.toContain('172.20.0.10/32');
      const rebuilt = rebuiltLines(second.lines);
      expect(rebuilt).toHaveLength(1);
      expect(rebuilt[0]).toMatchObject({ level: 50 }); // an error: every position in the store belonged to another topic
      expect(String(rebuilt[0]!['reason'])).toMatch(/not from topic/);
    } finally {
      await second.sub.stop();
    }
  });

  it('a store older than the committed offsets (Redis back from an older copy) is rebuilt before the runner goes on', { timeout: 120_000 }, async () => {
    const topic = await freshTopic(kafka, 3);
    const keys = freshKeys();
    const groupId = `rebuild-${randomUUID()}`;
    const redis = pool.client();

    const first = await runner(topic, keys, groupId);
    await publish(topic, await seedEvents());
    await settled(redis, keys, topic, groupId);
    // A copy of every key of the store as it is now …
    const copy = await dumpPrefix(redis, keys.prefix);
    // … then more is folded, committed, and the copy comes back: the store lacks committed records.
    await publish(topic, await seedWithMovedService('172.18.0.77'));
    await settled(redis, keys, topic, groupId);
    await first.sub.stop();
    await restorePrefix(redis, keys.prefix, copy);
    expect(await snapshot(redis, keys, SEED_NODES)).not.toEqual(await pureFromTopic(kafka, topic, SEED_NODES));

    const second = await runner(topic, keys, groupId);
    try {
      await waitFor('no pending recomputation', async () => (await redis.hlen(keys.pending)) === 0, 20_000);
      expect(await snapshot(redis, keys, SEED_NODES)).toEqual(await pureFromTopic(kafka, topic, SEED_NODES));
      const rebuilt = rebuiltLines(second.lines);
      expect(rebuilt).toHaveLength(1);
      expect(String(rebuilt[0]!['reason'])).toMatch(/older than the offsets the consumers committed/);
    } finally {
      await second.sub.stop();
    }
  });

  it('a store wiped under two running runners is rebuilt once, by the sweep, and later changes still apply', { timeout: 120_000 }, async () => {
    const topic = await freshTopic(kafka, 3);
    const keys = freshKeys();
    const groupId = `rebuild-${randomUUID()}`;
    const redis = pool.client();

    const a = await runner(topic, keys, groupId);
    const b = await runner(topic, keys, groupId);
    try {
      await publish(topic, await seedEvents());
      await settled(redis, keys, topic, groupId);
      const epoch = await redis.hget(keys.log, 'epoch');
      const before = rebuiltLines(a.lines).length + rebuiltLines(b.lines).length; // the first start's, on the empty store

      // Every key of the store goes, as FLUSHALL or a Redis restarted without its data would do.
      await deletePrefix(redis, keys.prefix);
      await waitFor('the store to be rebuilt', async () => {
        const now = await redis.hget(keys.log, 'epoch');
        return now !== null && now !== epoch && (await redis.hlen(keys.pending)) === 0;
      });
      expect(await snapshot(redis, keys, SEED_NODES)).toEqual(await pureFromTopic(kafka, topic, SEED_NODES));
      expect(rebuiltLines(a.lines).length + rebuiltLines(b.lines).length - before).toBe(1);

      await publish(topic, (await seedWithMovedService('172.18.0.55')).filter((e) => e.kind === 'Service'));
      await settled(redis, keys, topic, groupId);
      const after = await snapshot(redis, keys, SEED_NODES);
      expect(after).toEqual(await pureFromTopic(kafka, topic, SEED_NODES));
      expect(after['worker1']).toContain('172.18.0.55/32');
    } finally {
      await Promise.all([a.sub.stop(), b.sub.stop()]);
    }
  });

  it('the world going back under a running runner (an older copy restored) is noticed and rebuilt', { timeout: 120_000 }, async () => {
    const topic = await freshTopic(kafka, 3);
    const keys = freshKeys();
    const groupId = `rebuild-${randomUUID()}`;
    const redis = pool.client();

    const r = await runner(topic, keys, groupId);
    try {
      await publish(topic, await seedEvents());
      await settled(redis, keys, topic, groupId);
      const copy = await dumpPrefix(redis, keys.prefix);
      await publish(topic, await seedWithMovedService('172.18.0.66'));
      await settled(redis, keys, topic, groupId);
      await restorePrefix(redis, keys.prefix, copy);

      await waitFor('the store to be rebuilt', async () => rebuiltLines(r.lines).length > 0 && (await redis.hlen(keys.pending)) === 0);
      await waitFor('the documents of the whole topic', async () => isDeepStrictEqual(await snapshot(redis, keys, SEED_NODES), await pureFromTopic(kafka, topic, SEED_NODES)));
      expect((await snapshot(redis, keys, SEED_NODES))['worker1']).toContain('172.18.0.66/32');
    } finally {
      await r.sub.stop();
    }
  });
});
