// The chart's RBAC proven, not assumed: each ServiceAccount as the chart renders it, asked with
// `kubectl auth can-i --as` what it must and must not do; then the real `bgpcast watch` and
// `bgpcast status-writer` processes run against the API server with their ServiceAccount's token
// alone (TokenRequest), with leader election, and do their job.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { HttpMethod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../infra/local/procs.ts';
import { freshTopic, redisPool, testKafka } from '../integration/functions-support.ts';
import { repoRoot } from '../support/cli.ts';
import { kubectl } from '../support/kube.ts';
import { ensureNamespace, kubectlApply, renderChart, serviceAccountKubeconfig, sets } from './chart-support.ts';
import { clusterWithNode, getObject } from './status-writer-support.ts';
import { adminApi, awaitRecord, create, paths, unique, until } from './watch-support.ts';

const NS = 'chart-rbac';
const SECRETS_NS = 'chart-rbac-secrets';
const RELEASE = 'bgpcast-rbac';
const sa = (component: string) => `system:serviceaccount:${NS}:${RELEASE}-${component}`;
const kafka = testKafka(inject('kafkaBrokers'));
const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());
const admin = adminApi();

beforeAll(() => {
  // Only the ServiceAccounts and their roles: what the chart grants, applied as rendered.
  const rbac = renderChart(RELEASE, NS, sets({ 'kafka.brokers': 'k:9092', bgpSecretsNamespace: SECRETS_NS })).filter((o) =>
    ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind),
  );
  for (const ns of [NS, SECRETS_NS, `${NS}-other`]) ensureNamespace(ns);
  const r = kubectlApply(rbac, false);
  if (r.status !== 0) throw new Error(r.stderr);
}, 60_000);

/** `kubectl auth can-i VERB RESOURCE ... --as SA`: true for yes, false for no. */
function canI(component: string, args: readonly string[]): boolean {
  const r = kubectl(['auth', 'can-i', ...args, `--as=${sa(component)}`]);
  if (r.status !== 0 && r.stdout.trim() !== 'no') throw new Error(`can-i ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.status === 0;
}

/**
 * The same question through a SubjectAccessReview, for a kind whose CRD this API server does not
 * serve: kubectl resolves a resource name through discovery and, for an unknown one, asks about the
 * core group instead (`ciliumloadbalancerippools.cilium.io` in group "").
 */
async function reviewed(component: string, attributes: { verb: string; group: string; resource: string; subresource?: string }): Promise<boolean> {
  const review = await admin.request<{ status?: { allowed?: boolean } }>(HttpMethod.POST, '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: sa(component), groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'], resourceAttributes: attributes },
    },
  });
  return review.status?.allowed === true;
}

type Ask = readonly [verb: string, resource: string, ...rest: string[]];
const MUST: Record<string, readonly Ask[]> = {
  watcher: [
    ['list', 'nodes'], ['watch', 'nodes'], ['list', 'services'], ['watch', 'endpointslices.discovery.k8s.io'],
    ['list', 'ciliumbgpclusterconfigs.cilium.io'], ['watch', 'ciliumbgppeerconfigs.cilium.io'], ['list', 'ciliumbgpadvertisements.cilium.io'],
    ['watch', 'ciliumbgpnodeconfigoverrides.cilium.io'], ['list', 'ciliumnodes.cilium.io'], ['list', 'ciliumpodippools.cilium.io'],
    ['list', 'secrets', '-n', SECRETS_NS], ['watch', 'secrets', '-n', SECRETS_NS],
    ['create', 'leases.coordination.k8s.io', '-n', NS], ['update', `leases.coordination.k8s.io/${RELEASE}-watcher`, '-n', NS],
  ],
  'status-writer': [
    ['create', 'ciliumbgpnodeconfigs.cilium.io'], ['delete', 'ciliumbgpnodeconfigs.cilium.io'], ['list', 'ciliumbgpclusterconfigs.cilium.io'],
    ['patch', 'ciliumbgpclusterconfigs.cilium.io', '--subresource=status'], ['patch', 'ciliumbgppeerconfigs.cilium.io', '--subresource=status'],
    ['patch', 'ciliumbgpnodeconfigs.cilium.io', '--subresource=status'],
    // LB IPAM's needs.
    ['watch', 'services', '-A'], ['patch', 'services', '--subresource=status', '-n', 'default'],
    ['create', 'leases.coordination.k8s.io', '-n', NS], ['get', `leases.coordination.k8s.io/${RELEASE}-status-writer`, '-n', NS],
  ],
};
const everyone: readonly Ask[] = [
  ['delete', 'pods', '-n', NS], ['create', 'pods', '-n', NS], ['get', 'secrets', '-n', 'kube-system'], ['list', 'secrets', '-A'],
  ['get', 'configmaps', '-n', NS], ['delete', 'nodes'], ['create', 'clusterroles.rbac.authorization.k8s.io'], ['*', '*'],
];
const MUST_NOT: Record<string, readonly Ask[]> = {
  watcher: [
    ...everyone, ['get', 'secrets', '-n', `${NS}-other`], ['get', 'secrets', '-n', NS], ['create', 'ciliumbgpnodeconfigs.cilium.io'],
    ['patch', 'ciliumbgpclusterconfigs.cilium.io', '--subresource=status'], ['update', 'ciliumbgpclusterconfigs.cilium.io'], ['patch', 'services', '-n', 'default'],
    ['update', `leases.coordination.k8s.io/${RELEASE}-status-writer`, '-n', NS], ['create', 'leases.coordination.k8s.io', '-n', 'kube-system'],
  ],
  'status-writer': [
    ...everyone, ['list', 'nodes'], ['get', 'secrets', '-n', SECRETS_NS], ['update', 'ciliumbgpclusterconfigs.cilium.io'],
    ['delete', 'ciliumbgpclusterconfigs.cilium.io'], ['list', 'ciliumbgpadvertisements.cilium.io'], ['update', 'services', '-n', 'default'],
    ['update', `leases.coordination.k8s.io/${RELEASE}-watcher`, '-n', NS],
  ],
  // No API access at all: no role, no token mounted.
  functions: [...everyone, ['list', 'nodes'], ['get', 'ciliumbgpnodeconfigs.cilium.io'], ['list', 'secrets', '-n', SECRETS_NS], ['create', 'leases.coordination.k8s.io', '-n', NS]],
  speaker: [...everyone, ['list', 'nodes'], ['get', 'ciliumbgpnodeconfigs.cilium.io'], ['list', 'secrets', '-n', SECRETS_NS], ['create', 'leases.coordination.k8s.io', '-n', NS]],
};

describe("the chart's RBAC, asked with kubectl auth can-i --as each ServiceAccount", () => {
  it.each(Object.keys(MUST))('%s may do what it must', async (component) => {
    // The RBAC authorizer reads roles through an informer: wait for the first grant.
    await until('the grants', () => canI(component, MUST[component]![0]!) || undefined);
    const refused = MUST[component]!.filter((ask) => !canI(component, ask));
    expect(refused).toEqual([]);
  });

  it("status-writer may do what LB IPAM needs of CiliumLoadBalancerIPPools (a SubjectAccessReview: the CRD may not be served here)", async () => {
    await until('the grants', () => canI('status-writer', ['list', 'services', '-A']) || undefined);
    const pools = { group: 'cilium.io', resource: 'ciliumloadbalancerippools' };
    for (const verb of ['get', 'list', 'watch']) expect(await reviewed('status-writer', { verb, ...pools }), verb).toBe(true);
    expect(await reviewed('status-writer', { verb: 'patch', ...pools, subresource: 'status' })).toBe(true);
    expect(await reviewed('status-writer', { verb: 'delete', ...pools })).toBe(false);
    expect(await reviewed('status-writer', { verb: 'update', ...pools })).toBe(false);
    // The watcher publishes the pools: the status writer's LB IPAM reads them from the world.
    expect(await reviewed('watcher', { verb: 'list', ...pools })).toBe(true);
    expect(await reviewed('watcher', { verb: 'patch', ...pools, subresource: 'status' })).toBe(false);
  });

  it.each(Object.keys(MUST_NOT))('%s may not do the rest', async (component) => {
    await until('the grants', () => canI('watcher', ['list', 'nodes']) || undefined);
    const allowed = MUST_NOT[component]!.filter((ask) => canI(component, ask));
    expect(allowed).toEqual([]);
  });
});

interface Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

function bgpcast(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), ...args], {
    env: { ...process.env, BGPCAST_REDIS_URL: inject('redisUrl'), BGPCAST_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}
const kill = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null && p.child.kill('SIGKILL');
const ready = (port: number) => until('/readyz 200', () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false), 60_000);
const leaseHolder = (name: string) => admin.get<{ spec?: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${name}`).then((l) => l.spec?.holderIdentity, () => undefined);

describe('the real processes with their ServiceAccount token alone', () => {
  it('bgpcast watch: holds its Lease, lists every kind it reads, publishes a Node and a Secret of the BGP secrets namespace', async () => {
    const { path } = await serviceAccountKubeconfig(NS, `${RELEASE}-watcher`);
    await until('the grants', () => canI('watcher', ['list', 'nodes']) || undefined);
    const topic = await freshTopic(kafka);
    const port = await freePort();
    const lease = `${RELEASE}-watcher`;
    const w = bgpcast(
      ['watch', '--kubeconfig', path, '--leader-elect', '--lease-namespace', NS, '--lease-name', lease, '--identity', 'sa-watcher', '--telemetry', `127.0.0.1:${port}`, '--bgp-secrets-namespace', SECRETS_NS],
      { BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'), BGPCAST_REDIS_PREFIX: `rbac-${randomUUID().slice(0, 8)}`, BGPCAST_EVENTS_TOPIC: topic },
    );
    try {
      // Ready only once every kind it reads is listed and on the topic: a refused list keeps it unready.
      await ready(port);
      expect(await leaseHolder(lease)).toBe('sa-watcher');
      const [nodeName, secretName] = [unique('n'), unique('s')];
      await create(admin, paths.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
      await create(admin, `/api/v1/namespaces/${SECRETS_NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName }, stringData: { password: 'x' } });
      await awaitRecord(kafka, topic, 'the node', (e) => e.type === 'added' && e.kind === 'Node' && e.name === nodeName);
      await awaitRecord(kafka, topic, 'the secret', (e) => e.type === 'added' && e.kind === 'Secret' && e.name === secretName);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
    } finally {
      kill(w);
    }
  });

  it('bgpcast status-writer: holds its Lease, creates a NodeConfig and writes the ClusterConfig conditions', async () => {
    const { path } = await serviceAccountKubeconfig(NS, `${RELEASE}-status-writer`);
    await until('the grants', () => canI('status-writer', ['create', 'ciliumbgpnodeconfigs.cilium.io']) || undefined);
    const { world, node, cc } = await clusterWithNode(admin, pool.client(), '10.4.0.9');
    const port = await freePort();
    const lease = `${RELEASE}-status-writer`;
    const p = bgpcast(['status-writer', '--kubeconfig', path, '--leader-elect', '--lease-namespace', NS, '--lease-name', lease, '--identity', 'sa-writer', '--telemetry', `127.0.0.1:${port}`], {
      BGPCAST_REDIS_PREFIX: world.prefix,
    });
    try {
      await ready(port);
      expect(await leaseHolder(lease)).toBe('sa-writer');
      await until('the NodeConfig', () => getObject(admin, 'ciliumbgpnodeconfigs', node).then((o) => o ?? undefined));
      await until('the ClusterConfig conditions', async () => ((await getObject(admin, 'ciliumbgpclusterconfigs', cc.metadata.name))?.status?.conditions?.length ?? 0) > 0 || undefined);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).not.toMatch(/^bgpcast_status_writer_api_writes_total\{[^}]*outcome="(?!ok)[^"]*"[^}]*\} [1-9]/m);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      kill(p);
    }
  });
});
