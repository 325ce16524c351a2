// The status writer under exactly the RBAC the repo ships for it
// (infra/kubernetes/bgpcast/rbac/status-writer.yaml): a ServiceAccount token, leader election in
// its namespace, NodeConfigs created, their status and the conditions written, one deleted; no
// request refused. And what that RBAC does not grant.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { KubeApi } from '../../events/kube/api.ts';
import { startStatusWriterService } from '../../functions/status-writer/service.ts';
import { applyObjects, readManifests } from '../../infra/local/kube-crds.ts';
import { captureLog, redisPool } from '../integration/functions-support.ts';
import { adminConfig } from '../support/kube.ts';
import { adminApi, unique, until } from './watch-support.ts';
import { cilium, conditionOf, countingMetrics, createObject, freshWorld, getObject, worldNode } from './status-writer-support.ts';

const RBAC_DIR = join(import.meta.dirname, '../../infra/kubernetes/bgpcast/rbac');
const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());
const admin = adminApi();

async function serviceAccountApi(): Promise<KubeApi> {
  const kc = adminConfig();
  await applyObjects(kc, readManifests(RBAC_DIR).filter((o) => o.metadata?.name?.startsWith('bgpcast-status-writer')));
  const minted = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: 'bgpcast-status-writer',
    namespace: 'kube-system',
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const sa = new KubeConfig();
  sa.loadFromOptions({ clusters: [cluster], users: [{ name: 'sa', token: minted.status!.token! }], contexts: [{ name: 'sa', cluster: cluster.name, user: 'sa' }], currentContext: 'sa' });
  return new KubeApi(sa);
}

describe('the status writer under its RBAC', () => {
  it('does its whole job with a ServiceAccount token bound to infra/kubernetes/bgpcast/rbac/status-writer.yaml, and is refused the rest', async () => {
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
    await world.fold(cc, pc, worldNode(n1, { bgp: label }, '10.5.0.1'), worldNode(n2, { bgp: label }, '10.5.0.2'));

    const metrics = countingMetrics();
    const service = await startStatusWriterService({
      api,
      redis,
      redisUrl: inject('redisUrl'),
      prefix: world.prefix,
      log: captureLog('warn').log,
      metrics,
      leaderElection: { namespace: 'kube-system', name: unique('status-writer'), config: { identity: 'rbac', leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 } },
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
      await world.fold(worldNode(n2, { bgp: 'elsewhere' }, '10.5.0.2'));
      await until('the unselected node\'s NodeConfig to go', async () => (await getObject(admin, 'ciliumbgpnodeconfigs', n2)) === null || undefined);
      expect(metrics.total((k) => !k.endsWith(' ok'))).toBe(0);
    } finally {
      await service.stop();
    }
  });
});
