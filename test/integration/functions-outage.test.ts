// Redis going away under a running Kafka runner: batches fail and are not committed, the process
// keeps running, and once Redis is back the same records are delivered again and applied.

import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startRedis, type RunningRedis } from '../../infra/local/redis.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import { captureLog, caughtUp, effectiveDoc, freshKeys, freshTopic, seedEvents, testKafka, waitFor } from './functions-support.ts';

const kafka = testKafka(inject('kafkaBrokers'));
const started: RunningRedis[] = [];
afterAll(async () => {
  await Promise.all(started.map((r) => r.stop()));
});

describe('Redis outage', () => {
  it('the runner survives, commits nothing while Redis is down, and catches up when it is back', { timeout: 120_000 }, async () => {
    const first = await startRedis({ log: () => undefined });
    const port = Number(new URL(first.url).port);
    await first.stop();

    const keys = freshKeys();
    const topic = await freshTopic(kafka, 3);
    const groupId = `outage-${randomUUID()}`;
    const { log, lines } = captureLog();
    const redis = createStoreRedis({ url: first.url, role: 'service', log });
    const handler = createFunctionsHandler({ redis, keys, log });
    const sub = await runFunctionsConsumer({ kafka, topic, groupId, handler, log, sweepEveryMs: 0 });
    let stopped: unknown = null;
    sub.done.catch((e: unknown) => (stopped = e));
    try {
      const publisher = new KafkaEventPublisher(kafka, topic);
      await publisher.publish(await seedEvents());
      await publisher.close();

      await waitFor('a batch to fail on Redis', async () => lines().some((l) => /redis unavailable: batch not processed/.test(String(l['msg']))));
      expect(await caughtUp(kafka, groupId, topic)).toBe(false);
      expect(stopped).toBeNull();

      const again = await startRedis({ port, log: () => undefined });
      started.push(again);
      await waitFor('the group to catch up after Redis is back', () => caughtUp(kafka, groupId, topic), 100_000);
      expect(await effectiveDoc(redis, keys, 'worker1')).toContain('192.168.1.0/24');
      expect(stopped).toBeNull();
    } finally {
      await sub.stop();
      redis.disconnect();
    }
  });
});
