// Functions benchmark: prints figures, asserts nothing. `node test/bench/functions.ts`
//
// For 100 and 1,000 nodes × 10,000 Services (half externalTrafficPolicy Cluster, half Local, each
// with an EndpointSlice on two nodes), through a real Kafka and a real Redis:
//   fold       events/s from produce to committed, while no node is a BGP node yet (fold only);
//   recompute  the BGP configuration applied last: every node computed and written, nodes/s;
//   latency    produce → desired state written (Redis notification received), p50/p95/p99:
//              a Service change (every node's document changes) and a Node change (one document);
//   replay     a clean replay of the whole topic by one runner into a fresh keyspace (100 nodes);
//   memory     Redis used_memory (INFO memory) after each phase.
// Baseline measured in the same run: the pure computation alone, as the runner does it (a fresh
// DesiredCache, every node's whole document serialised), so the I/O overhead is visible.
// Starts its own Kafka and Redis (infra/local) unless BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL
// are set, and stops only what it started. The handler runs in this process.

import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { startStack } from '../../infra/local/stack.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createLogger } from '../../events/log.ts';
import { objectEnvelope, type EventEnvelope, type KubeObject } from '../../events/envelope.ts';
import { DesiredCache } from '../../functions/incremental/desired-cache.ts';
import { worldFromObjects } from '../../functions/model/world.ts';
import { applyChanges } from '../../functions/store/apply-changes.ts';
import { nodeDocument } from '../../functions/runner/document.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { storeKeys, type StoreKeys } from '../../events/redis-keys.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import { config, node, nodeName, service, slice } from './support/bench-cluster.ts';
import { deletePrefix } from '../support/redis-prefix.ts';

type Obj = Record<string, unknown>;
const BUDGET_MS = 170_000;
const started = performance.now();
const overBudget = () => performance.now() - started > BUDGET_MS;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const say = (line = '') => process.stdout.write(`${line}\n`);
const log = createLogger('functions', 'warn');
const clients: Redis[] = [];
const client = (url: string): Redis => {
  const c = createStoreRedis({ url, role: 'service' });
  clients.push(c);
  return c;
};

// ------------------------------------------------------------------------------ the cluster
// test/bench/support/bench-cluster.ts

// ------------------------------------------------------------------------------ helpers

function percentiles(samples: number[]): string {
  if (samples.length === 0) return 'no samples';
  const s = [...samples].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return `p50 ${fmt(p(0.5))} ms  p95 ${fmt(p(0.95))} ms  p99 ${fmt(p(0.99))} ms  (n=${s.length})`;
}

async function usedMemoryMB(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 1024 / 1024;
}

async function caughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return ends.every((e) => BigInt(e.high) === 0n || (done.get(e.partition) ?? -1n) >= BigInt(e.high));
  } finally {
    await admin.disconnect();
  }
}

async function until(probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function publishAll(publisher: KafkaEventPublisher, objects: Obj[]): Promise<void> {
  // Chunks stay below the broker's 1 MB record-batch limit.
  for (let i = 0; i < objects.length; i += 500) {
    await publisher.publish(objects.slice(i, i + 500).map((o) => objectEnvelope('modified', o as KubeObject, 'bench') as EventEnvelope));
  }
}

/** Counts desired-state notifications of one keyspace, with their arrival time. */
async function listen(redis: Redis, keys: StoreKeys): Promise<{ since(t: number): number[] }> {
  const times: number[] = [];
  redis.on('pmessage', (_p: string, channel: string) => {
    if (channel.endsWith(':desired:changed')) times.push(performance.now());
  });
  await redis.psubscribe(`${keys.prefix}:*:desired:changed`);
  return { since: (t) => times.filter((x) => x >= t) };
}

// ------------------------------------------------------------------------------ one scale

interface Scale {
  readonly nodes: number;
  readonly services: number;
  readonly serviceSamples: number;
  readonly nodeSamples: number;
  readonly replay: boolean;
}

/** The pure computation alone, as the runner does it, with a cache of its own that is garbage after. */
function pureBaseline(N: number, S: number, nodes: readonly Obj[], objects: readonly Obj[]): { lines: string[]; computeMs: number; oneNodeAfterChangeMs: number } {
  let t = performance.now();
  const world = worldFromObjects(objects);
  const worldMs = performance.now() - t;
  const desired = new DesiredCache();
  const documentOf = (w: typeof world, name: string) => desired.document(desired.view(w, name));
  t = performance.now();
  const states = nodes.map((_, j) => documentOf(world, nodeName(j)));
  const computeMs = performance.now() - t;
  t = performance.now();
  const docs = states.map(nodeDocument);
  const docMs = performance.now() - t;
  t = performance.now();
  desired.conditions(world);
  const conditionsMs = performance.now() - t;
  // What one change costs the pure computation: a new world value (folded as the runner folds it).
  const afterChange: number[] = [];
  for (let k = 0; k < 7; k++) {
    t = performance.now();
    const changed = applyChanges(world, [{ ref: { kind: 'Node', name: nodeName(k) }, raw: node(k, 1) }]);
    nodeDocument(documentOf(changed, nodeName(k)));
    afterChange.push(performance.now() - t);
  }
  const oneNodeAfterChangeMs = afterChange.sort((a, b) => a - b)[3]!; // the median of 7
  const routes = states.reduce((n, s) => n + (s.instances[0]?.peers[0]?.families[0]?.routes.length ?? 0), 0) / N;
  const docKB = docs.reduce((n, d) => n + d.text.length, 0) / N / 1024;
  return {
    computeMs: computeMs + docMs,
    oneNodeAfterChangeMs,
    lines: [
      `baseline (pure, no I/O): world of ${fmt(3 + N + 2 * S)} objects built in ${fmt(worldMs)} ms`,
      `  each node's document (DesiredCache, cold) ${fmt(computeMs / N, 2)} ms/node, whole-document JSON (as a reader assembles it) ${fmt(docMs / N, 2)} ms/node ` +
        `(${fmt(routes)} routes, ${fmt(docKB)} KB per node); all ${fmt(N)} nodes ${fmt(computeMs + docMs)} ms; conditions ${fmt(conditionsMs)} ms`,
      `  one node right after a Node change, median of 7: ${fmt(oneNodeAfterChangeMs)} ms`,
    ],
  };
}

async function runScale(kafka: Kafka, redisUrl: string, scale: Scale): Promise<void> {
  const { nodes: N, services: S } = scale;
  say(`== ${fmt(N)} nodes × ${fmt(S)} Services (${fmt(S / 2)} eTP=Cluster, ${fmt(S / 2)} eTP=Local), ${fmt(S)} EndpointSlices`);
  const nodes = Array.from({ length: N }, (_, j) => node(j));
  const services = Array.from({ length: S }, (_, i) => service(i));
  const slices = Array.from({ length: S }, (_, i) => slice(i, N));

  // Baseline: the pure computation, in process, no I/O (its own cache, dropped before the run).
  const baseline = pureBaseline(N, S, nodes, [...config, ...nodes, ...services, ...slices]);
  for (const line of baseline.lines) say(line);
  let t = performance.now();

  const topic = `bench.functions.${randomUUID()}`;
  await ensureTopic(kafka, topic, 6);
  const keys = storeKeys(`bench-${randomUUID().slice(0, 8)}`);
  const redis = client(redisUrl);
  const listener = await listen(client(redisUrl), keys);
  const memory0 = await usedMemoryMB(redis);
  const groupId = `bench-${randomUUID()}`;
  // As `bgpcast functions` runs it: at most 3 s of recomputation per batch, then a sweep goes on.
  const handler = createFunctionsHandler({ redis: client(redisUrl), keys, log, recomputeBudgetMs: 3_000 });
  const sub = await runFunctionsConsumer({ kafka, topic, groupId, handler, log, sweepEveryMs: 0 });
  sub.done.catch((e: Error) => say(`consumer stopped: ${e.message}`));
  const publisher = new KafkaEventPublisher(kafka, topic);
  try {
    // Fold: nodes, Services and slices while no ClusterConfig exists (no node is a BGP node).
    const events = N + 2 * S;
    t = performance.now();
    await publishAll(publisher, [...nodes, ...services, ...slices]);
    await until(() => caughtUp(kafka, groupId, topic), 120_000);
    const foldMs = performance.now() - t;
    const memoryFold = await usedMemoryMB(redis);
    say(`fold: ${fmt(events)} events produced and folded in ${fmt(foldMs)} ms = ${fmt(events / (foldMs / 1000))} events/s ` +
      `(Redis +${fmt(memoryFold - memory0, 1)} MB: the world view)`);

    // Recompute: PeerConfig and Advertisement first (no BGP node yet), then the ClusterConfig:
    // every node's document is computed and written once.
    await publishAll(publisher, config.slice(1));
    await until(() => caughtUp(kafka, groupId, topic), 60_000);
    t = performance.now();
    await publishAll(publisher, config.slice(0, 1));
    await until(() => listener.since(t).length >= N, 120_000);
    const recomputeMs = performance.now() - t;
    await until(() => caughtUp(kafka, groupId, topic), 60_000);
    const memoryAll = await usedMemoryMB(redis);
    say(`recompute: ${fmt(N)} nodes computed and written in ${fmt(recomputeMs)} ms = ${fmt(N / (recomputeMs / 1000))} nodes/s ` +
      `(pure compute alone: ${fmt(baseline.computeMs)} ms); Redis +${fmt(memoryAll - memoryFold, 1)} MB for ${fmt(N)} documents`);

    // Latency: one change at a time, from produce to the last notification it causes.
    const serviceFirst: number[] = [];
    const serviceAll: number[] = [];
    for (let k = 0; k < scale.serviceSamples && !overBudget(); k++) {
      const i = 2 * k; // eTP=Cluster: every node's document changes
      t = performance.now();
      await publishAll(publisher, [service(i, '172.30')]);
      if (!(await until(() => listener.since(t).length >= N, 60_000))) break;
      const seen = listener.since(t);
      serviceFirst.push(seen[0]! - t);
      serviceAll.push(seen[N - 1]! - t);
    }
    const nodeLatency: number[] = [];
    for (let k = 0; k < scale.nodeSamples && !overBudget(); k++) {
      t = performance.now();
      await publishAll(publisher, [node(k % N, 1 + (k % 2))]);
      if (!(await until(() => listener.since(t).length >= 1, 30_000))) break;
      nodeLatency.push(listener.since(t)[0]! - t);
    }
    say('latency, produce → desired state written (notification received):');
    say(`  Service change, first of ${fmt(N)} nodes:  ${percentiles(serviceFirst)}`);
    say(`  Service change, all ${fmt(N)} nodes:       ${percentiles(serviceAll)}   (baseline: pure compute of all nodes ${fmt(baseline.computeMs)} ms)`);
    say(`  Node change (its one document):   ${percentiles(nodeLatency)}   (baseline: pure compute of one node after a change ${fmt(baseline.oneNodeAfterChangeMs)} ms)`);
  } finally {
    await sub.stop();
    await publisher.close();
  }
  const memoryEnd = await usedMemoryMB(redis);

  if (scale.replay && !overBudget()) {
    const replayKeys = storeKeys(`bench-${randomUUID().slice(0, 8)}`);
    const replayGroup = `bench-replay-${randomUUID()}`;
    const replayHandler = createFunctionsHandler({
      redis: client(redisUrl),
      keys: replayKeys,
      log,
      recomputeBudgetMs: 3_000,
    });
    t = performance.now();
    const replay = await runFunctionsConsumer({ kafka, topic, groupId: replayGroup, handler: replayHandler, log, sweepEveryMs: 0 });
    await until(async () => (await caughtUp(kafka, replayGroup, topic)) && (await redis.hlen(replayKeys.pending)) === 0, 120_000);
    const replayMs = performance.now() - t;
    await replay.stop();
    const recorded = N + 2 * S + config.length + scale.serviceSamples + scale.nodeSamples;
    say(`replay: the whole topic (≈${fmt(recorded)} events) by one runner into a fresh keyspace in ${fmt(replayMs)} ms ` +
      `= ${fmt(recorded / (replayMs / 1000))} events/s folded and recomputed`);
    await deletePrefix(redis, replayKeys.prefix);
  }
  say(`Redis used_memory: ${fmt(memory0, 1)} MB before, ${fmt(memoryEnd, 1)} MB after (+${fmt(memoryEnd - memory0, 1)} MB); ` +
    `benchmark process RSS ${fmt(process.memoryUsage().rss / 1024 / 1024)} MB`);
  await deletePrefix(redis, keys.prefix);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
  say();
}

// ------------------------------------------------------------------------------ main

const stack = await startStack({ log: (m) => process.stderr.write(`[stack] ${m}\n`) });
const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'bench-functions' }, createLogger('kafka', 'error'));
try {
  say(`functions benchmark — Node ${process.version}, Kafka ${stack.kafkaBrokers}, Redis ${stack.redisUrl}`);
  say();
  await runScale(kafka, stack.redisUrl, { nodes: 100, services: 10_000, serviceSamples: 20, nodeSamples: 20, replay: true });
  if (!overBudget()) await runScale(kafka, stack.redisUrl, { nodes: 1_000, services: 10_000, serviceSamples: 3, nodeSamples: 10, replay: false });
  else say('1,000 nodes: skipped (time budget)');
  say(`total ${fmt((performance.now() - started) / 1000, 1)} s`);
} finally {
  await stack.stop();
}
