// Desired state is a function of the world, not of event order, and is printed in one canonical
// order, so it can be compared and hashed (replay = audit: docs/functions-correctness.md).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { desiredNodeStateSchema } from '../../../events/desired-state.ts';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { worldFromObjects } from '../../../functions/model/world.ts';
import {
  advertisement,
  ciliumNode,
  clusterConfig,
  endpointSlice,
  node,
  peerConfig,
  pool,
  service,
  serviceEntry,
} from './builders.ts';

const objects = [
  node('n', { bgp: 'true' }, { ips: ['172.16.1.1', 'fd00::1'], podCIDRs: ['10.1.0.0/24', 'fd00:1::/64'] }),
  ciliumNode('n', { bgp: 'true' }, { ips: ['172.16.1.1'], podCIDRs: ['10.1.0.0/24', 'fd00:1::/64'], pools: [{ pool: 'p', cidrs: ['10.20.0.0/26', 'fd00:20::/120'] }] }),
  pool('p', { team: 'a' }),
  clusterConfig('c', {
    bgpInstances: [
      { name: 'b', localASN: 65002, peers: [{ name: 'y', peerAddress: '10.0.0.2', peerConfigRef: { name: 'pc' } }, { name: 'x', peerAddress: 'fd00::2', peerConfigRef: { name: 'pc' } }] },
      { name: 'a', localASN: 65001, peers: [{ name: 'z', peerAddress: '10.0.0.1', peerConfigRef: { name: 'pc' } }] },
    ],
  }),
  peerConfig('pc', {
    families: [
      { afi: 'ipv6', safi: 'unicast', advertisements: { matchLabels: { adv: 'yes' } } },
      { afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { adv: 'yes' } } },
    ],
  }),
  advertisement('one', [
    { advertisementType: 'PodCIDR', attributes: { communities: { standard: ['300:1', '20:2'], large: ['5:5:5', '1:1:1'] }, localPreference: 10 } },
    serviceEntry(['ClusterIP', 'LoadBalancerIP'], { attributes: { communities: { wellKnown: ['no-export'] } } }),
  ], { adv: 'yes' }),
  advertisement('two', [
    { advertisementType: 'PodCIDR', attributes: { communities: { standard: ['20:2', '1:300'] }, localPreference: 20 } },
    { advertisementType: 'CiliumPodIPPool', selector: {}, attributes: { communities: { standard: ['7:7'] } } },
  ], { adv: 'yes' }),
  service('web', { type: 'LoadBalancer', clusterIPs: ['10.96.0.10', 'fd00:96::10'], externalTrafficPolicy: 'Local' }, { lbIPs: ['172.20.0.10'] }),
  service('api', { clusterIPs: ['10.96.0.2'] }),
  endpointSlice('web-1', 'web', [{ nodeName: 'n' }]),
];

describe('determinism', () => {
  const reference = computeDesiredNode(worldFromObjects(objects), 'n');

  it('the order in which objects arrive does not change the result', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(objects, { minLength: objects.length, maxLength: objects.length }), (shuffled) => {
        expect(computeDesiredNode(worldFromObjects(shuffled), 'n')).toEqual(reference);
      }),
      { numRuns: 100 },
    );
  });

  it('everything is sorted: instances, peers, families, routes, communities', () => {
    expect(reference.instances.map((i) => i.name)).toEqual(['a', 'b']);
    expect(reference.instances[1]!.peers.map((p) => p.name)).toEqual(['x', 'y']);
    const peer = reference.instances[1]!.peers[0]!;
    expect(peer.families.map((f) => f.afi)).toEqual(['ipv4', 'ipv6']);
    expect(peer.families[0]!.routes.map((r) => r.prefix)).toEqual(['10.1.0.0/24', '10.20.0.0/26', '10.96.0.2/32', '10.96.0.10/32', '172.20.0.10/32']);
    expect(peer.families[1]!.routes.map((r) => r.prefix)).toEqual(['fd00:1::/64', 'fd00:20::/120', 'fd00:96::10/128']);
    const pods = peer.families[0]!.routes[0]!;
    expect(pods).toEqual({
      prefix: '10.1.0.0/24',
      communities: ['1:300', '20:2', '300:1'],
      largeCommunities: ['1:1:1', '5:5:5'],
      localPreference: 20,
      origin: 'igp',
    });
  });

  it('equal worlds serialise to equal JSON', () => {
    expect(JSON.stringify(computeDesiredNode(worldFromObjects([...objects].reverse()), 'n'))).toBe(JSON.stringify(reference));
  });

  it('the result satisfies the contract schema of events/desired-state.ts', () => {
    expect(desiredNodeStateSchema.safeParse(reference).success).toBe(true);
    expect(desiredNodeStateSchema.safeParse({ node: 'n', instances: [{ name: 'x' }] }).success).toBe(false);
  });
});
