// The watcher's faults against real processes: two `bgpcast watch --leader-elect` replicas and a
// kill -9 of the leader; an API server stopped and started again under a running watcher.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startKube } from '../../infra/local/kube.ts';
import { freePort } from '../../infra/local/procs.ts';
import { KubeApi } from '../../events/kube/api.ts';
import { watchedKinds } from '../../events/kube/watched-kinds.ts';
import { freshKeys, freshTopic, redisPool, testKafka } from '../integration/functions-support.ts';
import { repoRoot } from '../support/cli.ts';
import { adminApi, awaitRecord, create, foldAll, mergePatch, objectRecords, paths, records, remove, startWatcher, synced, unique, until } from './watch-support.ts';

const kafka = testKafka(inject('kafkaBrokers'));
const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());
const api = adminApi();
const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });

interface Replica {
  readonly identity: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

function replica(identity: string, args: string[], env: Record<string, string>): Replica {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), 'watch', '--identity', identity, ...args], {
    env: { ...process.env, ...env, BGPCAST_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { identity, child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

const holder = async (ns: string, name: string): Promise<string | undefined> => {
  const lease = await api.get<{ spec?: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`).catch(() => null);
  return lease?.spec?.holderIdentity ?? undefined;
};

/** One listing's sync markers: every watched kind (all served here) in each of the topic's 6 partitions. */
const LISTING = watchedKinds.length * 6;

describe('the watcher under faults', () => {
  it('leader election: only the leader lists; kill -9 of it and the other takes over within the lease, missing nothing', async () => {
    const topic = await freshTopic(kafka);
    const prefix = `ha-${randomUUID().slice(0, 8)}`;
    const lease = unique('lease');
    const [gone, changed] = [unique('gone'), unique('changed')];
    for (const n of [gone, changed]) await create(api, paths.nodes, node(n));
    // Short durations keep the test short; the defaults (15/10/2 s) are the state machine's tests.
    const args = ['--kubeconfig', inject('kubeconfigPath'), '--source', 'kube:ha', '--leader-elect', '--lease-namespace', 'default', '--lease-name', lease,
      '--lease-duration', '4', '--renew-deadline', '3', '--retry-period', '0.5', '--telemetry', '127.0.0.1:0', '--discovery-interval', '1'];
    const env = { BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'), BGPCAST_REDIS_URL: inject('redisUrl'), BGPCAST_REDIS_PREFIX: prefix, BGPCAST_EVENTS_TOPIC: topic };
    const replicas = [replica('a', args, env), replica('b', args, env)];
    try {
      const first = await until('a leader', () => holder('default', lease), 60_000);
      const leader = replicas.find((r) => r.identity === first)!;
      const standby = replicas.find((r) => r.identity !== first)!;
      const listed = await until('the leader\'s listing', async () => {
        const all = await records(kafka, topic);
        return all.filter((r) => r.envelope.type === 'synced').length >= LISTING ? all : undefined;
      }, 60_000);
      await new Promise((r) => setTimeout(r, 1_500)); // the standby had time to publish, had it wrongly done so
      const before = await records(kafka, topic);
      expect(before.filter((r) => r.envelope.type === 'synced')).toHaveLength(LISTING);
      expect(listed.length).toBeGreaterThan(0);

      const t0 = Date.now();
      leader.child.kill('SIGKILL');
      await leader.exited;
      const created = unique('created');
      await create(api, paths.nodes, node(created));
      await remove(api, `${paths.nodes}/${gone}`);
      await mergePatch(api, `${paths.nodes}/${changed}`, { metadata: { labels: { during: 'gap' } } });

      await until('the standby holding the Lease', async () => (await holder('default', lease)) === standby.identity, 30_000);
      const takeoverMs = Date.now() - t0;
      const all = await awaitRecord(kafka, topic, 'the node created during the gap', (e) => e.type === 'added' && e.name === created);
      const changedSeen = await until('the change made during the gap', async () => {
        const got = await records(kafka, topic);
        return objectRecords(got, `Node/${changed}`).some((e) => e.type === 'modified') ? got : undefined;
      });
      process.stderr.write(`[ha] kill -9 → the standby holds the Lease after ${takeoverMs} ms (lease 4 s, retry 0.5 s)\n`);
      expect(takeoverMs).toBeGreaterThan(0);
      const keys = freshKeys();
      await foldAll(pool.client(), keys, changedSeen.length >= all.length ? changedSeen : all);
      const world = await pool.client().hkeys(keys.objects);
      expect(world).toContain(`Node/${created}`);
      expect(world).toContain(`Node/${changed}`);
      expect(world).not.toContain(`Node/${gone}`);

      standby.child.kill('SIGTERM');
      expect(await standby.exited).toBe(0);
      expect(await holder('default', lease)).toBe(''); // released on a clean stop
    } finally {
      for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }
  });

  it('bgpcast watch serves /readyz once its listing is on the topic, /metrics with its counters, and exits 0 on SIGTERM', async () => {
    const topic = await freshTopic(kafka);
    const port = await freePort();
    const env = { BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'), BGPCAST_REDIS_URL: inject('redisUrl'), BGPCAST_REDIS_PREFIX: `t-${randomUUID().slice(0, 8)}`, BGPCAST_EVENTS_TOPIC: topic };
    const w = replica('solo', ['--kubeconfig', inject('kubeconfigPath'), '--telemetry', `127.0.0.1:${port}`], env);
    try {
      await until('/readyz 200', () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false), 60_000);
      const all = await records(kafka, topic);
      expect(all.filter((r) => r.envelope.type === 'synced')).toHaveLength(LISTING);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const nodes = Number(/^bgpcast_watcher_events_published_total\{[^}]*kind="Node"[^}]*\} (\d+)/m.exec(metrics)?.[1]);
      expect(nodes).toBe(all.filter((r) => r.envelope.type !== 'synced' && r.envelope.kind === 'Node').length);
      expect(metrics).toMatch(/^bgpcast_watcher_events_filtered_total/m);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
    } finally {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    }
  });

  it('an API server stopped and started again: the watcher backs off without a crash or a log storm, and converges', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bgpcast-kube-restart-'));
    let kube = await startKube({ dataDir, log: () => undefined });
    const port = Number(new URL(kube.server).port);
    const topic = await freshTopic(kafka);
    const ctx = { kafka, topic, redis: pool.client(), prefix: `rs-${randomUUID().slice(0, 8)}`, source: 'kube:restart' };
    const w = await startWatcher({ ...ctx, api: KubeApi.fromTarget({ kubeconfig: kube.kubeconfigPath }) });
    try {
      await synced(w);
      const own = KubeApi.fromTarget({ kubeconfig: kube.kubeconfigPath });
      await create(own, paths.nodes, node('before'));
      await awaitRecord(kafka, topic, 'the node before', (e) => e.type === 'added' && e.name === 'before');
      await kube.stop();
      await new Promise((r) => setTimeout(r, 4_000)); // a few back-off rounds against nothing
      const warnings = w.lines().filter((l) => l['msg'] === 'list/watch failed; retrying with back-off');
      // One line per watched kind for the whole outage, not one per attempt.
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings.length).toBeLessThanOrEqual(4);
      kube = await startKube({ dataDir, port, log: () => undefined });
      const again = KubeApi.fromTarget({ kubeconfig: kube.kubeconfigPath });
      await create(again, paths.nodes, node('after'));
      await awaitRecord(kafka, topic, 'the node after the restart', (e) => e.type === 'added' && e.name === 'after');
      await until('synced again', () => w.watcher.status().synced);
      expect(w.lines().some((l) => l['msg'] === 'watching again')).toBe(true);
    } finally {
      await w.stop();
      await kube.stop();
    }
  });
});
