// The sessions part of a node's view (functions/incremental/node-view.ts) is kept per node while its
// inputs are the same objects, and follows every one of them when they change: the node's Node,
// CiliumNode and NodeConfigOverride, the PeerConfigs, the Advertisements, the ClusterConfigs and
// the settings. A Service change keeps it (same object), and the routes still follow the Service.
import { describe, expect, it } from 'vitest';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { DesiredCache } from '../../../functions/incremental/desired-cache.ts';
import { worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import { advertisement, advertisingPeerConfig, applied, ciliumNode, node, override, serviceEntry, service, simpleCluster } from './builders.ts';

const cache = new DesiredCache();

const base = [
  simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } }, peerConfig: 'pc' }),
  advertisingPeerConfig('pc', 'bgp', ['ipv4']),
  advertisement('ads', [serviceEntry(['LoadBalancerIP'])]),
  node('w1', { bgp: 'true' }, { ips: ['172.16.1.1'], podCIDRs: ['10.1.0.0/24'] }),
  service('web', { type: 'LoadBalancer' }, { lbIPs: ['172.20.0.1'] }),
];

/** The view of w1 equals a cold computation of the same world. */
function expectCold(world: WorldView, objects: readonly Record<string, unknown>[]) {
  const view = cache.view(world, 'w1');
  expect(cache.document(view)).toEqual(computeDesiredNode(worldFromObjects([...objects], world.settings), 'w1'));
  return view;
}

describe('the sessions part of a node view', () => {
  it('is the same object after a Service change, while the routes follow the Service', () => {
    const w0 = worldFromObjects(base);
    const before = cache.view(w0, 'w1');
    const moved = service('web', { type: 'LoadBalancer' }, { lbIPs: ['172.20.0.9'] });
    const w1 = applied(w0, moved);
    const after = expectCold(w1, [...base.slice(0, 4), moved]);
    expect(after.sessions).toBe(before.sessions);
    expect(JSON.stringify(cache.document(after))).toContain('172.20.0.9/32');
  });

  it.each([
    ['its Node (router ID)', node('w1', { bgp: 'true' }, { ips: ['172.16.1.7'], podCIDRs: ['10.1.0.0/24'] })],
    ['its Node (labels: no longer selected)', node('w1', { bgp: 'false' }, { ips: ['172.16.1.1'], podCIDRs: ['10.1.0.0/24'] })],
    ['its CiliumNode', ciliumNode('w1', { bgp: 'true' }, { ips: ['172.16.9.9'], podCIDRs: ['10.1.0.0/24'] })],
    ['its NodeConfigOverride', override('w1', [{ name: 'instance-1', routerID: '10.10.10.10', localASN: 65010 }])],
    ['the PeerConfig', advertisingPeerConfig('pc', 'other', ['ipv4', 'ipv6'])],
    ['the Advertisements (the slot gets the PodCIDR entry)', advertisement('ads-2', [{ advertisementType: 'PodCIDR' }])],
    ['the ClusterConfig', simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } }, peerConfig: 'pc', localASN: 64999 })],
  ])('follows a change of %s', (_what, changed) => {
    const w0 = worldFromObjects(base);
    const before = cache.view(w0, 'w1');
    const w1 = applied(w0, changed);
    const objects = [...base.filter((o) => JSON.stringify(o['metadata']) !== JSON.stringify(changed['metadata']) || o['kind'] !== changed['kind']), changed];
    const after = expectCold(w1, objects);
    expect(cache.document(after)).not.toEqual(cache.document(before));
  });

  it('follows the settings', () => {
    const w0 = worldFromObjects(base, { bgpSecretsNamespace: 'kube-system' });
    const w1 = worldFromObjects(base, { bgpSecretsNamespace: 'bgp-secrets' });
    expect(cache.view(w0, 'w1').sessions).not.toBe(cache.view(w1, 'w1').sessions);
    expectCold(w1, base);
  });
});
