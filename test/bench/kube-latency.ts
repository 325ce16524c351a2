// Kubernetes API → UPDATE benchmark, and the status writer at rest: prints figures, asserts nothing.
//   node test/bench/kube-latency.ts [--nodes 100] [--services 10000] [--warmup 20] [--samples 100] [--quiet 60]
//
// e2e-latency.ts's pipeline with a real kube-apiserver (watch cache on) in front: N Nodes and S
// Services (even ones LoadBalancer with externalTrafficPolicy Cluster, their IPs written through the
// status subresource as a load-balancer controller would; odd ones ClusterIP) and the BGP objects
// created through the API server; `bgpcast watch`, `bgpcast speaker` (for every node) and
// `bgpcast status-writer` as processes, the functions in this one, the receiving peer and the
// desired-state listener in processes of their own (support/). Figures:
//   API write → UPDATE  a Service's LoadBalancer IP patched through the status subresource, one at
//                       a time: from just before the request to the UPDATE at the peer, each node and
//                       the last one, p50 / p99; and to the desired state written; and to the event
//                       on a plain watch of Services in this process (the API server's own share:
//                       its write, and its watch delivering it);
//   baseline            interleaved with those, the same change to another Service produced to Kafka
//                       directly (what the watcher would publish): produce → UPDATE, produce →
//                       desired written. The difference of the p50s is the watcher's share (the API
//                       server's write and watch, then bgpcast watch's projection and produce); less
//                       the API server's own share, what `bgpcast watch` adds;
//   status writer       its API writes per minute while the changes ran, and for `--quiet` seconds
//                       with nothing changing (target 0), with the rounds it ran meanwhile.
// Bounded: every wait has a deadline, the whole run a budget.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpMethod } from '@kubernetes/client-node';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { KubeApi, loadKubeConfig } from '../../events/kube/api.ts';
import { createLogger } from '../../events/log.ts';
import { storeKeys } from '../../events/redis-keys.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import { startKube } from '../../infra/local/kube.ts';
import { installCrds } from '../../infra/local/kube-crds.ts';
import { freePort } from '../../infra/local/procs.ts';
import { startStack } from '../../infra/local/stack.ts';
import { startSink, type Sink } from './support/bgp-sink.ts';
import { ip } from './support/bench-cluster.ts';
import { startListener } from './support/desired-listener.ts';
import { bgpConfig, lbPrefix, node, nodeName, nodeRouterId, service } from './support/e2e-cluster.ts';
import { pooled } from './support/kube-objects.ts';
import { after, fmt, median, now, pct, publishAll, until as untilWithin } from './support/latency.ts';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' },
    services: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '20' },
    samples: { type: 'string', default: '100' },
    quiet: { type: 'string', default: '60' },
  },
});
const N = Number(args.nodes);
const S = Number(args.services);
const WARMUP = Number(args.warmup);
const SAMPLES = Number(args.samples);
const QUIET_S = Number(args.quiet);
const NAMESPACES = 20;
const BUDGET_MS = 900_000;
const t0run = performance.now();
const left = () => BUDGET_MS - (performance.now() - t0run);
const until = (probe: () => boolean | Promise<boolean>, timeoutMs: number) => untilWithin(probe, Math.min(timeoutMs, left()));
const say = (line = '') => process.stdout.write(`${line}\n`);
const repoRoot = resolve(import.meta.dirname, '../..');
const log = createLogger('bench', 'warn');

/** bench-cluster's Service as the API server takes it: LoadBalancer without node ports (even), or ClusterIP (odd). */
function apiService(i: number): Record<string, unknown> {
  const { metadata } = service(i) as { metadata: Record<string, unknown> };
  const spec = i % 2 === 0 ? { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, externalTrafficPolicy: 'Cluster', ports: [{ port: 80 }] } : { type: 'ClusterIP', ports: [{ port: 80 }] };
  return { apiVersion: 'v1', kind: 'Service', metadata, spec };
}

const servicePath = (i: number) => `/api/v1/namespaces/ns-${i % NAMESPACES}/services/svc-${i}`;
const lbStatus = (i: number, base: string) => ({ status: { loadBalancer: { ingress: [{ ip: ip(base, i) }] } } });

function bgpcast(command: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), ...command], { env: { ...process.env, ...env, BGPCAST_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'inherit', 'inherit'] });
}

async function statusWrites(port: number): Promise<{ writes: number; rounds: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
  return { writes: sum('bgpcast_status_writer_api_writes_total'), rounds: sum('bgpcast_status_writer_rounds_total') };
}

async function main(): Promise<void> {
  say(`== Kubernetes API → UPDATE: ${fmt(N)} nodes × ${fmt(S)} Services (${fmt(S / 2)} LoadBalancer, eTP=Cluster), through a real kube-apiserver`);
  const stack = await startStack({ log: () => undefined });
  const kube = await startKube({ log: () => undefined });
  const children: ChildProcess[] = [];
  const block = `127.${64 + Math.floor(Math.random() * 64)}.${Math.floor(Math.random() * 256)}`;
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'bench-kube' }, createLogger('kafka', 'error'));
  const topic = `bench.kube.${randomUUID()}`;
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const env = { BGPCAST_KAFKA_BROKERS: stack.kafkaBrokers, BGPCAST_REDIS_URL: stack.redisUrl, BGPCAST_REDIS_PREFIX: prefix, BGPCAST_EVENTS_TOPIC: topic };
  const redis = createStoreRedis({ url: stack.redisUrl, role: 'service' });
  const publisher = new KafkaEventPublisher(kafka, topic);
  const listener = await startListener(stack.redisUrl, prefix);
  let sink: Sink | null = null;
  let functions: Awaited<ReturnType<typeof runFunctionsConsumer>> | null = null;
  try {
    await installCrds(loadKubeConfig({ kubeconfig: kube.kubeconfigPath }));
    const api = KubeApi.fromTarget({ kubeconfig: kube.kubeconfigPath });
    await ensureTopic(kafka, topic, 6);
    sink = await startSink(`${block}.250`);

    // The cluster, through the API server.
    const t0 = performance.now();
    for (let n = 0; n < NAMESPACES; n++) await api.request(HttpMethod.POST, '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } } });
    await pooled(Array.from({ length: N }, (_, j) => j), 32, async (j) => {
      const { status, ...n } = node(block, j) as { status: unknown };
      await api.request(HttpMethod.POST, '/api/v1/nodes', { body: n });
      await api.request(HttpMethod.PATCH, `/api/v1/nodes/${nodeName(j)}/status`, { body: { status }, contentType: 'application/merge-patch+json' });
    });
    await pooled(Array.from({ length: S }, (_, i) => i), 32, async (i) => {
      await api.request(HttpMethod.POST, `/api/v1/namespaces/ns-${i % NAMESPACES}/services`, { body: apiService(i), timeoutMs: 120_000 });
      if (i % 2 === 0) await api.request(HttpMethod.PATCH, `${servicePath(i)}/status`, { body: lbStatus(i, '172.20'), contentType: 'application/merge-patch+json' });
    });
    say(`setup: ${fmt(N)} Nodes and ${fmt(S)} Services (${fmt(S / 2)} LoadBalancer IPs through the status subresource) in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    const handler = createFunctionsHandler({ redis, keys: storeKeys(prefix), log });
    functions = await runFunctionsConsumer({ kafka, topic, groupId: `g-${prefix}`, handler, log, sweepEveryMs: 0 });
    const watchPort = await freePort();
    const writerPort = await freePort();
    children.push(
      bgpcast(['watch', '--kubeconfig', kube.kubeconfigPath, '--source', 'kube:bench', '--telemetry', `127.0.0.1:${watchPort}`], env),
      bgpcast(['speaker', '--routes-report', '0', ...Array.from({ length: N }, (_, j) => ['--node', nodeName(j)]).flat()], env),
      bgpcast(['status-writer', '--kubeconfig', kube.kubeconfigPath, '--telemetry', `127.0.0.1:${writerPort}`], env),
    );
    const s = sink;
    const tLoad = now();
    for (const o of bgpConfig(s)) await api.request(HttpMethod.POST, `/apis/cilium.io/v2/${String(o['kind']).toLowerCase()}s`, { body: o });
    const ids = Array.from({ length: N }, (_, j) => nodeRouterId(block, j));
    const perNode = 1 + S / 2;
    const loaded = await until(async () => {
      const c = await s.counts();
      return ids.every((id) => c[id] === perNode);
    }, 300_000);
    say(`initial load: ${loaded ? '' : 'NOT COMPLETE, '}${fmt(perNode * N)} routes (${fmt(perNode)} per node) at the peer ${fmt((now() - tLoad) / 1000, 1)} s after the BGP objects were created`);
    if (!loaded) return;
    const settled = await until(async () => (await statusWrites(writerPort).catch(() => ({ writes: 0 }))).writes >= 2 * N, 60_000);
    const atLoad = await statusWrites(writerPort);
    say(`status writer after the load: ${fmt(atLoad.writes)} API writes (${fmt(N)} NodeConfigs, their statuses, the conditions)${settled ? '' : ' — fewer than 2 per node'}`);

    // Changes one at a time, alternating: through the API server, and produced to Kafka directly.
    const half = S / 2;
    const r = { api: [] as number[], apiLast: [] as number[], apiDesired: [] as number[], kafka: [] as number[], kafkaLast: [] as number[], kafkaDesired: [] as number[], request: [] as number[], watched: [] as number[] };
    // A plain watch of Services: when the API server delivers each change to any watcher.
    const watchedAt = new Map<string, number>();
    const plainWatch = new AbortController();
    const { metadata } = await api.get<{ metadata: { resourceVersion: string } }>('/api/v1/services', { query: { limit: 1 } });
    void api
      .watch('/api/v1/services', { resourceVersion: metadata.resourceVersion }, (e) => {
        if (e.type === 'MODIFIED') watchedAt.set(String((e.object['metadata'] as { name: string }).name), now());
      }, plainWatch.signal, 3_600_000)
      .catch(() => undefined);
    const change = async (viaApi: boolean, i: number, keep: boolean): Promise<boolean> => {
      const base = viaApi ? '172.31' : '172.30';
      const p = lbPrefix(base, i);
      s.watch([p], N);
      const t = now();
      if (viaApi) {
        await api.request(HttpMethod.PATCH, `${servicePath(i)}/status`, { body: lbStatus(i, base), contentType: 'application/merge-patch+json' });
        if (keep) r.request.push(now() - t);
      } else {
        await publishAll(publisher, [{ ...service(i, base), metadata: { ...(service(i, base)['metadata'] as object) }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster' } }]);
      }
      const ok = await until(() => after(s.seen, t).filter((x) => x.prefix === p).length >= N, 30_000);
      if (!ok) return false;
      const at = after(s.seen, t).filter((x) => x.prefix === p).map((x) => x.t - t);
      const notices = (await listener.since(t)).map((x) => x.t - t);
      if (keep) {
        if (viaApi && (watchedAt.get(`svc-${i}`) ?? 0) >= t) r.watched.push(watchedAt.get(`svc-${i}`)! - t);
        (viaApi ? r.api : r.kafka).push(...at);
        (viaApi ? r.apiLast : r.kafkaLast).push(Math.max(...at));
        (viaApi ? r.apiDesired : r.kafkaDesired).push(...notices.slice(0, N));
      }
      return true;
    };
    const tSeries = now();
    const before = await statusWrites(writerPort);
    let done = 0;
    for (let k = 0; k < WARMUP + SAMPLES && left() > QUIET_S * 1000 + 60_000; k++) {
      const keep = k >= WARMUP;
      // Services 0, 2, 4, … through the API; half/2·2 onwards produced directly: never the same one.
      if (!(await change(true, 2 * k, keep)) || !(await change(false, 2 * (Math.floor(half / 2) + k), keep))) {
        say(`  change ${k}: not at the peer from every node within 30 s; stopping the series`);
        break;
      }
      done = k + 1;
    }
    plainWatch.abort();
    const seriesMin = (now() - tSeries) / 60_000;
    const during = await statusWrites(writerPort);
    say(`single Service changes after ${WARMUP} warm-up pairs, ${fmt(Math.max(0, done - WARMUP))} through the API server and as many produced to Kafka, alternating:`);
    say(`  API write → UPDATE at the peer, each node:         ${pct(r.api)}`);
    say(`  API write → UPDATE at the peer, last node:         ${pct(r.apiLast)}`);
    say(`  baseline: produce → UPDATE at the peer, each node: ${pct(r.kafka)}`);
    say(`  baseline: produce → UPDATE at the peer, last node: ${pct(r.kafkaLast)}`);
    say(`  API write → desired written, each node:            ${pct(r.apiDesired)}`);
    say(`  baseline: produce → desired written, each node:    ${pct(r.kafkaDesired)}`);
    say(`  the API server's answer to the status PATCH:       ${pct(r.request)}`);
    say(`  API write → the event on a plain watch:            ${pct(r.watched)}  (the API server's share)`);
    const share = median(r.api) - median(r.kafka);
    const shareDesired = median(r.apiDesired) - median(r.kafkaDesired);
    say(
      `  the watcher's share at p50 (API → UPDATE minus produce → UPDATE): ${fmt(share, 1)} ms; to the desired state: ${fmt(shareDesired, 1)} ms (target ≤ 5 ms); ` +
        `of it the API server's write and watch ${fmt(median(r.watched), 1)} ms, bgpcast watch's own ${fmt(shareDesired - median(r.watched), 1)} ms`,
    );
    say(`status writer while the changes ran: ${fmt((during.writes - before.writes) / Math.max(seriesMin, 1e-9), 1)} API writes per minute (${fmt(during.writes - before.writes)} in ${fmt(seriesMin * 60, 0)} s; NodeConfig statuses at most every 5 s per node)`);

    // Nothing changes: after the last node's status is out (5 s cadence), count for --quiet seconds.
    await until(async () => {
      const a = (await statusWrites(writerPort)).writes;
      await new Promise((res) => setTimeout(res, 7_000));
      return (await statusWrites(writerPort)).writes === a;
    }, 120_000);
    const q0 = await statusWrites(writerPort);
    await new Promise((res) => setTimeout(res, QUIET_S * 1000));
    const q1 = await statusWrites(writerPort);
    say(
      `status writer with nothing changing, ${QUIET_S} s: ${fmt(q1.writes - q0.writes)} API writes (target 0), ` +
        `${fmt(((q1.writes - q0.writes) * 60) / QUIET_S, 1)} per minute, over ${fmt(q1.rounds - q0.rounds)} rounds (resyncs every 30 s, reports read every 5 s)`,
    );
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await functions?.stop().catch(() => undefined);
    await publisher.close().catch(() => undefined);
    await listener.stop();
    await redis.quit().catch(() => redis.disconnect());
    await sink?.stop();
    await kube.stop();
    await stack.stop();
    say(`(run took ${fmt((performance.now() - t0run) / 1000, 1)} s)`);
  }
}

await main();
