// The chart's containers are real commands: each long-lived container the chart renders (watcher,
// status writer, functions under KEDA and under Knative, speaker) run as a process with the
// arguments and environment the chart gives it — only addresses changed to this machine's
// loopback, Kafka, Redis and API server — answers the probes the chart declares, and exits 0 on
// SIGTERM, as a kubelet stopping the pod sends it.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../infra/local/procs.ts';
import { freshTopic, testKafka } from '../integration/functions-support.ts';
import { repoRoot } from '../support/cli.ts';
import { ensureNamespace, renderChart, sets, type Manifest } from './chart-support.ts';
import { until } from './watch-support.ts';

const NS = 'chart-run';
const kafka = testKafka(inject('kafkaBrokers'));

interface Probe {
  httpGet: { path: string; port?: string | number };
}
interface Container {
  name?: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe: Probe;
  livenessProbe?: Probe;
}
const containerOf = (o: Manifest): Container => (o as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0]!;

function rendered(extra: Record<string, string | number | boolean>) {
  return renderChart('bgpcast-run', NS, sets({ 'kafka.brokers': 'k:9092', 'speaker.drainSeconds': 1, ...extra }));
}

let topic = '';
beforeAll(async () => {
  ensureNamespace(NS);
  topic = await freshTopic(kafka);
});

/**
 * The container as a process: the chart's args with every listening address moved to 127.0.0.1 and
 * a free port, its env with the test's Kafka, Redis, topic and key prefix, the downward API's
 * values filled as a kubelet would; the API server's kubeconfig where the pod would be in-cluster.
 */
async function run(c: Container, kube: boolean) {
  const ports = new Map<number, number>();
  const portFor = async (p: number) => ports.get(p) ?? (ports.set(p, await freePort()), ports.get(p)!);
  const args: string[] = [];
  for (const a of c.args) {
    const m = /^(--telemetry|--http)=(?:0\.0\.0\.0:)?(\d+)$/.exec(a);
    if (m) args.push(m[1] === '--http' ? `--http=${await portFor(Number(m[2]))}` : `--telemetry=127.0.0.1:${await portFor(Number(m[2]))}`);
    else args.push(a.replace('--host=0.0.0.0', '--host=127.0.0.1'));
  }
  const downward: Record<string, string> = { 'spec.nodeName': `node-${randomUUID().slice(0, 6)}`, 'metadata.namespace': NS };
  const env: Record<string, string> = {};
  for (const e of c.env) env[e.name] = e.value ?? downward[e.valueFrom?.fieldRef?.fieldPath ?? ''] ?? '';
  Object.assign(env, { BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'), BGPCAST_REDIS_URL: inject('redisUrl'), BGPCAST_REDIS_PREFIX: `run-${randomUUID().slice(0, 8)}`, BGPCAST_EVENTS_TOPIC: topic, BGPCAST_LOG_LEVEL: 'warn' });
  // $(NODE_NAME) in args is expanded by the kubelet from the container's env.
  const expanded = args.map((a) => a.replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? ''));
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), ...expanded, ...(kube ? ['--kubeconfig', inject('kubeconfigPath')] : [])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const portOf = (probe: Probe) => {
    const named = c.ports?.find((p) => p.name === probe.httpGet.port)?.containerPort;
    const declared = typeof probe.httpGet.port === 'number' ? probe.httpGet.port : (named ?? c.ports?.[0]?.containerPort);
    return ports.get(declared!)!;
  };
  return { child, exited, url: (probe: Probe) => `http://127.0.0.1:${portOf(probe)}${probe.httpGet.path}` };
}

/** Waits for 200 at `url`; fails at once, with the exit code, when the process ends first (a flag the CLI refuses). */
const answers200 = (url: string, exited: Promise<number | null>) =>
  Promise.race([until(url, () => fetch(url).then((r) => r.status === 200, () => false), 90_000), exited.then((code) => Promise.reject(new Error(`exited with ${code} before ${url} answered`)))]);

describe("the chart's containers, run as the chart runs them", () => {
  const cases: [string, Record<string, string>, string, string, boolean][] = [
    ['watcher', {}, 'Deployment', 'bgpcast-run-watcher', true],
    ['status writer', {}, 'Deployment', 'bgpcast-run-status-writer', true],
    ['functions (KEDA)', {}, 'Deployment', 'bgpcast-run-functions', false],
    ['functions (Knative, --http)', { 'functions.mode': 'knative' }, 'Service', 'bgpcast-run-functions', false],
    ['speaker', {}, 'DaemonSet', 'bgpcast-run-speaker', false],
  ];
  it.each(cases)('%s: answers its readiness and liveness probes, and exits 0 on SIGTERM', async (_what, values, kind, name, kube) => {
    const o = rendered(values).find((x) => x.kind === kind && x.metadata.name === name);
    expect(o, `${kind} ${name}`).toBeDefined();
    const c = containerOf(o!);
    const p = await run(c, kube);
    try {
      await answers200(p.url(c.readinessProbe), p.exited);
      if (c.livenessProbe) await answers200(p.url(c.livenessProbe), p.exited);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
  });
});
