// Node facts as iproute2 prints them, and Cilium's rules over them (docs/cilium-semantics.md
// INST-4, ADV-7): the default gateway, the peer of an unnumbered link, the host routes of an
// Interface advertisement; and how a node's desired sessions resolve against them.

import { describe, expect, it } from 'vitest';
import type { DesiredInstance, DesiredPeer } from '../../../events/desired-state.ts';
import { advertisableInterfaceAddress, defaultGateway, interfaceHostRoutes, unnumberedPeer } from '../../../speaker/node/discovery.ts';
import { parseAddresses, parseLinks, parseNeighbours, parseRoutes, type NodeFacts } from '../../../speaker/node/ip-json.ts';
import { needsFacts, resolveNode } from '../../../speaker/node/resolve.ts';
import { parseIp } from '../../../events/ip.ts';
import { peerConfig } from '../../support/speaker.ts';

// Captured from iproute2 6.1 (`ip -json …`) in a test namespace, trimmed.
const LINKS = [
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], operstate: 'UNKNOWN' },
  { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], operstate: 'UP' },
  { ifindex: 3, ifname: 'eth1', flags: ['BROADCAST', 'MULTICAST', 'UP'], operstate: 'LOWERLAYERDOWN' },
  { ifindex: 4, ifname: 'vip0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], operstate: 'UNKNOWN' },
  { ifindex: 5, ifname: 'off0', flags: ['BROADCAST', 'MULTICAST'], operstate: 'DOWN' },
];
const ADDRS = [
  { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }, { family: 'inet6', local: '::1', prefixlen: 128 }] },
  { ifname: 'eth0', addr_info: [{ family: 'inet', local: '192.0.2.2', prefixlen: 24 }, { family: 'inet6', local: 'fe80::2', prefixlen: 64, scope: 'link' }] },
  {
    ifname: 'vip0',
    addr_info: [
      { family: 'inet', local: '198.51.100.7', prefixlen: 32 },
      { family: 'inet', local: '198.51.100.8', prefixlen: 24 },
      { family: 'inet', local: '169.254.1.1', prefixlen: 16 },
      { family: 'inet', local: '127.0.0.9', prefixlen: 32 },
      { family: 'inet6', local: '2001:db8::7', prefixlen: 64 },
      { family: 'inet6', local: '2001:db8::7', prefixlen: 128 },
      { family: 'inet6', local: 'fd00::7', prefixlen: 64 },
      { family: 'inet6', local: 'fe80::7', prefixlen: 64 },
      { family: 'inet6', local: '::ffff:198.51.100.9', prefixlen: 128 },
      { family: 'inet6', local: '2001:db8::8', prefixlen: 64, tentative: true },
    ],
  },
  { ifname: 'off0', addr_info: [{ family: 'inet', local: '203.0.113.1', prefixlen: 32 }] },
];
const ROUTES4 = [
  { dst: 'default', gateway: '192.0.2.9', dev: 'eth1', metric: 10, flags: [] },
  { dst: 'default', gateway: '192.0.2.1', dev: 'eth0', metric: 100, flags: [] },
  { dst: 'default', gateway: '192.0.2.3', dev: 'eth0', metric: 100, flags: [] },
  { dst: 'default', gateway: '169.254.0.1', dev: 'eth0', metric: 1, flags: [] },
];
const ROUTES6 = [
  { dst: 'default', gateway: 'fe80::1', dev: 'eth0', protocol: 'ra', metric: 1024, flags: [] },
  { dst: 'default', metric: 2048, nexthops: [{ gateway: '2001:db8::1', dev: 'eth0' }, { gateway: '2001:db8::3', dev: 'eth0' }], flags: [] },
];
const NEIGH = [
  { dst: 'fe80::1', dev: 'eth0', lladdr: '22:9f:c4:63:10:f5', state: ['REACHABLE'] },
  { dst: 'fe80::2', dev: 'eth0', state: ['PERMANENT'] },
  { dst: 'fe80::66', dev: 'eth0', state: ['FAILED'] },
  { dst: '2001:db8::1', dev: 'eth0', lladdr: '22:9f:c4:63:10:f5', router: null, state: ['STALE'] },
];

function facts(over: Partial<NodeFacts> = {}): NodeFacts {
  return {
    links: parseLinks(LINKS),
    addresses: parseAddresses(ADDRS),
    routes: [...parseRoutes(ROUTES4, 4), ...parseRoutes(ROUTES6, 6)],
    neighbours: parseNeighbours(NEIGH),
    ...over,
  };
}

describe('ip -json, read', () => {
  it('links: admin state from the UP flag, operational state as printed', () => {
    expect(parseLinks(LINKS).map((l) => [l.name, l.up, l.operState])).toEqual([
      ['lo', true, 'UNKNOWN'],
      ['eth0', true, 'UP'],
      ['eth1', true, 'LOWERLAYERDOWN'],
      ['vip0', true, 'UNKNOWN'],
      ['off0', false, 'DOWN'],
    ]);
  });

  it('a multipath route is one record per next hop, each with the route’s metric', () => {
    expect(parseRoutes(ROUTES6, 6).map((r) => [r.gateway, r.metric])).toEqual([
      ['fe80::1', 1024],
      ['2001:db8::1', 2048],
      ['2001:db8::3', 2048],
    ]);
  });

  it('the router flag is a key printed with a null value', () => {
    expect(parseNeighbours(NEIGH).map((n) => n.router)).toEqual([false, false, false, true]);
  });

  it('entries without the fields a record needs are left out, never an error', () => {
    expect(parseLinks([{ flags: ['UP'] }, 'x', null, { ifname: 'a' }])).toEqual([{ name: 'a', up: false, operState: 'UNKNOWN' }]);
    expect(parseAddresses({ not: 'a list' })).toEqual([]);
    expect(parseAddresses([{ ifname: 'a', addr_info: [{ family: 'inet', local: 'fe80::1', prefixlen: 64 }] }])).toEqual([]);
    expect(parseRoutes([{ dst: 'default', gateway: '192.0.2.1' }], 6)).toEqual([]);
    expect(parseNeighbours([{ dst: 'nope', dev: 'eth0' }])).toEqual([]);
  });
});

describe('DefaultGateway (INST-4)', () => {
  it('the lowest metric among default routes on a device that is up, the first listed on a tie, never link-local', () => {
    // 192.0.2.9 (metric 10) is on eth1, which is not operationally up; 169.254.0.1 is link-local.
    expect(defaultGateway(facts(), 'ipv4')).toEqual({ address: '192.0.2.1' });
    // fe80::1 (metric 1024, from a router advertisement) is link-local: the multipath route's first hop wins.
    expect(defaultGateway(facts(), 'ipv6')).toEqual({ address: '2001:db8::1' });
  });

  it('no qualifying route: a problem naming the family', () => {
    const none = facts({ routes: parseRoutes(ROUTES6.slice(0, 1), 6) });
    expect(defaultGateway(none, 'ipv4')).toEqual({ problem: 'no ipv4 default route with a gateway that is not link-local on a device that is up' });
    expect(defaultGateway(none, 'ipv6')).toEqual({ problem: 'no ipv6 default route with a gateway that is not link-local on a device that is up' });
  });
});

describe('Unnumbered (INST-4)', () => {
  it('the one router on the link: a router advertisement’s gateway, zoned with the interface', () => {
    expect(unnumberedPeer(facts(), 'eth0')).toEqual({ address: 'fe80::1%eth0' });
  });

  it('without routers, the one link-local neighbour that is neither ours nor FAILED', () => {
    expect(unnumberedPeer(facts({ routes: [] }), 'eth0')).toEqual({ address: 'fe80::1%eth0' });
  });

  it('two candidates: point-to-point only; none: not yet; an interface missing or down says so', () => {
    const two = facts({ routes: [], neighbours: parseNeighbours([...NEIGH, { dst: 'fe80::5', dev: 'eth0', state: ['STALE'] }]) });
    expect(unnumberedPeer(two, 'eth0')).toEqual({ problem: '2 link-local neighbours on eth0 (fe80::1, fe80::5): unnumbered peering is point-to-point' });
    expect(unnumberedPeer(facts({ routes: [], neighbours: [] }), 'eth0')).toEqual({ problem: 'no IPv6 link-local neighbour on eth0 yet' });
    expect(unnumberedPeer(facts(), 'eth9')).toEqual({ problem: 'interface eth9 not found' });
    expect(unnumberedPeer(facts(), 'off0')).toEqual({ problem: 'interface off0 is down' });
  });
});

describe('Interface routes (ADV-7)', () => {
  it('every usable address as a host route, by Cilium’s filter', () => {
    expect(interfaceHostRoutes(facts(), 'vip0', 'ipv4')).toEqual(['169.254.1.1/32', '198.51.100.7/32', '198.51.100.8/32']);
    // The same address with two masks is one route; ULA passes; link-local, IPv4-mapped and tentative do not.
    expect(interfaceHostRoutes(facts(), 'vip0', 'ipv6')).toEqual(['2001:db8::7/128', 'fd00::7/128']);
  });

  it('the filter itself', () => {
    const ok = (a: string) => advertisableInterfaceAddress(parseIp(a)!);
    expect(['10.0.0.1', '169.254.3.4', '100.64.0.1', '2001:db8::1', 'fd00::1'].map(ok)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '127.0.0.1', '224.0.0.5', '239.1.1.1', '255.255.255.255'].map(ok)).toEqual([false, false, false, false, false]);
    expect(['::', '::1', 'ff02::1', 'fe80::1', '::ffff:10.0.0.1'].map(ok)).toEqual([false, false, false, false, false]);
  });

  it('nothing from a device that is missing or down; loopback (unknown) counts as up', () => {
    expect(interfaceHostRoutes(facts(), 'off0', 'ipv4')).toEqual([]);
    expect(interfaceHostRoutes(facts(), 'eth1', 'ipv4')).toEqual([]);
    expect(interfaceHostRoutes(facts(), 'nope', 'ipv4')).toEqual([]);
    expect(interfaceHostRoutes(facts(), 'lo', 'ipv4')).toEqual([]);
    expect(interfaceHostRoutes(facts(), 'eth0', 'ipv4')).toEqual(['192.0.2.2/32']);
  });
});

describe('resolving a node’s sessions', () => {
  const config = peerConfig();
  const peer = (name: string, over: Partial<DesiredPeer>): DesiredPeer => ({
    name,
    peerAddress: null,
    peerASN: 65000,
    localAddress: null,
    config,
    families: [],
    ...over,
  });
  const instance = (peers: DesiredPeer[]): DesiredInstance => ({ name: 'i', localASN: 64512, routerID: '192.0.2.2', localPort: null, peers });
  const ifaceAdv = (localPreference: number | null, communities: string[]) => ({ interface: 'vip0', communities, largeCommunities: [], localPreference });

  it('auto-discovered peers get an address or a problem; fixed peers are not looked at', () => {
    const r = resolveNode(
      [
        instance([
          peer('gw', { autoDiscovery: { mode: 'DefaultGateway', addressFamily: 'ipv4' } }),
          peer('link', { autoDiscovery: { mode: 'Unnumbered', interface: 'eth9' } }),
          peer('fixed', { peerAddress: '192.0.2.50' }),
        ]),
      ],
      facts(),
    );
    expect([...r.peers]).toEqual([
      ['i\ngw', { address: '192.0.2.1' }],
      ['i\nlink', { problem: 'interface eth9 not found' }],
    ]);
  });

  it('Interface routes per slot, several entries for one interface merged (MERGE-1); facts not read: nothing found', () => {
    const families: DesiredPeer['families'] = [
      { afi: 'ipv4', safi: 'unicast', routes: [], interfaces: [ifaceAdv(100, ['65000:2']), ifaceAdv(300, ['65000:1'])] },
      { afi: 'ipv6', safi: 'unicast', routes: [] },
    ];
    const sessions = [instance([peer('tor', { peerAddress: '192.0.2.1', families })])];
    const r = resolveNode(sessions, facts());
    expect([...r.extras.keys()]).toEqual(['["i","tor","ipv4"]']);
    expect(r.extras.get('["i","tor","ipv4"]')?.get('198.51.100.7/32')).toEqual({
      prefix: '198.51.100.7/32',
      communities: ['65000:1', '65000:2'],
      largeCommunities: [],
      localPreference: 300,
      origin: 'igp',
    });
    expect(needsFacts(sessions)).toBe(true);
    expect(needsFacts([instance([peer('tor', { peerAddress: '192.0.2.1', families: [{ afi: 'ipv4', safi: 'unicast', routes: [] }] })])])).toBe(false);
    const unread = resolveNode([instance([peer('gw', { autoDiscovery: { mode: 'DefaultGateway', addressFamily: 'ipv4' } })]), ...sessions], null);
    expect(unread.extras.size).toBe(0);
    expect([...unread.peers.values()]).toEqual([{ problem: "the node's links and routes are not read (yet)" }]);
  });

  it('equal facts give equal texts; a moved gateway does not', () => {
    const s = [instance([peer('gw', { autoDiscovery: { mode: 'DefaultGateway', addressFamily: 'ipv4' } })])];
    expect(resolveNode(s, facts()).text).toBe(resolveNode(s, facts()).text);
    const moved = facts({ routes: parseRoutes([{ dst: 'default', gateway: '192.0.2.3', dev: 'eth0' }], 4) });
    expect(resolveNode(s, moved).text).not.toBe(resolveNode(s, facts()).text);
  });
});
