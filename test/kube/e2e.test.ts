// End to end from the Kubernetes API to a router: a change written to a real kube-apiserver →
// the watcher → Kafka → the functions → Redis → the speakers → BIRD, and what happened read back
// from the API server in the CiliumBGPNodeConfigs the status writer keeps; and a LoadBalancer IP
// the status writer's LB IPAM hands out, on its way to BIRD. The loopback example
// on a random 127.A.B.0/24 block and BGP port (test/integration/pipeline-support.ts), created
// through an API server of this file's own (the shared one holds other tests' Nodes).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HttpMethod } from '@kubernetes/client-node';
import type { SourcedObject } from '../../events/file-source.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { KubeApi, loadKubeConfig } from '../../events/kube/api.ts';
import { applyObjects } from '../../events/kube/apply.ts';
import { CheckpointStore } from '../../events/kube/checkpoint-store.ts';
import { startWatchService, type WatchService } from '../../events/kube/watch-service.ts';
import { watchCheckpointKey } from '../../events/redis-keys.ts';
import { createRedisClient } from '../../events/redis-client.ts';
import { startStatusWriterService, type StatusWriterService } from '../../functions/status-writer/service.ts';
import { startKube, type RunningKube } from '../../infra/local/kube.ts';
import { installCrds } from '../../infra/local/kube-crds.ts';
import { birdRoutes, quiet, startLab, type Lab } from '../integration/pipeline-support.ts';
import { cilium, getObject, type KubeObjectLike } from './status-writer-support.ts';
import { mergePatch, until } from './watch-support.ts';

let kube: RunningKube;
let api: KubeApi;
let lab: Lab;
let watch: WatchService;
let statusWriter: StatusWriterService;
const redis = createRedisClient({ url: inject('redisUrl'), role: 'service' });

beforeAll(async () => {
  kube = await startKube({ log: () => undefined });
  await installCrds(loadKubeConfig({ kubeconfig: kube.kubeconfigPath }));
  api = new KubeApi(loadKubeConfig({ kubeconfig: kube.kubeconfigPath }));
  lab = await startLab({ brokers: inject('kafkaBrokers'), redisUrl: inject('redisUrl') });
  watch = await startWatchService({
    api,
    publisher: new KafkaEventPublisher(lab.kafka, lab.topic),
    checkpoint: new CheckpointStore(redis, watchCheckpointKey(lab.prefix, 'kube:e2e')),
    source: 'kube:e2e',
    secretsNamespace: 'kube-system',
    log: quiet('watch'),
    discoveryIntervalMs: 500,
  });
  statusWriter = await startStatusWriterService({ api, redis, redisUrl: inject('redisUrl'), prefix: lab.prefix, log: quiet('status-writer') });
  const sourced: SourcedObject[] = lab.objects.map((manifest, i) => ({ file: 'loopback', line: i, manifest, object: manifest }) as unknown as SourcedObject);
  const refused = (await applyObjects(api, sourced, false)).filter((o) => o.error !== null);
  expect(refused.map((o) => o.error?.message)).toEqual([]);
  await lab.startWorker();
}, 180_000);

afterAll(async () => {
  await statusWriter?.stop();
  await watch?.stop();
  await lab?.close();
  await kube?.stop();
  await redis.quit();
});

const nodeConfig = (name: string) => getObject(api, 'ciliumbgpnodeconfigs', name);
const peerStatus = (o: KubeObjectLike | null) =>
  (o?.status?.bgpInstances as { peers?: { peeringState?: string; establishedTime?: string; routeCount?: { advertised: number }[] }[] }[] | undefined)?.[0]?.peers?.[0];

describe('Kubernetes API → watcher → Kafka → functions → Redis → speaker → BIRD', () => {
  it('objects created through the API server reach BIRD; the NodeConfig says established, with the route count BIRD holds', async () => {
    const routes = await until('both nodes\' pod CIDRs at BIRD', async () => {
      const [w1, w2] = await Promise.all([birdRoutes(lab.bird, 'worker1'), birdRoutes(lab.bird, 'worker2')]);
      return w1.has('192.168.1.0/24') && w2.has('192.168.2.0/24') && w1.has('172.20.0.10/32') ? w1 : undefined;
    }, 60_000);
    const status = await until('worker1 established, with its count', async () => {
      const p = peerStatus(await nodeConfig('worker1'));
      return p?.peeringState === 'established' && p.routeCount?.[0]?.advertised === routes.size ? p : undefined;
    }, 30_000);
    expect(Date.parse(status.establishedTime!)).toBeGreaterThan(Date.now() - 120_000);
    const cc = await getObject(api, 'ciliumbgpclusterconfigs', 'cilium-bgp');
    expect(cc!.status!.conditions!.map((c) => [c.type, c.status])).toEqual([
      ['cilium.io/ConflictingClusterConfig', 'False'],
      ['cilium.io/MissingPeerConfigs', 'False'],
      ['cilium.io/NoMatchingNode', 'False'],
    ]);
  });

  it('a LoadBalancer IP patched into a Service\'s status reaches BIRD, and the route count follows', async () => {
    await api.request(HttpMethod.PATCH, '/api/v1/namespaces/default/services/web/status', {
      body: { status: { loadBalancer: { ingress: [{ ip: '172.20.0.10' }, { ip: '172.20.0.11' }] } } },
      contentType: 'application/merge-patch+json',
    });
    const routes = await until('172.20.0.11/32 at BIRD', async () => {
      const w1 = await birdRoutes(lab.bird, 'worker1');
      return w1.has('172.20.0.11/32') ? w1 : undefined;
    });
    await until('the NodeConfig\'s count (at most 5 s later)', async () => peerStatus(await nodeConfig('worker1'))?.routeCount?.[0]?.advertised === routes.size || undefined, 15_000);
  });

  it('an advertisement created through the API server adds its community to the routes it selects', async () => {
    await api.request(HttpMethod.POST, cilium('ciliumbgpadvertisements'), {
      body: {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumBGPAdvertisement',
        metadata: { name: 'api-community', labels: { advertise: 'bgp' } },
        spec: { advertisements: [{ advertisementType: 'Service', service: { addresses: ['ExternalIP'] }, selector: { matchLabels: { app: 'api' } }, attributes: { communities: { standard: ['65000:7'] } } }] },
      },
    });
    const route = await until('the community on 172.20.0.20/32', async () => {
      const r = (await birdRoutes(lab.bird, 'worker1')).get('172.20.0.20/32');
      return r?.communities.includes('65000:7') ? r : undefined;
    });
    expect(route.communities).toEqual(['65000:7']);
  });

  it('labelling a node out of the selector withdraws its routes at BIRD and removes its NodeConfig', async () => {
    expect(await nodeConfig('worker2')).not.toBeNull();
    await mergePatch(api, '/api/v1/nodes/worker2', { metadata: { labels: { bgp: null } } });
    await until('worker2\'s routes withdrawn at BIRD', async () => (await birdRoutes(lab.bird, 'worker2')).size === 0 || undefined);
    await until('worker2\'s NodeConfig gone', async () => (await nodeConfig('worker2')) === null || undefined);
    expect((await birdRoutes(lab.bird, 'worker1')).has('192.168.1.0/24')).toBe(true);
  });

  it('a ClusterConfig update the API server stores but bgpcast\'s rules refuse keeps the last valid version in effect, with its condition on the object', async () => {
    const path = `${cilium('ciliumbgpclusterconfigs')}/cilium-bgp`;
    const condition = async (status: string) => {
      const c = (await getObject(api, 'ciliumbgpclusterconfigs', 'cilium-bgp'))?.status?.conditions?.find((c) => c.type === 'bgpcast.io/InvalidObject');
      return c?.status === status ? c : undefined;
    };
    // An In requirement without values passes the CRD schema (as Cilium's does), not bgpcast's rules.
    await mergePatch(api, path, { spec: { nodeSelector: { matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] } } });
    const invalid = await until('InvalidObject True on the ClusterConfig', () => condition('True'), 30_000);
    expect(invalid.message).toContain('spec.nodeSelector.matchExpressions[0].values');
    expect(invalid.message).toContain('the last valid version stays in effect');
    // A change after it reaches BIRD from a world that holds the invalid version: worker1 is still
    // selected by the version kept (an ignored ClusterConfig would select no node, so nothing would come).
    await api.request(HttpMethod.PATCH, '/api/v1/namespaces/default/services/web/status', {
      body: { status: { loadBalancer: { ingress: [{ ip: '172.20.0.10' }, { ip: '172.20.0.11' }, { ip: '172.20.0.12' }] } } },
      contentType: 'application/merge-patch+json',
    });
    const routes = await until('172.20.0.12/32 at BIRD', async () => {
      const w1 = await birdRoutes(lab.bird, 'worker1');
      return w1.has('172.20.0.12/32') ? w1 : undefined;
    }, 30_000);
    expect(routes.has('192.168.1.0/24')).toBe(true);

    await mergePatch(api, path, { spec: { nodeSelector: { matchExpressions: null } } });
    await until('InvalidObject False once a valid version follows', () => condition('False'), 30_000);
  });

  it('LB IPAM: a Service created through the API server gets an address from a CiliumLoadBalancerIPPool, which reaches BIRD', async () => {
    await api.request(HttpMethod.POST, cilium('ciliumloadbalancerippools'), {
      body: { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'e2e' }, spec: { blocks: [{ cidr: '172.20.5.0/30' }], serviceSelector: { matchLabels: { lbipam: 'e2e' } } } },
    });
    await api.request(HttpMethod.POST, '/api/v1/namespaces/default/services', {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb-e2e', labels: { lbipam: 'e2e' } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
    });
    type Svc = { status?: { loadBalancer?: { ingress?: { ip: string }[] } } };
    const ip = await until('the Service\'s address', async () => (await api.get<Svc>('/api/v1/namespaces/default/services/lb-e2e')).status?.loadBalancer?.ingress?.[0]?.ip, 30_000);
    expect(ip).toBe('172.20.5.0');
    await until('172.20.5.0/32 at BIRD', async () => (await birdRoutes(lab.bird, 'worker1')).has('172.20.5.0/32') || undefined, 30_000);
  });
});
