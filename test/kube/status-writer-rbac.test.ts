// The status writer under exactly the RBAC the Helm chart ships for it (infra/kubernetes/bgpcast/,
// rendered by helm template and applied as rendered): a ServiceAccount token, leader election in
// its namespace, NodeConfigs created, their status and the conditions written, one deleted, a
// Service's LoadBalancer IP and a pool's status written (LB IPAM); no request refused. And what
// that RBAC does not grant.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { KubeApi } from '../../events/kube/api.ts';
import { startStatusWriterService } from '../../functions/status-writer/service.ts';
import { captureLog, redisPool } from '../integration/functions-support.ts';
import { kubectlApply, renderChart, serviceAccountKubeconfig, sets } from './chart-support.ts';
import { adminApi, create, namespace, paths, unique, until } from './watch-support.ts';
import { cilium, conditionOf, countingMetrics, createObject, freshWorld, getObject, worldNode } from './status-writer-support.ts';

// Release `bgpcast` in kube-system: the ServiceAccount bgpcast-status-writer, its Lease of that name.
const NAME = 'bgpcast-status-writer';
const NAMESPACE = 'kube-system';
const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());
const admin = adminApi();

async function serviceAccountApi(): Promise<KubeApi> {
  const rendered = renderChart('bgpcast', NAMESPACE, sets({ 'kafka.brokers': 'k:9092' }));
  const mine = rendered.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind) && o.metadata.name.startsWith(NAME));
  const applied = kubectlApply(mine, false);
  if (applied.status !== 0) throw new Error(applied.stderr);
  return new KubeApi((await serviceAccountKubeconfig(NAMESPACE, NAME)).config);
}

describe('the status writer under its RBAC', () => {
  it("does its whole job with a ServiceAccount token bound to the chart's rules, and is refused the rest", async () => {
    const api = await serviceAccountApi();
    // The RBAC authorizer reads roles through an informer: wait for the grant.
    await until('the grant', () => api.get(cilium('ciliumbgpnodeconfigs')).then(() => true, () => false));
    const refused = (p: Promise<unknown>) => p.then(() => 0, (e: { code?: number }) => e.code ?? -1);
    expect(await refused(api.get('/api/v1/nodes'))).toBe(403);
    expect(await refused(api.get('/api/v1/namespaces/kube-system/secrets'))).toBe(403);
    expect(await refused(api.get(cilium('ciliumbgpadvertisements')))).toBe(403);

    const redis = pool.client();
    const world = freshWorld(redis);
    const label = unique('sel');
    const cc = await createObject(admin, 'ciliumbgpclusterconfigs', {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPClusterConfig',
      metadata: { name: unique('cc') },
      spec: { nodeSelector: { matchLabels: { bgp: label } }, bgpInstances: [{ name: 'i1', localASN: 64512, peers: [{ name: 'p', peerAddress: '10.9.0.1', peerASN: 65000, peerConfigRef: { name: `${label}-pc` } }] }] },
    });
    const pc = await createObject(admin, 'ciliumbgppeerconfigs', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: `${label}-pc` }, spec: {} });
    const [n1, n2] = [unique('n'), unique('n')];
    const ns = await namespace(admin, unique('rbac'));
    const lbPool = await create(admin, paths.cilium('ciliumloadbalancerippools'), { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: unique('pool') }, spec: { blocks: [{ cidr: '198.19.0.0/30' }] } });
    const lb = await create(admin, paths.services(ns), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    await world.fold(cc, pc, worldNode(n1, { bgp: label }, '10.5.0.1'), worldNode(n2, { bgp: label }, '10.5.0.2'), lbPool, lb);

    const metrics = countingMetrics();
    const service = await startStatusWriterService({
      api,
      redis,
      redisUrl: inject('redisUrl'),
      prefix: world.prefix,
      log: captureLog('warn').log,
      metrics,
      leaderElection: { namespace: NAMESPACE, name: NAME, config: { identity: 'rbac', leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 } },
    });
    try {
      await until('both NodeConfigs with status, and the conditions', async () => {
        const [a, b, c, p] = await Promise.all([
          getObject(admin, 'ciliumbgpnodeconfigs', n1),
          getObject(admin, 'ciliumbgpnodeconfigs', n2),
          getObject(admin, 'ciliumbgpclusterconfigs', cc.metadata.name),
          getObject(admin, 'ciliumbgppeerconfigs', pc.metadata.name),
        ]);
        return conditionOf(a, 'cilium.io/BGPReconcileError') && conditionOf(b, 'cilium.io/BGPReconcileError') && c?.status?.conditions?.length === 3 && conditionOf(p, 'cilium.io/MissingAuthSecret') ? true : undefined;
      });
      await until('the Service\'s LoadBalancer IP and the pool\'s counts', async () => {
        const [s, lp] = await Promise.all([admin.get<{ status?: { loadBalancer?: { ingress?: { ip: string }[] } } }>(`${paths.services(ns)}/lb`), admin.get<{ status?: { conditions?: { type: string; message: string }[] } }>(`${paths.cilium('ciliumloadbalancerippools')}/${lbPool.metadata.name}`)]);
        return s.status?.loadBalancer?.ingress?.[0]?.ip === '198.19.0.0' && lp.status?.conditions?.find((x) => x.type === 'cilium.io/IPsUsed')?.message === '1' ? true : undefined;
      });
      await world.fold(worldNode(n2, { bgp: 'elsewhere' }, '10.5.0.2'));
      await until('the unselected node\'s NodeConfig to go', async () => (await getObject(admin, 'ciliumbgpnodeconfigs', n2)) === null || undefined);
      expect(metrics.total((k) => !k.endsWith(' ok'))).toBe(0);
    } finally {
      await service.stop();
    }
  });
});
