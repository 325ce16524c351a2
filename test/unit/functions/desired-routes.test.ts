// Routes per peer and family (docs/cilium-semantics.md): advertisement selection (ADV-1, ADV-2),
// PodCIDR (POD-1, POD-2), CiliumPodIPPool (POOL-1, POOL-2), attributes and merging (ADV-3, MERGE-1,
// MERGE-2).
import { describe, expect, it } from 'vitest';
import { worldFromObjects } from '../../../functions/model/world.ts';
import type { IpamMode, Settings } from '../../../functions/settings.ts';
import {
  advertisement,
  advertisingPeerConfig,
  ciliumNode,
  clusterConfig,
  node,
  peerConfig,
  pool,
  serviceEntry,
  service,
  simpleCluster,
} from './builders.ts';
import { desiredState, onlyPeer, prefixesOf, route, routesOf } from './desired-helpers.ts';

const podCIDR = (attributes: object = {}) => ({ advertisementType: 'PodCIDR', attributes });
const dualNode = node('n', {}, { ips: ['172.16.1.1'], podCIDRs: ['10.1.0.0/24', 'fd00:1::/64'] });

function state(objects: unknown[], settings: Partial<Settings> = {}) {
  return desiredState(worldFromObjects([simpleCluster('c'), ...objects], settings), 'n');
}

describe('advertisement selection per peer and family (ADV-1)', () => {
  it('a family without an advertisements selector advertises nothing', () => {
    const pc = peerConfig('peer-config', { families: [{ afi: 'ipv4', safi: 'unicast' }] });
    expect(routesOf(state([dualNode, pc, advertisement('a', [podCIDR()])]))).toEqual([]);
  });

  it('an advertisements selector picks CiliumBGPAdvertisement objects by their labels', () => {
    const objects = [dualNode, advertisingPeerConfig('peer-config', 'bgp'), advertisement('a', [podCIDR()], { advertise: 'bgp' })];
    expect(prefixesOf(state(objects))).toEqual(['10.1.0.0/24']);
    const other = [dualNode, advertisingPeerConfig('peer-config', 'bgp'), advertisement('a', [podCIDR()], { advertise: 'other' })];
    expect(prefixesOf(state(other))).toEqual([]);
  });

  it('an empty selector {} picks every advertisement', () => {
    const pc = peerConfig('peer-config', { families: [{ afi: 'ipv4', safi: 'unicast', advertisements: {} }] });
    expect(prefixesOf(state([dualNode, pc, advertisement('a', [podCIDR()], {})]))).toEqual(['10.1.0.0/24']);
  });

  it('each family gets the selection of its own selector', () => {
    const pc = peerConfig('peer-config', {
      families: [
        { afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { v: '4' } } },
        { afi: 'ipv6', safi: 'unicast', advertisements: { matchLabels: { v: '6' } } },
      ],
    });
    const s = state([dualNode, pc, advertisement('a', [podCIDR({ localPreference: 4 })], { v: '4' })]);
    expect(routesOf(s, 'ipv4').map((r) => r.prefix)).toEqual(['10.1.0.0/24']);
    expect(routesOf(s, 'ipv6')).toEqual([]);
  });

  it('a selector on an unsupported SAFI (ipv4/multicast) feeds no unicast routes', () => {
    const pc = peerConfig('peer-config', {
      families: [
        { afi: 'ipv4', safi: 'multicast', advertisements: { matchLabels: { advertise: 'bgp' } } },
        { afi: 'ipv4', safi: 'unicast' },
      ],
    });
    expect(routesOf(state([dualNode, pc, advertisement('a', [podCIDR()])]))).toEqual([]);
  });

  it('a family holds only prefixes of its own address family (ADV-2)', () => {
    const s = state([dualNode, advertisingPeerConfig('peer-config'), advertisement('a', [podCIDR()])]);
    expect(prefixesOf(s, 'ipv4')).toEqual(['10.1.0.0/24']);
    expect(prefixesOf(s, 'ipv6')).toEqual(['fd00:1::/64']);
  });

  it('an advertisement type this build does not know yields no routes and no error (ADV-4)', () => {
    const s = state([dualNode, advertisingPeerConfig('peer-config'), advertisement('a', [{ advertisementType: 'Tunnel' }])]);
    expect(routesOf(s)).toEqual([]);
  });
});

describe('Interface (ADV-7)', () => {
  const iface = (name: string, attributes: object = {}) => ({ advertisementType: 'Interface', interface: { name }, attributes });

  it('yields no route here: the entry goes into both families for the speaker, attributes printed', () => {
    const s = state([
      dualNode,
      advertisingPeerConfig('peer-config'),
      advertisement('a', [iface('lo', { communities: { standard: ['65000:9', '1:1'], wellKnown: ['no-export'] }, localPreference: 150 })]),
    ]);
    expect(routesOf(s)).toEqual([]);
    const want = [{ interface: 'lo', communities: ['1:1', '65000:9', '65535:65281'], largeCommunities: [], localPreference: 150 }];
    expect(onlyPeer(s).families.map((f) => [f.afi, f.interfaces])).toEqual([
      ['ipv4', want],
      ['ipv6', want],
    ]);
  });

  it('each distinct entry once, sorted, whatever the order and repeats of the advertisements', () => {
    const a = advertisement('a', [iface('dummy0'), iface('lo', { localPreference: 5 })]);
    const b = advertisement('b', [iface('dummy0'), iface('lo')]);
    const interfaces = (objects: unknown[]) => onlyPeer(state([dualNode, advertisingPeerConfig('peer-config'), ...objects])).families[0]?.interfaces;
    const want = [
      { interface: 'dummy0', communities: [], largeCommunities: [], localPreference: null },
      { interface: 'lo', communities: [], largeCommunities: [], localPreference: 5 },
      { interface: 'lo', communities: [], largeCommunities: [], localPreference: null },
    ];
    expect(interfaces([a, b])).toEqual(want);
    expect(interfaces([b, a])).toEqual(want);
  });

  it('a family without Interface entries has no interfaces field, so other documents keep their shape', () => {
    const s = state([dualNode, advertisingPeerConfig('peer-config'), advertisement('a', [podCIDR()])]);
    expect(onlyPeer(s).families.every((f) => !('interfaces' in f))).toBe(true);
  });
});

describe('PodCIDR (POD-1, POD-2)', () => {
  const objects = (n: unknown) => [n, advertisingPeerConfig('peer-config'), advertisement('a', [podCIDR()])];

  it('uses the CiliumNode IPAM pod CIDRs when a CiliumNode exists', () => {
    const s = state(objects(dualNode).concat([ciliumNode('n', {}, { podCIDRs: ['10.77.0.0/24'] })]));
    expect(prefixesOf(s)).toEqual(['10.77.0.0/24']);
    expect(prefixesOf(s, 'ipv6')).toEqual([]);
  });

  it('a CiliumNode without pod CIDRs (a mirror not filled yet) does not withdraw the Node\'s in kubernetes mode', () => {
    const unfilled = ciliumNode('n', {}, { ips: ['172.16.1.1'] });
    expect(prefixesOf(state(objects(dualNode).concat([unfilled])))).toEqual(['10.1.0.0/24']);
    const noIpam = { apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'n' }, spec: { addresses: [{ type: 'InternalIP', ip: '172.16.1.1' }] } };
    expect(prefixesOf(state(objects(dualNode).concat([noIpam])))).toEqual(['10.1.0.0/24']);
  });

  it('in cluster-pool mode the CiliumNode alone holds the pod CIDRs: the Node\'s belong to another allocator', () => {
    const unfilled = ciliumNode('n', {}, { ips: ['172.16.1.1'] });
    expect(prefixesOf(state(objects(dualNode).concat([unfilled]), { ipamMode: 'cluster-pool' }))).toEqual([]);
    const filled = ciliumNode('n', {}, { podCIDRs: ['10.77.0.0/24'] });
    expect(prefixesOf(state(objects(dualNode).concat([filled]), { ipamMode: 'cluster-pool' }))).toEqual(['10.77.0.0/24']);
  });

  it('uses Node spec.podCIDRs when there is no CiliumNode', () => {
    expect(prefixesOf(state(objects(dualNode)))).toEqual(['10.1.0.0/24']);
  });

  it.each<[IpamMode, string[]]>([
    ['kubernetes', ['10.1.0.0/24']],
    ['cluster-pool', ['10.1.0.0/24']],
    ['multi-pool', []],
    ['eni', []],
  ])('ipam mode %s', (ipamMode, expected) => {
    expect(prefixesOf(state(objects(dualNode), { ipamMode }))).toEqual(expected);
  });

  it('the route carries the entry attributes', () => {
    const s = state([dualNode, advertisingPeerConfig('peer-config'), advertisement('a', [podCIDR({ communities: { standard: ['65000:99'] }, localPreference: 99 })])]);
    expect(route(s, '10.1.0.0/24')).toEqual({
      prefix: '10.1.0.0/24',
      communities: ['65000:99'],
      largeCommunities: [],
      localPreference: 99,
      origin: 'igp',
    });
  });
});

describe('CiliumPodIPPool (POOL-1, POOL-2)', () => {
  const cn = ciliumNode('n', {}, {
    ips: ['172.16.1.1'],
    pools: [
      { pool: 'blue', cidrs: ['10.20.1.0/24', 'fd00:20::/96'] },
      { pool: 'red', cidrs: ['10.30.1.0/24'] },
      { pool: 'gone', cidrs: ['10.40.1.0/24'] },
    ],
  });
  const entry = (selector: object | undefined) => ({ advertisementType: 'CiliumPodIPPool', ...(selector ? { selector } : {}) });
  const run = (selector: object | undefined) =>
    state([cn, pool('blue', { color: 'blue' }), pool('red', { color: 'red' }), advertisingPeerConfig('peer-config'), advertisement('a', [entry(selector)])]);

  it('advertises the CIDRs allocated to this node from pools the selector matches', () => {
    expect(prefixesOf(run({ matchLabels: { color: 'blue' } }))).toEqual(['10.20.1.0/24']);
    expect(prefixesOf(run({ matchLabels: { color: 'blue' } }), 'ipv6')).toEqual(['fd00:20::/96']);
  });

  it('matches the synthetic label io.cilium.podippool.name', () => {
    expect(prefixesOf(run({ matchLabels: { 'io.cilium.podippool.name': 'red' } }))).toEqual(['10.30.1.0/24']);
  });

  it('a nil selector matches no pool', () => {
    expect(prefixesOf(run(undefined))).toEqual([]);
  });

  it('an allocation from a pool that no longer exists is not advertised', () => {
    expect(prefixesOf(run({}))).toEqual(['10.20.1.0/24', '10.30.1.0/24']);
  });
});

describe('attributes and merging of overlapping advertisements (ADV-3, MERGE-1, MERGE-2)', () => {
  const pc = advertisingPeerConfig('peer-config');

  it('PodCIDR from two advertisements: union of communities, highest LOCAL_PREF (cilium#35721)', () => {
    const s = state([
      dualNode,
      pc,
      advertisement('a', [podCIDR({ communities: { standard: ['65000:99'], large: ['1:2:3'] }, localPreference: 50 })]),
      advertisement('b', [podCIDR({ communities: { standard: ['100:1'], wellKnown: ['no-export'] }, localPreference: 200 })]),
    ]);
    expect(route(s, '10.1.0.0/24')).toMatchObject({
      communities: ['100:1', '65000:99', '65535:65281'],
      largeCommunities: ['1:2:3'],
      localPreference: 200,
    });
  });

  it('the merge does not depend on the order of the advertisements', () => {
    const a = advertisement('a', [podCIDR({ localPreference: 300 })]);
    const b = advertisement('b', [podCIDR({ localPreference: 100 })]);
    expect(route(state([dualNode, pc, a, b]), '10.1.0.0/24')?.localPreference).toBe(300);
    expect(route(state([dualNode, pc, b, a]), '10.1.0.0/24')?.localPreference).toBe(300);
  });

  it('the same prefix from different advertisement types is merged too', () => {
    // A Service ExternalIP equal to the node's pod CIDR host route is contrived; a /32 pool CIDR is not.
    const cn = ciliumNode('n', {}, { ips: ['172.16.1.1'], podCIDRs: ['10.9.9.9/32'], pools: [{ pool: 'p', cidrs: ['10.9.9.9/32'] }] });
    const s = state([
      cn,
      pc,
      pool('p'),
      advertisement('a', [
        podCIDR({ communities: { standard: ['1:1'] }, localPreference: 10 }),
        { advertisementType: 'CiliumPodIPPool', selector: {}, attributes: { communities: { standard: ['2:2'] }, localPreference: 20 } },
      ]),
    ]);
    expect(routesOf(s)).toEqual([
      { prefix: '10.9.9.9/32', communities: ['1:1', '2:2'], largeCommunities: [], localPreference: 20, origin: 'igp' },
    ]);
  });

  it('a decimal standard community is printed as a:b and de-duplicated with its a:b spelling', () => {
    const s = state([dualNode, pc, advertisement('a', [podCIDR({ communities: { standard: ['4259840099', '65000:99'] } })])]);
    expect(route(s, '10.1.0.0/24')?.communities).toEqual(['65000:99']);
  });

  it('communities sort numerically, not as strings', () => {
    const s = state([dualNode, pc, advertisement('a', [podCIDR({ communities: { standard: ['9:1', '10:1', '100:2'] } })])]);
    expect(route(s, '10.1.0.0/24')?.communities).toEqual(['9:1', '10:1', '100:2']);
  });

  it('localPreference is null when no advertisement sets it', () => {
    const s = state([dualNode, pc, advertisement('a', [podCIDR()])]);
    expect(route(s, '10.1.0.0/24')?.localPreference).toBeNull();
  });

  it('routes are sorted by address family, address and length', () => {
    const svc = service('s', { type: 'ClusterIP', clusterIPs: ['10.96.0.10', '9.0.0.1'] });
    const s = state([dualNode, pc, svc, advertisement('a', [podCIDR(), serviceEntry(['ClusterIP'])])]);
    expect(prefixesOf(s)).toEqual(['9.0.0.1/32', '10.1.0.0/24', '10.96.0.10/32']);
  });

  it('each peer of a node gets the selection of its own PeerConfig', () => {
    const cluster = clusterConfig('c', {
      bgpInstances: [
        {
          name: 'i',
          localASN: 64000,
          peers: [
            { name: 'gets-pods', peerAddress: '5.5.5.5', peerConfigRef: { name: 'pods' } },
            { name: 'gets-nothing', peerAddress: '6.6.6.6', peerConfigRef: { name: 'none' } },
          ],
        },
      ],
    });
    const world = worldFromObjects([
      dualNode,
      cluster,
      advertisingPeerConfig('pods', 'bgp', ['ipv4']),
      advertisingPeerConfig('none', 'nothing-matches', ['ipv4']),
      advertisement('a', [podCIDR()], { advertise: 'bgp' }),
    ]);
    const peers = desiredState(world, 'n').instances[0]!.peers;
    expect(peers.map((p) => [p.name, p.families[0]!.routes.map((r) => r.prefix)])).toEqual([
      ['gets-nothing', []],
      ['gets-pods', ['10.1.0.0/24']],
    ]);
  });
});
