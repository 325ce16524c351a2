// Rebuild benchmark: prints figures, asserts nothing. `node test/bench/rebuild.ts [--nodes 100] [--services 10000]`
//
// The store wiped under a running functions runner (as FLUSHALL, or a Redis restarted without its
// data): from the wipe until every node's document is written again under the new epoch, with the
// rebuild's stages (the topic read and folded in memory, the world written and installed; the
// documents after that). Baseline measured in the same run: the same records delivered by the
// consumer group and folded batch by batch by the fold script — the normal path — until every
// document is written. Cluster: test/bench/support/bench-cluster.ts (half the Services
// externalTrafficPolicy Cluster, half Local, each with an EndpointSlice on two nodes).
// Starts its own Kafka and Redis (infra/local) unless BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL
// are set, and stops only what it started.

import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { objectEnvelope, type EventEnvelope, type KubeObject } from '../../events/envelope.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createLogger } from '../../events/log.ts';
import { storeKeys, type StoreKeys } from '../../events/redis-keys.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { KAFKA_RECOMPUTE_BUDGET_MS, runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import { startStack } from '../../infra/local/stack.ts';
import { config, node, nodeName, service, slice } from './support/bench-cluster.ts';
import { deletePrefix, keysOfPrefix } from '../support/redis-prefix.ts';

const { values: args } = parseArgs({ options: { nodes: { type: 'string', default: '100' }, services: { type: 'string', default: '10000' } } });
const N = Number(args.nodes);
const S = Number(args.services);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const say = (line = '') => process.stdout.write(`${line}\n`);

/** A logger whose lines are kept: the rebuild's own report of its stages. */
function keptLog() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

async function until(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** Every node's document written under the store's current epoch, and nothing pending. */
async function allWritten(redis: Redis, keys: StoreKeys, since: string | null): Promise<boolean> {
  const epoch = await redis.hget(keys.log, 'epoch');
  if (epoch === null || epoch === since || (await redis.hlen(keys.pending)) > 0) return false;
  const pipeline = redis.pipeline();
  for (let j = 0; j < N; j++) pipeline.hmget(keys.desired(nodeName(j)), 'epoch', 'routeCount');
  const heads = ((await pipeline.exec()) ?? []).map(([, v]) => v as (string | null)[]);
  return heads.every(([e, routes]) => e === epoch && Number(routes) > 0);
}

async function main(kafka: Kafka, redisUrl: string): Promise<void> {
  const objects = [...Array.from({ length: N }, (_, j) => node(j)), ...Array.from({ length: S }, (_, i) => service(i)), ...Array.from({ length: S }, (_, i) => slice(i, N)), ...config];
  say(`== rebuild from the log: ${fmt(N)} nodes × ${fmt(S)} Services, ${fmt(S)} EndpointSlices (${fmt(objects.length)} objects, one record each)`);
  const topic = `bench.rebuild.${randomUUID()}`;
  await ensureTopic(kafka, topic, 6);
  const keys = storeKeys(`bench-${randomUUID().slice(0, 8)}`);
  const groupId = `bench-${randomUUID()}`;
  const redis = createStoreRedis({ url: redisUrl, role: 'service' });
  const { log, lines } = keptLog();
  // The runners' own clients, closed at the end: one left open retries forever once the stack is
  // stopped, and the process never exits.
  const clients: ReturnType<typeof createStoreRedis>[] = [];
  const start = () => {
    const client = createStoreRedis({ url: redisUrl, role: 'service' });
    clients.push(client);
    const handler = createFunctionsHandler({ redis: client, keys, log, recomputeBudgetMs: KAFKA_RECOMPUTE_BUDGET_MS });
    return runFunctionsConsumer({ kafka, topic, groupId, handler, log, sweepEveryMs: 250 });
  };
  try {
    // The store named for the empty topic first, so the records then go the normal way.
    await (await start()).stop();
    const publisher = new KafkaEventPublisher(kafka, topic);
    for (let i = 0; i < objects.length; i += 500) {
      await publisher.publish(objects.slice(i, i + 500).map((o) => objectEnvelope('modified', o as KubeObject, 'bench') as EventEnvelope));
    }
    await publisher.close();

    // Baseline: the consumer group delivers the records, the fold script folds them batch by batch.
    const first = await redis.hget(keys.log, 'epoch');
    let t = performance.now();
    const sub = await start();
    try {
      await until(async () => (await allWritten(redis, keys, null)) && (await redis.hget(keys.log, 'epoch')) === first, 300_000);
      const normalMs = performance.now() - t;
      say(`baseline, the normal path: ${fmt(objects.length)} records delivered by the consumer group and folded batch by batch, every document written, in ${fmt(normalMs)} ms`);

      // The store wiped under the running runner.
      const wiped = await keysOfPrefix(redis, keys.prefix);
      const rebuildsBefore = lines.filter((l) => l['msg'] === 'world rebuilt from the log; recomputing every desired document').length;
      t = performance.now();
      await redis.del(...wiped);
      const done = await until(() => allWritten(redis, keys, first), 300_000);
      const rebuildMs = performance.now() - t;
      const report = lines.filter((l) => l['msg'] === 'world rebuilt from the log; recomputing every desired document')[rebuildsBefore];
      const readMs = Number(report?.['readMs'] ?? NaN);
      const writeMs = Number(report?.['writeMs'] ?? NaN);
      say(
        `rebuild: the store wiped under the running runner (${fmt(wiped.length)} keys) → every document written again under a new epoch in ${fmt(rebuildMs)} ms${done ? '' : ' (NOT finished: timed out)'}: ` +
          `the topic read and folded in memory ${fmt(readMs)} ms, the world written and installed ${fmt(writeMs)} ms, ` +
          `noticed, recomputed and written ${fmt(rebuildMs - readMs - writeMs)} ms (target 30 s)`,
      );
      say(`ratio, rebuild / normal path: ${fmt(rebuildMs / normalMs, 2)}`);
    } finally {
      await sub.stop();
    }
  } finally {
    await deletePrefix(redis, keys.prefix);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    for (const c of [redis, ...clients]) await c.quit().catch(() => c.disconnect());
  }
}

const stack = await startStack({ log: (m) => process.stderr.write(`[stack] ${m}\n`) });
const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'bench-rebuild' }, createLogger('kafka', 'error'));
try {
  say(`rebuild benchmark — Node ${process.version}, Kafka ${stack.kafkaBrokers}, Redis ${stack.redisUrl}`);
  await main(kafka, stack.redisUrl);
} finally {
  await stack.stop();
}
