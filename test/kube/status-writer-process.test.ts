// `bgpcast status-writer` as a process: /readyz after its first full round, /metrics with its API
// write counters, exit 0 on SIGTERM; two --leader-elect replicas, kill -9 of the leader, and the
// other takes the Lease and writes the next change.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../infra/local/procs.ts';
import { redisPool } from '../integration/functions-support.ts';
import { repoRoot } from '../support/cli.ts';
import { adminApi, unique, until } from './watch-support.ts';
import { clusterWithNode as withNode, getObject, worldNode } from './status-writer-support.ts';

const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());
const api = adminApi();

interface Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

function statusWriter(args: string[], prefix: string): Proc {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), 'status-writer', '--kubeconfig', inject('kubeconfigPath'), ...args], {
    env: { ...process.env, BGPCAST_REDIS_URL: inject('redisUrl'), BGPCAST_REDIS_PREFIX: prefix, BGPCAST_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

const stop = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null && p.child.kill('SIGKILL');

const clusterWithNode = () => withNode(api, pool.client(), '10.4.0.1');

describe('bgpcast status-writer, the process', () => {
  it('serves /readyz after its first round, /metrics with its API writes, and exits 0 on SIGTERM', async () => {
    const { world, node } = await clusterWithNode();
    const port = await freePort();
    const p = statusWriter(['--telemetry', `127.0.0.1:${port}`], world.prefix);
    try {
      await until('/readyz 200', () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false), 60_000);
      await until('the NodeConfig', () => getObject(api, 'ciliumbgpnodeconfigs', node).then((o) => o ?? undefined));
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^bgpcast_status_writer_api_writes_total\{kind="CiliumBGPNodeConfig",op="apply",outcome="ok"[^}]*\} [1-9]/m);
      expect(metrics).toMatch(/^bgpcast_status_writer_rounds_total\{trigger="resync"/m);
      const ready = await (await fetch(`http://127.0.0.1:${port}/readyz`)).text();
      expect(ready).toContain('[+]leader ok');
      expect(ready).toContain('[+]redis ok');
      expect(ready).toContain('[+]kube ok');
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      stop(p);
    }
  });

  it('two --leader-elect replicas: kill -9 of the leader, and the other takes the Lease and writes the next change', async () => {
    const { world, label, node } = await clusterWithNode();
    const lease = unique('lease');
    const args = ['--leader-elect', '--lease-namespace', 'default', '--lease-name', lease, '--lease-duration', '4', '--renew-deadline', '3', '--retry-period', '0.5', '--telemetry', '127.0.0.1:0'];
    const replicas = new Map([['a', statusWriter([...args, '--identity', 'a'], world.prefix)], ['b', statusWriter([...args, '--identity', 'b'], world.prefix)]]);
    try {
      await until('the first NodeConfig', () => getObject(api, 'ciliumbgpnodeconfigs', node).then((o) => o ?? undefined), 60_000);
      const holder = async () => (await api.get<{ spec?: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/default/leases/${lease}`)).spec?.holderIdentity;
      const first = (await holder())!;
      replicas.get(first)!.child.kill('SIGKILL');
      const next = unique('n');
      await world.fold(worldNode(next, { bgp: label }, '10.4.0.2'));
      await until('the other replica\'s NodeConfig', () => getObject(api, 'ciliumbgpnodeconfigs', next).then((o) => o ?? undefined), 30_000);
      expect(await holder()).not.toBe(first);
    } finally {
      for (const p of replicas.values()) stop(p);
    }
  });
});
