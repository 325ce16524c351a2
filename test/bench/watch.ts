// Watcher benchmark: prints figures, asserts nothing. `node test/bench/watch.ts`
//
// A real etcd + kube-apiserver (watch cache on, as in a cluster) holding 1,000 Nodes, 10,000
// Services and 10,000 EndpointSlices (bench-cluster.ts's shapes), a real Kafka and Redis. Measured:
//   initial    `bgpcast watch` as a process, from spawn to /readyz 200 (every kind listed, every
//              object and marker acknowledged by Kafka); records published; its RSS (peak, VmHWM);
//   restart    the same again with the checkpoint in Redis: time to ready, records published.
// Baselines in the same run: the watcher on the empty cluster (its own start-up time and RSS), the
// raw list of the three kinds through client-node's typed API, and producing the same 21,000
// envelopes to Kafka without the API server.
// Setup creates the objects with 32 requests in flight; its time is printed.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, HttpMethod, KubeConfig } from '@kubernetes/client-node';
import { startStack } from '../../infra/local/stack.ts';
import { startKube } from '../../infra/local/kube.ts';
import { freePort } from '../../infra/local/procs.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createLogger } from '../../events/log.ts';
import { objectEnvelope, type KubeObject } from '../../events/envelope.ts';
import { KubeApi } from '../../events/kube/api.ts';
import { projectObject } from '../../events/kube/projection.ts';
import { node, service, slice } from './support/bench-cluster.ts';
import { pooled } from './support/kube-objects.ts';

const NODES = Number(process.env['BENCH_NODES'] ?? 1_000);
const SERVICES = Number(process.env['BENCH_SERVICES'] ?? 10_000);
const NAMESPACES = 20;
const log = createLogger('bench', 'warn');
const repo = resolve(import.meta.dirname, '../..');

const collection = (o: Record<string, unknown>): string => {
  const ns = (o['metadata'] as { namespace?: string }).namespace;
  if (o['kind'] === 'Node') return '/api/v1/nodes';
  if (o['kind'] === 'Service') return `/api/v1/namespaces/${ns}/services`;
  return `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`;
};

/**
 * bench-cluster's Service as type ClusterIP with an allocated address: 10,000 LoadBalancer Services
 * with externalTrafficPolicy Local would need 5,000 health-check node ports (the range has 2,768).
 * The object is listed and projected the same way whatever its type.
 */
function apiService(i: number): Record<string, unknown> {
  const { status: _s, ...s } = service(i) as { spec: Record<string, unknown>; status: unknown };
  return { ...s, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
}

function peakRssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function runWatcher(kubeconfig: string, env: Record<string, string>): Promise<{ readyMs: number; published: number; rss: number; peak: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [resolve(repo, 'bin/bgpcast.ts'), 'watch', '--kubeconfig', kubeconfig, '--source', 'kube:bench', '--telemetry', `127.0.0.1:${port}`], {
    env: { ...process.env, ...env, BGPCAST_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (child.exitCode !== null) throw new Error(`bgpcast watch exited with ${child.exitCode}`);
      if (performance.now() - t0 > 600_000) throw new Error('not ready after 10 minutes');
      await new Promise((r) => setTimeout(r, 50));
    }
    const readyMs = performance.now() - t0;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const published = [...metrics.matchAll(/^bgpcast_watcher_events_published_total\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
    return { readyMs, published, ...peakRssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const stack = await startStack({ log: () => undefined });
const kube = await startKube({ log: () => undefined });
try {
  const api = KubeApi.fromTarget({ kubeconfig: kube.kubeconfigPath });
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'bench' }, log);
  console.log(`watcher benchmark: ${NODES} Nodes, ${SERVICES} Services, ${SERVICES} EndpointSlices; kube-apiserver ${kube.server} (watch cache on)`);

  // The watcher's own footprint, before there is anything to list.
  const emptyTopic = `bench-empty-${randomUUID().slice(0, 8)}`;
  await ensureTopic(kafka, emptyTopic, 6);
  const empty = await runWatcher(kube.kubeconfigPath, { BGPCAST_KAFKA_BROKERS: stack.kafkaBrokers, BGPCAST_REDIS_URL: stack.redisUrl, BGPCAST_REDIS_PREFIX: `bench-${randomUUID().slice(0, 6)}`, BGPCAST_EVENTS_TOPIC: emptyTopic });
  console.log(`baseline, the watcher on an empty cluster: ready in ${(empty.readyMs / 1000).toFixed(2)} s, peak RSS ${empty.peak.toFixed(0)} MB`);

  const t0 = performance.now();
  for (let n = 0; n < NAMESPACES; n++) await api.request(HttpMethod.POST, '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } } });
  const objects: Record<string, unknown>[] = [
    ...Array.from({ length: NODES }, (_, j) => node(j)),
    ...Array.from({ length: SERVICES }, (_, i) => apiService(i)),
    ...Array.from({ length: SERVICES }, (_, i) => slice(i, NODES)),
  ];
  await pooled(objects, 32, (o) => api.request(HttpMethod.POST, collection(o), { body: o, timeoutMs: 120_000 }));
  const setupMs = performance.now() - t0;
  console.log(`setup: ${objects.length} objects created in ${(setupMs / 1000).toFixed(1)} s (${Math.round(objects.length / (setupMs / 1000))}/s, 32 in flight)`);

  // Baseline 1: the raw list through client-node's typed API (no projection, no Kafka).
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath);
  const l0 = performance.now();
  const [nodes, services, slices] = await Promise.all([
    kc.makeApiClient(CoreV1Api).listNode(),
    kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces(),
    kc.makeApiClient(DiscoveryV1Api).listEndpointSliceForAllNamespaces(),
  ]);
  const listMs = performance.now() - l0;
  console.log(`baseline, raw list through client-node: ${nodes.items.length + services.items.length + slices.items.length} objects in ${Math.round(listMs)} ms`);

  // Baseline 2: the same envelopes produced to Kafka, without the API server.
  const topic0 = `bench-produce-${randomUUID().slice(0, 8)}`;
  await ensureTopic(kafka, topic0, 6);
  const envelopes = objects.map((o) => objectEnvelope('added', projectObject({ ...o, metadata: { ...(o['metadata'] as object), uid: randomUUID(), resourceVersion: '1' } } as unknown as KubeObject)!, 'kube:bench'));
  const publisher = new KafkaEventPublisher(kafka, topic0);
  const p0 = performance.now();
  for (let i = 0; i < envelopes.length; i += 1_000) await publisher.publish(envelopes.slice(i, i + 1_000));
  const produceMs = performance.now() - p0;
  await publisher.close();
  console.log(`baseline, producing the ${envelopes.length} envelopes to Kafka: ${Math.round(produceMs)} ms`);

  const topic = `bench-watch-${randomUUID().slice(0, 8)}`;
  await ensureTopic(kafka, topic, 6);
  const env = { BGPCAST_KAFKA_BROKERS: stack.kafkaBrokers, BGPCAST_REDIS_URL: stack.redisUrl, BGPCAST_REDIS_PREFIX: `bench-${randomUUID().slice(0, 6)}`, BGPCAST_EVENTS_TOPIC: topic };
  const first = await runWatcher(kube.kubeconfigPath, env);
  console.log(
    `initial list → all published: ${(first.readyMs / 1000).toFixed(2)} s from spawn to ready (target ≤ 10 s; ` +
      `${(first.readyMs / Math.max(listMs + produceMs, 1)).toFixed(2)}× the two baselines' sum), ${first.published} object events; ` +
      `RSS ${first.rss.toFixed(0)} MB at ready, peak ${first.peak.toFixed(0)} MB (target ≤ 300 MB)`,
  );
  const again = await runWatcher(kube.kubeconfigPath, env);
  console.log(`restart with the checkpoint: ready in ${(again.readyMs / 1000).toFixed(2)} s, ${again.published} object events published, peak RSS ${again.peak.toFixed(0)} MB`);
} finally {
  await kube.stop();
  await stack.stop();
}
