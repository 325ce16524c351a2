// (c) Three runner instances in one consumer group over a 6-partition topic, under a seeded
// stream of random changes, end in exactly the documents that one clean replay produces (a
// single runner, a fresh keyspace, the same topic from the beginning) — and both equal the pure
// computation over the final objects. Documents are compared as JSON, not revisions.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createFunctionsHandler, type BatchReport, type FunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import { seededRandom } from '../support/random.ts';
import { history, NODES, pureFromTopic } from './random-history.ts';
import { captureLog, caughtUp, freshKeys, freshTopic, redisPool, snapshot, testKafka, waitFor } from './functions-support.ts';

const brokers = inject('kafkaBrokers');
const pool = redisPool(inject('redisUrl'));
let kafka: Kafka;
beforeAll(() => {
  kafka = testKafka(brokers);
});
afterAll(() => pool.closeAll());

const jitter = (rnd: () => number) => () => new Promise<void>((r) => setTimeout(r, Math.floor(rnd() * 4)));

async function runGroup(
  topic: string,
  keys: StoreKeys,
  instances: number,
  publish: () => Promise<void>,
): Promise<BatchReport[][]> {
  const groupId = `functions-${randomUUID()}`;
  const reports: BatchReport[][] = Array.from({ length: instances }, () => []);
  const subs = [];
  for (let i = 0; i < instances; i++) {
    const rnd = seededRandom(1000 + i);
    const handler = createFunctionsHandler({
      redis: pool.client(),
      keys,
      log: captureLog('warn').log,
      hooks: instances > 1 ? { afterHeads: jitter(rnd), beforeWrite: jitter(rnd) } : {},
    });
    const counted: FunctionsHandler = {
      ...handler,
      onEvents: async (events) => void reports[i]!.push(await handler.process(events)),
    };
    subs.push(await runFunctionsConsumer({ kafka, topic, groupId, handler: counted, log: captureLog('warn').log, sweepEveryMs: 250 }));
  }
  try {
    await publish();
    await waitFor('the group to catch up', () => caughtUp(kafka, groupId, topic), 90_000);
    const redis = pool.client();
    await waitFor('no pending recomputation', async () => (await redis.hlen(keys.pending)) === 0, 10_000);
  } finally {
    await Promise.all(subs.map((s) => s.stop()));
  }
  return reports;
}

describe('(c) several instances against one clean replay', () => {
  it('3 runners over 6 partitions under 400 random changes end where a single replay ends', { timeout: 180_000 }, async () => {
    const seed = Number(process.env['BGPCAST_TEST_SEED'] ?? Date.now() % 100_000);
    const events = history(seed, 400);
    const topic = await freshTopic(kafka, 6);
    const rnd = seededRandom(seed + 1);
    const publisher = new KafkaEventPublisher(kafka, topic);

    const concurrent = freshKeys();
    const reports = await runGroup(topic, concurrent, 3, async () => {
      for (let i = 0; i < events.length; ) {
        const n = 1 + Math.floor(rnd() * 25);
        await publisher.publish(events.slice(i, i + n));
        i += n;
        await new Promise((r) => setTimeout(r, Math.floor(rnd() * 30)));
      }
    });
    await publisher.close();

    const replay = freshKeys();
    await runGroup(topic, replay, 1, async () => undefined);

    const redis = pool.client();
    const a = await snapshot(redis, concurrent, NODES);
    const b = await snapshot(redis, replay, NODES);
    const pure = await pureFromTopic(kafka, topic, NODES);
    expect(a, `seed ${seed}`).toEqual(b);
    expect(a, `seed ${seed}`).toEqual(pure);

    // The run was meaningful: several instances worked, and the final state is not trivial.
    const active = reports.filter((r) => r.some((x) => x.applied > 0)).length;
    expect(active, 'instances that folded events').toBeGreaterThan(1);
    const routes = NODES.reduce((n, node) => n + (a[node]!.match(/"prefix"/g)?.length ?? 0), 0);
    expect(routes).toBeGreaterThan(0);
    const totals = reports.flat().reduce(
      (t, r) => ({ batches: t.batches + 1, written: t.written + r.written, conflicts: t.conflicts + r.conflicts, covered: t.covered + r.covered }),
      { batches: 0, written: 0, conflicts: 0, covered: 0 },
    );
    process.stderr.write(`[functions-concurrency] seed ${seed}: ${JSON.stringify({ ...totals, routes, active })}\n`);
  });
});
