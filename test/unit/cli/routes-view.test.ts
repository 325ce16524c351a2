// Golden tests of `bgpcast routes`: the tables of `cilium bgp routes` (available, advertised) and
// bgpcast's received view, their JSON, and the argument rules, from fixed reports and a fixed clock.

import { describe, expect, it } from 'vitest';
import { parseRoutesArgs } from '../../../bin/commands/routes.ts';
import { attrsText } from '../../../bin/views/route-attrs.ts';
import { routesJson, routesTable, selectRoutes } from '../../../bin/views/routes-view.ts';
import { NOW, routesDoc } from './status-fixtures.ts';

const docs = () => new Map([['worker1', routesDoc()]]);

describe('routes tables', () => {
  it('available ipv4: the local RIB, next hop 0.0.0.0, no Peer column, sorted by prefix', () => {
    expect(routesTable(docs(), { table: 'available', afi: 'ipv4', safi: 'unicast' }, NOW)).toBe(
      [
        'Node      VRouter   Prefix             NextHop   Age     Attrs',
        'worker1   64000     10.100.67.164/32   0.0.0.0   42s     [{Origin: i} {Nexthop: 0.0.0.0}]',
        '          64000     192.168.1.0/24     0.0.0.0   2m41s   [{Origin: i} {Nexthop: 0.0.0.0}]',
        '',
      ].join('\n'),
    );
  });

  it('available ipv6: the MP_REACH form with next hop ::', () => {
    expect(routesTable(docs(), { table: 'available', afi: 'ipv6', safi: 'unicast' }, NOW)).toBe(
      [
        'Node      VRouter   Prefix         NextHop   Age     Attrs',
        'worker1   64000     fd00:10::/64   ::        2m41s   [{Origin: i} {MpReach(ipv6-unicast): {Nexthop: ::, NLRIs: [fd00:10::/64]}}]',
        '',
      ].join('\n'),
    );
  });

  it('advertised ipv4: per peer, the attributes that went on the wire', () => {
    expect(routesTable(docs(), { table: 'advertised', afi: 'ipv4', safi: 'unicast' }, NOW)).toBe(
      [
        'Node      VRouter   Peer        Prefix             NextHop     Age     Attrs',
        'worker1   64000     127.5.5.5   10.100.67.164/32   127.0.1.1   42s     [{Origin: i} {AsPath: 64000} {Nexthop: 127.0.1.1}]',
        '          64000     127.5.5.5   192.168.1.0/24     127.0.1.1   2m41s   [{Origin: i} {AsPath: 64000} {Nexthop: 127.0.1.1} {Communities: 65000:99}]',
        '',
      ].join('\n'),
    );
  });

  it('advertised ipv6 with a large community', () => {
    expect(routesTable(docs(), { table: 'advertised', afi: 'ipv6', safi: 'unicast' }, NOW)).toBe(
      [
        'Node      VRouter   Peer        Prefix         NextHop   Age     Attrs',
        'worker1   64000     127.5.5.5   fd00:10::/64   fd00::1   2m41s   ' +
          '[{Origin: i} {AsPath: 64000} {MpReach(ipv6-unicast): {Nexthop: fd00::1, NLRIs: [fd00:10::/64]}} {LargeCommunity: [ 64000:1:2]}]',
        '',
      ].join('\n'),
    );
  });

  it('received: AS sets, MED and several communities as GoBGP prints them', () => {
    expect(routesTable(docs(), { table: 'received', afi: 'ipv4', safi: 'unicast' }, NOW)).toBe(
      [
        'Node      VRouter   Peer        Prefix      NextHop     Age      Attrs',
        'worker1   64000     127.5.5.5   0.0.0.0/0   127.5.5.5   1h2m5s   ' +
          '[{Origin: ?} {AsPath: 65000 {65010,65011}} {Nexthop: 127.5.5.5} {Med: 10} {Communities: 65000:1, 65000:2}]',
        '',
      ].join('\n'),
    );
  });

  it('filters by peer address and by VRouter', () => {
    expect(selectRoutes(routesDoc(), { table: 'advertised', afi: 'ipv4', safi: 'unicast', peer: '127.9.9.9' })).toEqual([]);
    expect(selectRoutes(routesDoc(), { table: 'advertised', afi: 'ipv4', safi: 'unicast', peer: '127.5.5.5' })).toHaveLength(2);
    expect(selectRoutes(routesDoc(), { table: 'available', afi: 'ipv4', safi: 'unicast', vrouter: 65000 })).toEqual([]);
  });

  it('an empty AS path (iBGP) and LOCAL_PREF', () => {
    expect(attrsText({ afi: 'ipv4', safi: 'unicast', prefix: '10.0.0.0/8', attrs: { origin: 'igp', asPath: [], nextHop: '10.0.0.1', localPref: 99 } })).toBe(
      '[{Origin: i} {AsPath: } {Nexthop: 10.0.0.1} {LocalPref: 99}]',
    );
  });
});

describe('routes JSON', () => {
  it("maps node → routes in the shape of Cilium's BgpRoute model with readable attributes", () => {
    expect(routesJson(docs(), { table: 'advertised', afi: 'ipv4', safi: 'unicast' }, NOW)).toEqual({
      worker1: [
        {
          'router-asn': 64000,
          neighbor: '127.5.5.5',
          prefix: '10.100.67.164/32',
          paths: [
            {
              family: { afi: 'ipv4', safi: 'unicast' },
              nlri: '10.100.67.164/32',
              'next-hop': '127.0.1.1',
              'age-nanoseconds': 41_500_000_000,
              since: '2025-06-01T11:59:18.500Z',
              'path-attributes': { origin: 'igp', asPath: [64000], nextHop: '127.0.1.1' },
              attrs: '[{Origin: i} {AsPath: 64000} {Nexthop: 127.0.1.1}]',
            },
          ],
        },
        {
          'router-asn': 64000,
          neighbor: '127.5.5.5',
          prefix: '192.168.1.0/24',
          paths: [
            {
              family: { afi: 'ipv4', safi: 'unicast' },
              nlri: '192.168.1.0/24',
              'next-hop': '127.0.1.1',
              'age-nanoseconds': 161_000_000_000,
              since: '2025-06-01T11:57:19.000Z',
              'path-attributes': { origin: 'igp', asPath: [64000], nextHop: '127.0.1.1', communities: ['65000:99'] },
              attrs: '[{Origin: i} {AsPath: 64000} {Nexthop: 127.0.1.1} {Communities: 65000:99}]',
            },
          ],
        },
      ],
    });
  });
});

describe('routes arguments', () => {
  it('default to available ipv4 unicast, with the note cilium-cli prints', () => {
    expect(parseRoutesArgs([], {})).toEqual({
      query: { table: 'available', afi: 'ipv4', safi: 'unicast' },
      note: '(Defaulting to `available ipv4 unicast` routes, please see help for more options)',
    });
    expect(parseRoutesArgs(['advertised'], {}).note).toContain('`ipv4 unicast` AFI & SAFI');
    expect(parseRoutesArgs(['advertised', 'ipv6'], { peer: '127.5.5.5' })).toEqual({
      query: { table: 'advertised', afi: 'ipv6', safi: 'unicast', peer: '127.5.5.5' },
      note: '(Defaulting to `unicast` SAFI, please see help for more options)',
    });
    expect(parseRoutesArgs(['received', 'ipv4', 'unicast'], { vrouter: '64000' }).query).toEqual({
      table: 'received',
      afi: 'ipv4',
      safi: 'unicast',
      vrouter: 64000,
    });
  });

  it.each([
    [['best'], {}],
    [['available', 'l2vpn'], {}],
    [['available', 'ipv4', 'multicast'], {}],
    [['advertised', 'ipv4', 'unicast', 'extra'], {}],
    [['advertised'], { peer: 'router1' }],
    [['advertised'], { peer: '127.005.5.5' }], // leading zeros: octal in some stacks
    [['available'], { peer: '127.5.5.5' }],
    [['available'], { vrouter: 'sixty' }],
  ])('rejects %j %j with a usage error', (args, opts) => {
    expect(() => parseRoutesArgs(args, opts)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
