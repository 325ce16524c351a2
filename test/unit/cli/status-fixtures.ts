// Fixed status documents and a fixed clock for the golden tests of `peers` and `routes`.

import type { PeerReport, PeersDocument, RouteReport, RoutesDocument } from '../../../events/speaker-status.ts';

export const NOW = Date.parse('2025-06-01T12:00:00.000Z');
/** An instant `s` seconds before NOW. */
export const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

export function peer(over: Partial<PeerReport> = {}): PeerReport {
  return {
    instance: 'instance-64000',
    localASN: 64000,
    routerID: '127.0.1.1',
    name: 'peer-65000-r1',
    peerAddress: '127.5.5.5',
    peerPort: 179,
    peerASN: 65000,
    remoteASN: 65000,
    localAddress: '127.0.1.1',
    state: 'established',
    establishedSince: ago(2006),
    establishedCount: 1,
    configured: {
      holdTimeSeconds: 9,
      keepAliveTimeSeconds: 3,
      connectRetryTimeSeconds: 120,
      ebgpMultihop: 5,
      gracefulRestart: { enabled: true, restartTimeSeconds: 120 },
      authSecretRef: null,
      passwordSet: false,
    },
    negotiated: {
      holdTimeSeconds: 9,
      keepAliveTimeSeconds: 3,
      families: ['ipv4/unicast'],
      fourOctetAs: true,
      extendedMessages: false,
      routeRefresh: true,
      peerGracefulRestart: { restartTime: 120, restarting: false, notification: false },
    },
    families: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 5 }],
    lastError: null,
    gracefulShutdown: false,
    ...over,
  };
}

export const peersDocs = (): Map<string, PeersDocument> =>
  new Map([
    [
      'worker2',
      {
        node: 'worker2',
        revision: 3,
        errors: [],
        peers: [
          peer({
            routerID: '127.0.2.1',
            localAddress: '127.0.2.1',
            peerAddress: '127.6.6.6',
            name: 'peer-65001-r2',
            peerASN: 65001,
            remoteASN: null,
            state: 'active',
            establishedSince: null,
            negotiated: null,
            families: [
              { afi: 'ipv4', safi: 'unicast', received: 0, advertised: 0 },
              { afi: 'ipv6', safi: 'unicast', received: 0, advertised: 0 },
            ],
            lastError: { code: 6, subcode: 2, name: 'Cease / Administrative Shutdown', direction: 'received', at: ago(60) },
          }),
          peer({ routerID: '127.0.2.1', localAddress: '127.0.2.1', establishedSince: ago(3600 + 125.6) }),
        ],
      },
    ],
    ['worker1', { node: 'worker1', revision: 3, errors: [], peers: [peer()] }],
  ]);

function route(prefix: string, since: number, over: Partial<RouteReport> = {}): RouteReport {
  return {
    afi: 'ipv4',
    safi: 'unicast',
    prefix,
    nextHop: '127.0.1.1',
    since: ago(since),
    attrs: { origin: 'igp', asPath: [64000], nextHop: '127.0.1.1' },
    ...over,
  };
}

export const routesDoc = (): RoutesDocument => ({
  node: 'worker1',
  revision: 3,
  instances: [
    {
      name: 'instance-64000',
      localASN: 64000,
      available: [
        route('192.168.1.0/24', 161, { nextHop: '0.0.0.0', attrs: { origin: 'igp', nextHop: '0.0.0.0' } }),
        route('10.100.67.164/32', 42, { nextHop: '0.0.0.0', attrs: { origin: 'igp', nextHop: '0.0.0.0' } }),
        route('fd00:10::/64', 161, { afi: 'ipv6', nextHop: '::', attrs: { origin: 'igp', mpNextHops: ['::'] } }),
      ],
      peers: [
        {
          name: 'peer-65000-r1',
          peerAddress: '127.5.5.5',
          advertised: [
            route('192.168.1.0/24', 161, { attrs: { origin: 'igp', asPath: [64000], nextHop: '127.0.1.1', communities: ['65000:99'] } }),
            route('10.100.67.164/32', 41.5),
            route('fd00:10::/64', 161, {
              afi: 'ipv6',
              nextHop: 'fd00::1',
              attrs: { origin: 'igp', asPath: [64000], mpNextHops: ['fd00::1'], largeCommunities: ['64000:1:2'] },
            }),
          ],
          received: [
            route('0.0.0.0/0', 3725, {
              nextHop: '127.5.5.5',
              attrs: { origin: 'incomplete', asPath: [65000, [65010, 65011]], nextHop: '127.5.5.5', med: 10, communities: ['65000:1', '65000:2'] },
            }),
          ],
        },
      ],
    },
  ],
});
