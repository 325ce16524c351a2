// Instances and peers of a node's desired state (docs/cilium-semantics.md NODE-1, OWN-1 to OWN-3,
// INST-1 to INST-6, PEER-1 to PEER-4).
import { describe, expect, it } from 'vitest';
import { peerSessionKey } from '../../../events/desired-state.ts';
import { worldFromObjects } from '../../../functions/model/world.ts';
import { planNode } from '../../../functions/cilium/instances.ts';
import { ciliumNode, clusterConfig, node, override, peerConfig, simpleCluster } from './builders.ts';
import { desiredState, onlyPeer } from './desired-helpers.ts';

const w1 = node('w1', { bgp: 'true' }, { ips: ['172.16.1.1'] });
const w2 = node('w2', {}, { ips: ['172.16.2.1'] });
const pc = peerConfig('peer-config');

describe('which nodes get configuration', () => {
  it('a node with no BGP configuration gets {node, instances: []}', () => {
    expect(desiredState(worldFromObjects([w1]), 'w1')).toEqual({ node: 'w1', instances: [] });
  });

  it('an unknown node gets {node, instances: []}', () => {
    expect(desiredState(worldFromObjects([simpleCluster('c'), pc]), 'ghost')).toEqual({ node: 'ghost', instances: [] });
  });

  it('a nil nodeSelector selects every node (OWN-1)', () => {
    const world = worldFromObjects([w1, w2, simpleCluster('c'), pc]);
    expect(desiredState(world, 'w1').instances).toHaveLength(1);
    expect(desiredState(world, 'w2').instances).toHaveLength(1);
  });

  it('a nodeSelector selects by label', () => {
    const world = worldFromObjects([w1, w2, simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } }), pc]);
    expect(desiredState(world, 'w1').instances).toHaveLength(1);
    expect(desiredState(world, 'w2').instances).toEqual([]);
  });

  it('CiliumNode labels win over Node labels when both exist (the operator matches CiliumNodes)', () => {
    const world = worldFromObjects([w1, ciliumNode('w1', {}), simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } }), pc]);
    expect(desiredState(world, 'w1').instances).toEqual([]);
  });

  it('a node known only as a CiliumNode is a node', () => {
    const world = worldFromObjects([ciliumNode('cn', { bgp: 'true' }, { ips: ['10.9.9.9'] }), simpleCluster('c'), pc]);
    expect(desiredState(world, 'cn').instances[0]?.routerID).toBe('10.9.9.9');
  });

  it('relabelling a node out of the selector empties its state', () => {
    const selector = { matchLabels: { bgp: 'true' } };
    const before = worldFromObjects([w1, simpleCluster('c', { nodeSelector: selector }), pc]);
    const after = worldFromObjects([node('w1', {}, { ips: ['172.16.1.1'] }), simpleCluster('c', { nodeSelector: selector }), pc]);
    expect(desiredState(before, 'w1').instances).toHaveLength(1);
    expect(desiredState(after, 'w1')).toEqual({ node: 'w1', instances: [] });
  });
});

describe('first owner wins between ClusterConfigs selecting one node (OWN-2)', () => {
  const a = (created?: string) => simpleCluster('a', { localASN: 65001, ...(created ? { created } : {}) });
  const b = (created?: string) => simpleCluster('b', { localASN: 65002, ...(created ? { created } : {}) });
  const asn = (objects: unknown[]) => desiredState(worldFromObjects([w1, pc, ...objects]), 'w1').instances[0]?.localASN;

  it.each([
    ['the older creationTimestamp wins', [a('2024-02-01T00:00:00Z'), b('2024-01-01T00:00:00Z')], 65002],
    ['order of arrival does not matter', [b('2024-01-01T00:00:00Z'), a('2024-02-01T00:00:00Z')], 65002],
    ['a config with a timestamp wins over one without', [a(), b('2030-01-01T00:00:00Z')], 65002],
    ['… whichever arrives first', [b('2030-01-01T00:00:00Z'), a()], 65002],
    ['without timestamps, the name decides', [b(), a()], 65001],
    ['equal timestamps: the name decides', [b('2024-01-01T00:00:00Z'), a('2024-01-01T00:00:00Z')], 65001],
  ])('%s', (_name, objects, expected) => {
    expect(asn(objects)).toBe(expected);
  });

  it('only the owner configures the node: the instances are never mixed', () => {
    const world = worldFromObjects([w1, pc, a(), b()]);
    expect(desiredState(world, 'w1').instances.map((i) => i.localASN)).toEqual([65001]);
  });
});

describe('NodeConfigOverride merge (INST-1)', () => {
  const cluster = clusterConfig('c', {
    bgpInstances: [
      {
        name: 'inst',
        localASN: 64000,
        localPort: 179,
        peers: [
          { name: 'p1', peerAddress: '5.5.5.5', peerASN: 65000 },
          { name: 'p2', peerAddress: '6.6.6.6', peerASN: 65000 },
        ],
      },
    ],
  });

  it('routerID, localASN, localPort and peers localAddress come from the override', () => {
    const ov = override('w1', [
      { name: 'inst', routerID: '10.10.10.10', localASN: 65010, localPort: 1790, peers: [{ name: 'p1', localAddress: '172.16.1.1' }] },
    ]);
    const [inst] = desiredState(worldFromObjects([w1, cluster, ov]), 'w1').instances;
    expect(inst).toMatchObject({ name: 'inst', routerID: '10.10.10.10', localASN: 65010, localPort: 1790 });
    expect(inst?.peers.map((p) => [p.name, p.localAddress])).toEqual([
      ['p1', '172.16.1.1'],
      ['p2', null],
    ]);
  });

  it('localASN and localPort are replaced only when the override sets them', () => {
    const ov = override('w1', [{ name: 'inst', routerID: '10.10.10.10' }]);
    const [inst] = desiredState(worldFromObjects([w1, cluster, ov]), 'w1').instances;
    expect(inst).toMatchObject({ localASN: 64000, localPort: 179, routerID: '10.10.10.10' });
  });

  it('a localPort in the override works when the ClusterConfig has none (INST-1)', () => {
    const ov = override('w1', [{ name: 'instance-1', localPort: 1179 }]);
    const [inst] = desiredState(worldFromObjects([w1, simpleCluster('c'), pc, ov]), 'w1').instances;
    expect(inst?.localPort).toBe(1179);
  });

  it('instances and peers that exist only in the override are ignored', () => {
    const ov = override('w1', [
      { name: 'other', routerID: '1.1.1.1' },
      { name: 'inst', peers: [{ name: 'ghost', localAddress: '1.2.3.4' }] },
    ]);
    const state = desiredState(worldFromObjects([w1, cluster, ov]), 'w1');
    expect(state.instances.map((i) => i.name)).toEqual(['inst']);
    expect(state.instances[0]?.peers.map((p) => p.name)).toEqual(['p1', 'p2']);
  });

  it('an override applies only to the node it is named after', () => {
    const ov = override('w2', [{ name: 'inst', localASN: 65099 }]);
    const world = worldFromObjects([w1, w2, cluster, ov]);
    expect(desiredState(world, 'w1').instances[0]?.localASN).toBe(64000);
    expect(desiredState(world, 'w2').instances[0]?.localASN).toBe(65099);
  });
});

describe('router ID (INST-3)', () => {
  const rid = (objects: unknown[]) => desiredState(worldFromObjects([simpleCluster('c'), pc, ...objects]), 'n').instances[0]?.routerID;

  it.each([
    ['the node IPv4 InternalIP', [node('n', {}, { ips: ['172.16.1.1'] })], '172.16.1.1'],
    ['the first IPv4 of a dual-stack node, whatever the order', [node('n', {}, { ips: ['fd00::5', '172.16.1.5'] })], '172.16.1.5'],
    ['the CiliumNode address before the Node address', [node('n', {}, { ips: ['172.16.1.1'] }), ciliumNode('n', {}, { ips: ['10.0.0.7'] })], '10.0.0.7'],
    ['the Node IPv4 when the CiliumNode has only IPv6', [node('n', {}, { ips: ['172.16.1.1'] }), ciliumNode('n', {}, { ips: ['fd00::7'] })], '172.16.1.1'],
    ['IPv6-only: the last 32 bits of the IPv6 InternalIP (cilium#30333)', [node('n', {}, { ips: ['fd00:10::a:102'] })], '0.10.1.2'],
    [
      'the override before anything else',
      [node('n', {}, { ips: ['172.16.1.1'] }), override('n', [{ name: 'instance-1', routerID: '9.9.9.9' }])],
      '9.9.9.9',
    ],
  ])('%s', (_name, objects, expected) => {
    expect(rid(objects)).toBe(expected);
  });

  it('no usable address and no override: the instance is left out', () => {
    expect(desiredState(worldFromObjects([simpleCluster('c'), pc, node('n')]), 'n').instances).toEqual([]);
    expect(desiredState(worldFromObjects([simpleCluster('c'), pc, node('n', {}, { ips: ['fd00::'] })]), 'n').instances).toEqual([]);
  });
});

describe('instances and peers', () => {
  it('an instance without localASN is left out (INST-2 "missing ASN in desired config")', () => {
    const cluster = clusterConfig('c', { bgpInstances: [{ name: 'no-asn' }, { name: 'ok', localASN: 64000 }] });
    expect(desiredState(worldFromObjects([w1, cluster]), 'w1').instances.map((i) => i.name)).toEqual(['ok']);
  });

  it('instances and peers are sorted by name', () => {
    const cluster = clusterConfig('c', {
      bgpInstances: [
        { name: 'z', localASN: 1, peers: [{ name: 'b', peerAddress: '1.1.1.2' }, { name: 'a', peerAddress: '1.1.1.1' }] },
        { name: 'a', localASN: 2 },
      ],
    });
    const state = desiredState(worldFromObjects([w1, cluster]), 'w1');
    expect(state.instances.map((i) => i.name)).toEqual(['a', 'z']);
    expect(state.instances[1]?.peers.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('a peer whose PeerConfig is missing is skipped (INST-5)', () => {
    const state = desiredState(worldFromObjects([w1, simpleCluster('c', { peerConfig: 'absent' })]), 'w1');
    expect(state.instances[0]?.peers).toEqual([]);
  });

  it('a peer without peerAddress carries its autoDiscovery for the speaker to resolve (INST-4)', () => {
    const cluster = clusterConfig('c', {
      bgpInstances: [
        {
          name: 'i',
          localASN: 1,
          peers: [
            { name: 'gw', autoDiscovery: { mode: 'DefaultGateway', defaultGateway: { addressFamily: 'ipv6' } } },
            { name: 'link', autoDiscovery: { mode: 'Unnumbered', unnumbered: { interface: 'eth1' } } },
          ],
        },
      ],
    });
    const peers = desiredState(worldFromObjects([w1, cluster]), 'w1').instances[0]?.peers ?? [];
    expect(peers.map((p) => [p.name, p.peerAddress, p.autoDiscovery])).toEqual([
      ['gw', null, { mode: 'DefaultGateway', addressFamily: 'ipv6' }],
      ['link', null, { mode: 'Unnumbered', interface: 'eth1' }],
    ]);
  });

  it('an explicit peerAddress wins over autoDiscovery (INST-4)', () => {
    const cluster = clusterConfig('c', {
      bgpInstances: [
        {
          name: 'i',
          localASN: 1,
          peers: [{ name: 'gw', peerAddress: '192.0.2.9', autoDiscovery: { mode: 'DefaultGateway', defaultGateway: { addressFamily: 'ipv4' } } }],
        },
      ],
    });
    const peer = desiredState(worldFromObjects([w1, cluster]), 'w1').instances[0]?.peers[0];
    expect(peer?.peerAddress).toBe('192.0.2.9');
    expect(peer && 'autoDiscovery' in peer).toBe(false);
  });

  it('a peer with neither peerAddress nor autoDiscovery is skipped and reported (INST-4, COND-5)', () => {
    const cluster = clusterConfig('c', { bgpInstances: [{ name: 'i', localASN: 1, peers: [{ name: 'nowhere' }] }] });
    const world = worldFromObjects([w1, cluster]);
    expect(desiredState(world, 'w1').instances[0]?.peers).toEqual([]);
    expect(planNode(world, 'w1').problems).toEqual(['i: peer nowhere: neither peerAddress nor autoDiscovery; peer skipped']);
  });

  it('a peer without peerConfigRef gets every default, both families and no routes (INST-5, PEER-1)', () => {
    const peer = onlyPeer(desiredState(worldFromObjects([w1, simpleCluster('c', { peerConfig: null })]), 'w1'));
    expect(peer).toEqual({
      name: 'peer-1',
      peerAddress: '5.5.5.5',
      peerASN: 65000,
      localAddress: null,
      config: {
        peerPort: 179,
        holdTimeSeconds: 90,
        keepAliveTimeSeconds: 30,
        connectRetryTimeSeconds: 120,
        ebgpMultihop: 1,
        gracefulRestart: { enabled: false, restartTimeSeconds: 120 },
        authSecretRef: null,
        gtsm: false,
        maxPrefixes: null,
        nextHop: { ipv4: 'auto', ipv6: 'auto', nodeIPv4: '172.16.1.1', nodeIPv6: null },
      },
      families: [
        { afi: 'ipv4', safi: 'unicast', routes: [] },
        { afi: 'ipv6', safi: 'unicast', routes: [] },
      ],
    });
  });

  it('the PeerConfig settings reach the peer; authSecretRef is a reference into the secrets namespace', () => {
    const custom = peerConfig('peer-config', {
      transport: { peerPort: 1790 },
      timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3, connectRetryTimeSeconds: 5 },
      ebgpMultihop: 4,
      gracefulRestart: { enabled: true, restartTimeSeconds: 300 },
      authSecretRef: 'bgp-auth',
      families: [{ afi: 'ipv4', safi: 'unicast' }],
    });
    const peer = onlyPeer(desiredState(worldFromObjects([w1, simpleCluster('c'), custom], { bgpSecretsNamespace: 'bgp' }), 'w1'));
    expect(peer.config).toEqual({
      peerPort: 1790,
      holdTimeSeconds: 9,
      keepAliveTimeSeconds: 3,
      connectRetryTimeSeconds: 5,
      ebgpMultihop: 4,
      gracefulRestart: { enabled: true, restartTimeSeconds: 300 },
      authSecretRef: { namespace: 'bgp', name: 'bgp-auth' },
      gtsm: false,
      maxPrefixes: null,
      nextHop: { ipv4: 'auto', ipv6: 'auto', nodeIPv4: '172.16.1.1', nodeIPv6: null },
    });
    expect(peer.families.map((f) => f.afi)).toEqual(['ipv4']);
  });

  it('only ipv4/ipv6 unicast families are kept, once each, ipv4 first', () => {
    const fams = peerConfig('peer-config', {
      families: [
        { afi: 'ipv6', safi: 'unicast' },
        { afi: 'l2vpn', safi: 'evpn' },
        { afi: 'ipv4', safi: 'multicast' },
        { afi: 'ipv4', safi: 'unicast' },
        { afi: 'ipv6', safi: 'unicast' },
      ],
    });
    const peer = onlyPeer(desiredState(worldFromObjects([w1, simpleCluster('c'), fams]), 'w1'));
    expect(peer.families.map((f) => `${f.afi}/${f.safi}`)).toEqual(['ipv4/unicast', 'ipv6/unicast']);
  });

  it('changing a peer ASN changes the desired peer, so the session is replaced (PEER-4, cilium#33163)', () => {
    const before = onlyPeer(desiredState(worldFromObjects([w1, pc, simpleCluster('c', { peerASN: 65000 })]), 'w1'));
    const after = onlyPeer(desiredState(worldFromObjects([w1, pc, simpleCluster('c', { peerASN: 65100 })]), 'w1'));
    expect(before.peerASN).toBe(65000);
    expect(after.peerASN).toBe(65100);
    expect(after.name).toBe(before.name);
    expect(peerSessionKey('instance-1', after)).not.toBe(peerSessionKey('instance-1', before));
  });
});
