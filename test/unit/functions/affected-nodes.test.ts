// Which nodes a change may affect: the stage-1 fan-out. Over-approximation is fine; a miss is not.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { affectedNodes } from '../../../functions/runner/affected-nodes.ts';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { applyObject, worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import {
  advertisement,
  advertisingPeerConfig,
  ciliumNode,
  endpointSlice,
  node,
  override,
  peerConfig,
  secret,
  service,
  serviceEntry,
  simpleCluster,
} from './builders.ts';

const bgpSelector = { matchLabels: { bgp: 'true' } };
const base = worldFromObjects([
  node('w1', { bgp: 'true' }, { ips: ['172.16.1.1'], podCIDRs: ['10.1.0.0/24'] }),
  node('w2', { bgp: 'true' }, { ips: ['172.16.2.1'], podCIDRs: ['10.2.0.0/24'] }),
  node('cp', {}, { ips: ['172.16.0.1'], podCIDRs: ['10.0.0.0/24'] }),
  simpleCluster('c', { nodeSelector: bgpSelector }),
  advertisingPeerConfig('peer-config'),
  advertisement('a', [{ advertisementType: 'PodCIDR' }, serviceEntry(['ClusterIP', 'LoadBalancerIP'])]),
]);

const change = (raw: Record<string, unknown>) => {
  const after = applyObject(base, raw).world;
  const meta = raw.metadata as { name: string; namespace?: string };
  return affectedNodes(base, after, { kind: raw.kind as string, name: meta.name, namespace: meta.namespace ?? null });
};

describe('affectedNodes', () => {
  it.each([
    ['a Node: that node only', node('w1', { bgp: 'true', x: 'y' }), ['w1']],
    ['a Node leaving the selector: that node', node('w2', {}), ['w2']],
    ['a new Node: that node', node('w9', { bgp: 'true' }), ['w9']],
    ['a CiliumNode: that node only', ciliumNode('w2', { bgp: 'true' }), ['w2']],
    ['an override: the node it names', override('w1', [{ name: 'instance-1', localASN: 1 }]), ['w1']],
    ['a PeerConfig: every BGP node', peerConfig('peer-config', { ebgpMultihop: 3 }), ['w1', 'w2']],
    ['an Advertisement: every BGP node', advertisement('b', []), ['w1', 'w2']],
    ['a Service: every BGP node', service('s', { clusterIPs: ['10.96.0.1'] }), ['w1', 'w2']],
    ['an EndpointSlice: every BGP node', endpointSlice('s-1', 's', [{ nodeName: 'w1' }]), ['w1', 'w2']],
    ['a ClusterConfig widening its selector: nodes selected before or after', simpleCluster('c'), ['cp', 'w1', 'w2']],
    ['a Secret nobody references: none', secret('x'), []],
    ['a Secret outside the secrets namespace: none', secret('x', 'default'), []],
  ])('%s', (_name, raw, expected) => {
    expect(change(raw as Record<string, unknown>)).toEqual(expected);
  });

  it('a ClusterConfig deleted: the nodes it configured before', () => {
    const after = worldFromObjects([node('w1', { bgp: 'true' })]);
    expect(affectedNodes(base, after, { kind: 'CiliumBGPClusterConfig', name: 'c' })).toEqual(['w1', 'w2']);
  });

  it('a Secret referenced by a PeerConfig: the nodes that use it', () => {
    const withRef = applyObject(base, peerConfig('peer-config', { authSecretRef: 'auth' })).world;
    const after = applyObject(withRef, secret('auth')).world;
    expect(affectedNodes(withRef, after, { kind: 'Secret', namespace: 'kube-system', name: 'auth' })).toEqual(['w1', 'w2']);
  });

  it('a Secret of the referenced name in another namespace: none', () => {
    const withRef = applyObject(base, peerConfig('peer-config', { authSecretRef: 'auth' })).world;
    const after = applyObject(withRef, secret('auth', 'default')).world;
    expect(affectedNodes(withRef, after, { kind: 'Secret', namespace: 'default', name: 'auth' })).toEqual([]);
  });

  it('an unknown kind affects no node', () => {
    expect(affectedNodes(base, base, { kind: 'ConfigMap', name: 'x' })).toEqual([]);
  });

  it('never misses a node whose desired state changed (random single-object changes)', () => {
    const changes = fc.oneof(
      fc.constantFrom('w1', 'w2', 'cp', 'w9').chain((n) =>
        fc.record({ labelled: fc.boolean(), cidr: fc.integer({ min: 0, max: 9 }) }).map(({ labelled, cidr }) =>
          node(n, labelled ? { bgp: 'true' } : {}, { ips: ['172.16.9.9'], podCIDRs: [`10.9.${cidr}.0/24`] }),
        ),
      ),
      fc.boolean().map((all) => simpleCluster('c', all ? {} : { nodeSelector: bgpSelector })),
      fc.integer({ min: 1, max: 255 }).map((h) => service('s', { clusterIPs: [`10.96.0.${h}`], internalTrafficPolicy: 'Local' })),
      fc.constantFrom('w1', 'w2', 'cp').map((n) => endpointSlice('s-1', 's', [{ nodeName: n }])),
      fc.constantFrom('w1', 'w2', 'cp').map((n) => override(n, [{ name: 'instance-1', localASN: 65123 }])),
      fc.integer({ min: 2, max: 9 }).map((ttl) => peerConfig('peer-config', { ebgpMultihop: ttl })),
    );
    fc.assert(
      fc.property(fc.array(changes, { maxLength: 4 }), changes, (setup, last) => {
        let before: WorldView = base;
        for (const raw of setup) before = applyObject(before, raw).world;
        const after = applyObject(before, last).world;
        const meta = (last as { metadata: { name: string; namespace?: string } }).metadata;
        const listed = new Set(affectedNodes(before, after, { kind: last.kind as string, name: meta.name, namespace: meta.namespace ?? null }));
        for (const n of ['w1', 'w2', 'cp', 'w9']) {
          const changed = JSON.stringify(computeDesiredNode(before, n)) !== JSON.stringify(computeDesiredNode(after, n));
          if (changed) expect(listed.has(n), `node ${n} changed but was not listed`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
