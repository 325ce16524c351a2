// A seeded random history of BGP configuration, nodes, Services and endpoints, for the tests that
// drive the functions with a stream of changes (functions-concurrency, the rebuild and fault
// tests), and the documents a pure computation gives for a topic holding it.

import type { Kafka } from 'kafkajs';
import type { ConsumedEvent } from '../../events/bus.ts';
import { objectEnvelope, type EventEnvelope, type KubeObject } from '../../events/envelope.ts';
import { readEvents } from '../../events/kafka/reader.ts';
import { computeConditions } from '../../functions/cilium/conditions.ts';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { applyObject, deleteObject, emptyWorld } from '../../functions/model/world.ts';
import { conditionsDocument, nodeDocument } from '../../functions/runner/document.ts';
import { seededRandom } from '../support/random.ts';

export const NODES = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];
export const SERVICES = Array.from({ length: 30 }, (_, i) => `s${i + 1}`);

/** A random but reproducible history of BGP configuration, nodes, Services and endpoints. */
export function history(seed: number, length: number): EventEnvelope[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const env = (o: Record<string, unknown>, type: 'added' | 'modified' | 'deleted' = 'modified') =>
    objectEnvelope(type, o as KubeObject, 'test');
  const nodeObj = (name: string) => {
    const i = NODES.indexOf(name) + 1;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { ...(chance(0.6) ? { bgp: 'true' } : {}), zone: pick(['a', 'b']) } },
      // Now and then a version that breaks bgpcast's rules: the last valid one stays in effect.
      spec: { podCIDRs: [chance(0.05) ? `10.${i}.0.0/33` : `10.${i}.0.0/24`] },
      status: { addresses: [{ type: 'InternalIP', address: `172.16.0.${i}` }] },
    };
  };
  const cluster = (name: string, selector: unknown, created: string) => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPClusterConfig',
    metadata: { name, creationTimestamp: created },
    spec: {
      nodeSelector: selector,
      bgpInstances: [{ name: `i-${name}`, localASN: 64512, peers: [{ name: 'tor', peerASN: 65000, peerAddress: '10.255.0.1', peerConfigRef: { name: 'peer' } }] }],
    },
  });
  const peer = () => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPPeerConfig',
    metadata: { name: 'peer' },
    spec: {
      ...(chance(0.3) ? { authSecretRef: 'auth' } : {}),
      families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } }],
    },
  });
  const ads = (name: string) => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPAdvertisement',
    // The pods advertisement stays selected, so that a history's final state always has routes
    // (the services one may end unselected, or invalid with its last valid version in effect).
    metadata: { name, labels: name === 'pods' || chance(0.85) ? { advertise: 'bgp' } : {} },
    spec: {
      advertisements:
        name === 'pods'
          ? [{ advertisementType: 'PodCIDR', attributes: { communities: { standard: [`65000:${1 + Math.floor(rnd() * 3)}`] } } }]
          : [
              {
                advertisementType: 'Service',
                // Sometimes none: a version that breaks bgpcast's rules (OBJ-5).
                service: { addresses: chance(0.2) ? [] : ['ClusterIP', 'LoadBalancerIP', 'ExternalIP'].filter(() => chance(0.7)) },
                selector: chance(0.5) ? { matchLabels: { app: pick(['web', 'api']) } } : { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['y'] }] },
                attributes: { localPreference: pick([100, 200]), communities: { standard: ['65000:7'] } },
              },
            ],
    },
  });
  const svc = (name: string) => {
    const i = SERVICES.indexOf(name) + 1;
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default', labels: { app: pick(['web', 'api']) } },
      spec: {
        type: pick(['LoadBalancer', 'ClusterIP']),
        clusterIPs: [`10.96.0.${i}`],
        externalTrafficPolicy: pick(['Cluster', 'Local']),
        internalTrafficPolicy: pick(['Cluster', 'Local']),
        ...(chance(0.3) ? { externalIPs: [`192.0.2.${i}`] } : {}),
      },
      status: { loadBalancer: { ingress: chance(0.8) ? [{ ip: `172.20.0.${i}` }] : [] } },
    };
  };
  const slice = (name: string) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: NODES.filter(() => chance(0.25)).map((nodeName, j) => ({
      addresses: [`10.0.${j}.1`],
      nodeName,
      conditions: { ready: chance(0.8) },
    })),
  });
  const override = (name: string) => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPNodeConfigOverride',
    metadata: { name },
    spec: { bgpInstances: [{ name: 'i-main', localASN: pick([64513, 64514]) }] },
  });
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth', namespace: 'kube-system' }, data: { password: 'cGFzcw==' } };

  const out: EventEnvelope[] = [
    env(cluster('main', { matchLabels: { bgp: 'true' } }, '2024-01-01T00:00:00Z'), 'added'),
    env(peer(), 'added'),
    env(ads('pods'), 'added'),
    env(ads('services'), 'added'),
    ...NODES.map((n) => env(nodeObj(n), 'added')),
  ];
  while (out.length < length) {
    const r = rnd();
    if (r < 0.3) {
      const s = pick(SERVICES);
      out.push(chance(0.15) ? env(svc(s), 'deleted') : env(svc(s)));
    } else if (r < 0.5) {
      const s = pick(SERVICES);
      out.push(chance(0.1) ? env(slice(s), 'deleted') : env(slice(s)));
    } else if (r < 0.68) {
      const n = pick(NODES);
      out.push(chance(0.05) ? env(nodeObj(n), 'deleted') : env(nodeObj(n)));
    } else if (r < 0.78) {
      out.push(env(ads(pick(['pods', 'services']))));
    } else if (r < 0.84) {
      out.push(chance(0.5) ? env(cluster('zone-b', { matchLabels: { zone: 'b' } }, '2024-02-01T00:00:00Z')) : env(cluster('zone-b', null, '2024-02-01T00:00:00Z'), 'deleted'));
    } else if (r < 0.9) {
      out.push(env(peer()));
    } else if (r < 0.96) {
      const n = pick(['n1', 'n2']);
      out.push(chance(0.3) ? env(override(n), 'deleted') : env(override(n)));
    } else {
      out.push(chance(0.5) ? env(secret) : env(secret, 'deleted'));
    }
  }
  return out;
}

/**
 * Documents computed purely from every version on the topic, each object's in order: its last
 * version, or its last valid one when the last is invalid (docs/cilium-semantics.md OBJ-5).
 */
export async function pureFromTopic(kafka: Kafka, topic: string, nodes: readonly string[] = NODES): Promise<Record<string, string>> {
  const events: ConsumedEvent[] = [];
  await readEvents(kafka, { topic, fromBeginning: true, follow: false, onEvent: (e) => events.push(e), onPoison: () => undefined });
  events.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  let world = emptyWorld();
  for (const { envelope: e } of events) {
    if (e.type === 'added' || e.type === 'modified') world = applyObject(world, e.object).world;
    else if (e.type === 'deleted') world = deleteObject(world, e);
  }
  const out: Record<string, string> = {};
  for (const n of nodes) out[n] = nodeDocument(computeDesiredNode(world, n)).text;
  out['(conditions)'] = conditionsDocument(computeConditions(world)).text;
  return out;
}
