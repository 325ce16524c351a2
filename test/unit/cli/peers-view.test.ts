// Golden tests of `bgpcast peers`: the table of `cilium bgp peers` and its JSON, from fixed
// reports and a fixed clock (status-fixtures.ts).

import { describe, expect, it } from 'vitest';
import { goDuration, renderTable } from '../../../bin/views/go-format.ts';
import { peersJson, peersTable, unsentNotes } from '../../../bin/views/peers-view.ts';
import { NOW, peer, peersDocs } from './status-fixtures.ts';

describe('goDuration (Go Duration.Round(time.Second).String())', () => {
  it.each([
    [0, '0s'],
    [499, '0s'],
    [500, '1s'],
    [59_499, '59s'],
    [60_000, '1m0s'],
    [2_006_000, '33m26s'],
    [3_600_000, '1h0m0s'],
    [3_725_600, '1h2m6s'],
    [26 * 3_600_000 + 1000, '26h0m1s'],
    [-5, '0s'],
  ])('%i ms → %s', (ms, text) => expect(goDuration(ms)).toBe(text));
});

describe('renderTable (tabwriter, minwidth 5, padding 3)', () => {
  it('pads every column but the last, at least to the minimum width, and trims line ends', () => {
    expect(renderTable([['a', 'bb', 'c'], ['dddd', '', 'e f']])).toBe('a      bb   c\ndddd        e f\n');
  });
});

describe('peers table', () => {
  it('matches the golden text: nodes sorted, node name once, one line per family, 0 counts unless established', () => {
    expect(peersTable(peersDocs(), NOW)).toBe(
      [
        'Node      Local AS   Peer AS   Peer Address   Session State   Uptime   Family         Received   Advertised',
        'worker1   64000      65000     127.5.5.5      established     33m26s   ipv4/unicast   0          5',
        'worker2   64000      65000     127.5.5.5      established     1h2m6s   ipv4/unicast   0          5',
        '          64000      65001     127.6.6.6      active          0s       ipv4/unicast   0          0',
        '                                                                       ipv6/unicast   0          0',
        '',
      ].join('\n'),
    );
  });

  it('sorts by local AS before peer address', () => {
    const docs = new Map([
      ['n', { node: 'n', revision: 1, errors: [], peers: [peer({ localASN: 65010, peerAddress: '10.0.0.1' }), peer({ peerAddress: '10.0.0.9' })] }],
    ]);
    const lines = peersTable(docs, NOW).split('\n');
    expect(lines[1]).toContain('10.0.0.9');
    expect(lines[2]).toContain('10.0.0.1');
  });

  it('prints only the header when no node has peers', () => {
    expect(peersTable(new Map(), NOW)).toBe('Node   Local AS   Peer AS   Peer Address   Session State   Uptime   Family   Received   Advertised\n');
  });
});

describe('peers table, wide: the next hop of each family and why one is not sent', () => {
  const dual = () =>
    new Map([
      [
        'worker1',
        {
          node: 'worker1',
          revision: 3,
          errors: [],
          peers: [
            peer({
              families: [
                { afi: 'ipv4', safi: 'unicast', received: 0, advertised: 5, nextHop: '127.0.1.1' },
                { afi: 'ipv6', safi: 'unicast', received: 0, advertised: 0, unsent: 'no IPv6 next hop on an IPv4 session: extended next hop not negotiated (next-hop-ipv6: self)' },
              ],
            }),
          ],
        },
      ],
    ] as const);

  it('adds Next Hop and Not Sent to the table', () => {
    const lines = peersTable(new Map(dual()), NOW, true).split('\n');
    expect(lines[0]).toMatch(/Advertised\s+Next Hop\s+Not Sent$/);
    expect(lines[1]).toMatch(/ipv4\/unicast\s+0\s+5\s+127\.0\.1\.1$/);
    expect(lines[2]).toMatch(/ipv6\/unicast\s+0\s+0\s+no IPv6 next hop on an IPv4 session: extended next hop not negotiated \(next-hop-ipv6: self\)$/);
  });

  it('the summary table keeps Cilium\'s columns; an unsent family of an established session is a note', () => {
    expect(peersTable(new Map(dual()), NOW).split('\n')[0]).toMatch(/Advertised$/);
    expect(unsentNotes(new Map(dual()))).toEqual([
      'worker1: ipv6/unicast to 127.5.5.5 is not sent: no IPv6 next hop on an IPv4 session: extended next hop not negotiated (next-hop-ipv6: self)',
    ]);
    expect(unsentNotes(peersDocs())).toEqual([]);
  });

  it('JSON carries next-hop and unsent per family', () => {
    expect(peersJson(new Map(dual()), NOW)['worker1']![0]).toMatchObject({
      families: [
        { afi: 'ipv4', 'next-hop': '127.0.1.1' },
        { afi: 'ipv6', unsent: expect.stringContaining('extended next hop') },
      ],
    });
  });
});

describe('peers JSON', () => {
  it("maps node → peers in the shape of Cilium's BgpPeer model, plus bgpcast's fields", () => {
    const json = peersJson(peersDocs(), NOW);
    expect(Object.keys(json)).toEqual(['worker1', 'worker2']);
    expect(json['worker1']).toEqual([
      {
        'local-asn': 64000,
        'peer-asn': 65000,
        'peer-address': '127.5.5.5',
        'peer-port': 179,
        'session-state': 'established',
        'uptime-nanoseconds': 2_006_000_000_000,
        'applied-hold-time-seconds': 9,
        'applied-keep-alive-time-seconds': 3,
        'configured-hold-time-seconds': 9,
        'configured-keep-alive-time-seconds': 3,
        'connect-retry-time-seconds': 120,
        'ebgp-multihop-ttl': 5,
        'graceful-restart': { enabled: true, 'restart-time-seconds': 120 },
        'tcp-password-enabled': false,
        families: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 5 }],
        name: 'peer-65000-r1',
        instance: 'instance-64000',
        'router-id': '127.0.1.1',
        'local-address': '127.0.1.1',
        'remote-asn': 65000,
        'negotiated-families': ['ipv4/unicast'],
        'established-count': 1,
        'graceful-shutdown': false,
        'last-error': null,
      },
    ]);
    const down = json['worker2']![1] as Record<string, unknown>;
    expect(down).toMatchObject({
      'peer-asn': 65001,
      'session-state': 'active',
      'uptime-nanoseconds': 0,
      'applied-hold-time-seconds': 0,
      'remote-asn': null,
      'last-error': { code: 6, subcode: 2, name: 'Cease / Administrative Shutdown', direction: 'received', at: '2025-06-01T11:59:00.000Z' },
    });
  });
});
