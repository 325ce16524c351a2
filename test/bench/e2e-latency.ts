// End-to-end latency benchmark: prints figures, asserts nothing.
//   node test/bench/e2e-latency.ts [--nodes 100] [--services 10000] [--warmup 30] [--samples 100] [--burst 1000]
//
// The whole pipeline, each part as it runs in production: events produced to a real Kafka, the
// functions runner (in this process) folding them into a real Redis and writing each node's
// desired state, ONE `bgpcast speaker` process standing for every node (the real CLI, a child
// process), and a receiving BGP peer in a third process (support/bgp-sink.ts) that timestamps the
// UPDATE carrying a watched prefix. Figures:
//   initial load   the ClusterConfig published → every node's table at the peer;
//   single change  one Service's LoadBalancer IP moved (every node re-advertises it), one at a time:
//                  produce → UPDATE at the peer, over every (change, node) pair, and per change the
//                  last node; p50 / p95 / p99. Measured after `--warmup` changes, whose figures are
//                  printed apart: right after the initial load the code paths of a change are not
//                  yet optimised by the JIT, and the first ~30 changes cost the functions and the
//                  speaker up to twice the CPU of the following ones;
//   burst          1,000 such changes produced at once: produce → each (change, node) UPDATE, and
//                  the time until the last one.
// Baseline measured in the same run: produce → desired state written (the Redis notification of
// each node, as the speaker receives it), i.e. the functions alone; the difference is the
// speaker's share (parse and apply the delta, check, pack, send). The notifications are timestamped
// in a process of their own (support/desired-listener.ts), as the peer's UPDATEs are in the sink's,
// so that neither wakes the functions' process while it writes later nodes.
// Starts its own Kafka and Redis (infra/local) unless BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL
// are set; stops what it started. Bounded: every wait has a deadline, the whole run a budget.
// BENCH_SPEAKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the speaker process.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { objectEnvelope, type EventEnvelope, type KubeObject } from '../../events/envelope.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createLogger } from '../../events/log.ts';
import { createRegistry } from '../../events/telemetry.ts';
import { FunctionsTelemetry } from '../../functions/runner/functions-telemetry.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { storeKeys } from '../../events/redis-keys.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import { startStack } from '../../infra/local/stack.ts';
import { startSink, type Sink } from './support/bgp-sink.ts';
import { startListener, type Notice } from './support/desired-listener.ts';
import { cpuMeter } from './support/cpu-time.ts';
import { bgpConfig, lbPrefix, node, nodeName, nodeRouterId, service, slice } from './support/e2e-cluster.ts';
import { after, fmt, now, pct, publishAll, until as untilWithin } from './support/latency.ts';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' },
    services: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '30' },
    samples: { type: 'string', default: '100' },
    burst: { type: 'string', default: '1000' },
  },
});
const N = Number(args.nodes);
const S = Number(args.services);
const WARMUP = Number(args.warmup);
const SAMPLES = Number(args.samples);
const BURST = Math.min(Number(args.burst), Math.floor(S / 2) - WARMUP - SAMPLES);
const BUDGET_MS = 270_000;
const t0run = performance.now();
const left = () => BUDGET_MS - (performance.now() - t0run);
/** Polls until `probe` holds, within `timeoutMs` and the run's budget. */
const until = (probe: () => boolean | Promise<boolean>, timeoutMs: number) => untilWithin(probe, Math.min(timeoutMs, left()));
const say = (line = '') => process.stdout.write(`${line}\n`);
const repoRoot = resolve(import.meta.dirname, '../..');
const log = createLogger('bench', 'warn');

async function main(): Promise<void> {
  say(`== end-to-end latency: ${fmt(N)} nodes × ${fmt(S)} Services (${fmt(S / 2)} eTP=Cluster), one speaker process, one receiving peer`);
  const stack = await startStack({ log: () => undefined });
  const block = `127.${64 + Math.floor(Math.random() * 64)}.${Math.floor(Math.random() * 256)}`;
  let sink: Sink | null = null;
  let speaker: ReturnType<typeof spawn> | null = null;
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'bench-e2e' }, createLogger('kafka', 'error'));
  const topic = `bench.e2e.${randomUUID()}`;
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const redis = createStoreRedis({ url: stack.redisUrl, role: 'service' });
  const publisher = new KafkaEventPublisher(kafka, topic);
  let functions: Awaited<ReturnType<typeof runFunctionsConsumer>> | null = null;
  const listener = await startListener(stack.redisUrl, prefix);
  try {
    await ensureTopic(kafka, topic, 6);
    sink = await startSink(`${block}.250`);
    // With the functions' telemetry observing every batch, as `bgpcast functions` runs them.
    const observer = new FunctionsTelemetry({ registry: createRegistry({ component: 'functions' }), redis, keys: storeKeys(prefix), consuming: () => ({ ok: true }) });
    const handler = createFunctionsHandler({ redis, keys: storeKeys(prefix), log, observer });
    functions = await runFunctionsConsumer({ kafka, topic, groupId: `g-${prefix}`, handler, log, sweepEveryMs: 0 });
    speaker = spawn(
      process.execPath,
      [...(process.env['BENCH_SPEAKER_NODE_ARGS']?.split(' ').filter(Boolean) ?? []), resolve(repoRoot, 'bin/bgpcast.ts'), 'speaker', '--routes-report', '0', '--telemetry', '127.0.0.1:0', ...Array.from({ length: N }, (_, j) => ['--node', nodeName(j)]).flat()],
      { env: { ...process.env, BGPCAST_REDIS_URL: stack.redisUrl, BGPCAST_REDIS_PREFIX: prefix, BGPCAST_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'inherit', 'inherit'] },
    );

    // The cluster, then the BGP configuration: every node's first table.
    await publishAll(publisher, [...Array.from({ length: N }, (_, j) => node(block, j)), ...Array.from({ length: S }, (_, i) => service(i)), ...Array.from({ length: S }, (_, i) => slice(i, N))]);
    const config = bgpConfig(sink);
    await publishAll(publisher, config.slice(0, 2));
    const s = sink;
    const tLoad = now();
    await publishAll(publisher, config.slice(2));
    const perNode = Array.from({ length: N }, (_, j) => 1 + S / 2 + Array.from({ length: S / 2 }, (_, k) => 2 * k + 1).filter((i) => (i * 7) % N === j || (i * 13 + 1) % N === j).length);
    const expected = (j: number) => perNode[j]!;
    const ids = Array.from({ length: N }, (_, j) => nodeRouterId(block, j));
    let loaded = false;
    await until(async () => {
      const c = await s.counts();
      loaded = ids.every((id, j) => c[id] === expected(j));
      return loaded;
    }, 120_000);
    const loadMs = now() - tLoad;
    const routes = ids.reduce((n, _, j) => n + expected(j), 0);
    say(`initial load: ${loaded ? '' : 'NOT COMPLETE, '}${fmt(routes)} routes (${fmt(expected(0))} per node) at the peer ${fmt(loadMs)} ms after the ClusterConfig was produced`);
    if (!loaded) return;

    // Single changes, one at a time: Services 2k for k in [first, first + count).
    const nodeOfId = new Map(ids.map((id, j) => [id, nodeName(j)]));
    const singleChanges = async (first: number, count: number) => {
      const r = { wire: [] as number[], wireLast: [] as number[], desired: [] as number[], desiredLast: [] as number[], share: [] as number[] };
      for (let k = first; k < first + count && left() > 60_000; k++) {
        const i = 2 * k;
        const p = lbPrefix('172.30', i);
        s.watch([p], N);
        const t = now();
        await publisher.publish([objectEnvelope('modified', service(i, '172.30') as KubeObject, 'bench') as EventEnvelope]);
        let notified: Notice[] = [];
        // The notifications precede the UPDATEs they cause: the listener is asked once these are in.
        const ok =
          (await until(() => after(s.seen, t).filter((x) => x.prefix === p).length >= N, 30_000)) &&
          (await until(async () => (notified = await listener.since(t)).length >= N, 5_000));
        if (!ok) {
          say(`  change ${k}: not everywhere within 30 s; stopping the series`);
          break;
        }
        const arrivals = after(s.seen, t).filter((x) => x.prefix === p);
        const at = arrivals.map((x) => x.t - t);
        const dn = notified.map((x) => x.t - t);
        const firstNotice = new Map<string, number>();
        for (const x of notified) if (!firstNotice.has(x.node)) firstNotice.set(x.node, x.t);
        for (const a of arrivals) {
          const n = firstNotice.get(nodeOfId.get(a.id) ?? '');
          if (n !== undefined) r.share.push(a.t - n);
        }
        r.wire.push(...at);
        r.wireLast.push(Math.max(...at));
        r.desired.push(...dn.slice(0, N));
        r.desiredLast.push(dn[N - 1]!);
      }
      return r;
    };
    if (WARMUP > 0) {
      const w = await singleChanges(0, WARMUP);
      say(`warm-up, the first ${w.wireLast.length} single changes after the load (not counted below): produce → UPDATE, each node: ${pct(w.wire)}`);
    }
    const cpu = cpuMeter({ speaker: speaker.pid, sink: s.pid, listener: listener.pid, redis: stack.pids.redis, kafka: stack.pids.kafka });
    const tSeries = now();
    const m = await singleChanges(WARMUP, SAMPLES);
    const used = cpu.since();
    const seriesMs = now() - tSeries;
    say(`single Service change (every node re-advertises), ${m.wireLast.length} changes:`);
    say(`  produce → UPDATE at the peer, each node:       ${pct(m.wire)}`);
    say(`  produce → UPDATE at the peer, last node:       ${pct(m.wireLast)}`);
    say(`  baseline: produce → desired written, each node: ${pct(m.desired)}`);
    say(`  baseline: produce → desired written, last node: ${pct(m.desiredLast)}`);
    say(`  speaker's share, notification → UPDATE, each node: ${pct(m.share)}  (${fmt(N)} nodes queue in one process)`);
    const perChange = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${fmt(ms / Math.max(1, m.wireLast.length), 1)} ms`);
    const total = Object.values(used).reduce<number>((a, b) => a + (b ?? 0), 0);
    say(
      `  CPU per change (10 ms ticks over the series, includes the bench's polling): functions+bench ${perChange(used['self'])}, speaker ${perChange(used['speaker'])}, ` +
        `sink ${perChange(used['sink'])}, listener ${perChange(used['listener'])}, redis ${perChange(used['redis'])}, kafka ${perChange(used['kafka'])}; ` +
        `total ${perChange(total)} in ${perChange(seriesMs)} of wall time`,
    );

    // A burst of changes produced at once.
    if (BURST > 0 && left() > 45_000) {
      const changed = Array.from({ length: BURST }, (_, k) => 2 * (WARMUP + SAMPLES + k));
      const prefixes = new Set(changed.map((i) => lbPrefix('172.31', i)));
      s.watch([...prefixes], N);
      const seenBefore = s.seen.length;
      const t = now();
      await publishAll(publisher, changed.map((i) => service(i, '172.31')));
      const produced = now() - t;
      const want = BURST * N;
      const burstSeen = () => s.seen.slice(seenBefore).filter((x) => prefixes.has(x.prefix));
      const ok = await until(() => burstSeen().length >= want, Math.max(10_000, left() - 15_000));
      const got = burstSeen().map((x) => x.t - t);
      const dn = (await listener.since(t)).map((x) => x.t - t);
      say(`burst of ${fmt(BURST)} Service changes (produced in ${fmt(produced)} ms):`);
      say(`  produce → UPDATE at the peer, each (change, node): ${pct(got)}${ok ? '' : `  INCOMPLETE: ${fmt(got.length)} of ${fmt(want)}`}`);
      say(`  all ${fmt(want)} (change, node) UPDATEs at the peer after ${fmt(Math.max(...got))} ms`);
      say(`  baseline: ${fmt(dn.length)} desired writes (batches coalesce), last one after ${fmt(Math.max(0, ...dn))} ms`);
    }
    say(`memory: this process (Kafka client, functions) ${fmt(process.memoryUsage().rss / 1048576)} MB RSS`);
  } finally {
    speaker?.kill('SIGTERM');
    await new Promise((r) => (speaker && speaker.exitCode === null ? speaker.once('exit', r) : r(null)));
    await functions?.stop().catch(() => undefined);
    await publisher.close().catch(() => undefined);
    await listener.stop();
    await redis.quit().catch(() => redis.disconnect());
    await sink?.stop();
    await stack.stop();
    say(`(run took ${fmt((performance.now() - t0run) / 1000, 1)} s)`);
  }
}

await main();
