// Desired peers and session snapshots as the speaker worker's tests build them: sensible defaults,
// each test names only what it is about.

import type { DesiredPeer } from '../../../events/desired-state.ts';
import type { SessionStatus } from '../../../speaker/session/session-status.ts';
import { zeroCounts } from '../../../speaker/session/session-status.ts';
import { peerConfig } from '../../support/speaker.ts';

/** A desired peer: eBGP to AS 65000 on port 179, ipv4/unicast without routes, unless told. */
export function desiredPeer(name: string, peerAddress: string, over: { peerPort?: number; families?: DesiredPeer['families'] } = {}): DesiredPeer {
  return {
    name,
    peerAddress,
    peerASN: 65000,
    localAddress: null,
    config: peerConfig({ peerPort: over.peerPort ?? 179, holdTimeSeconds: 9, keepAliveTimeSeconds: 3 }),
    families: over.families ?? [{ afi: 'ipv4', safi: 'unicast', routes: [] }],
  };
}

/** An established session of node 127.0.1.1 (AS 64000) with r1 at 127.5.5.5 (AS 65000). */
export function sessionStatus(over: Partial<SessionStatus>): SessionStatus {
  return {
    name: 'r1',
    peerAddress: '127.5.5.5',
    peerPort: 179,
    peerAsn: 65000,
    localAsn: 64000,
    state: 'Established',
    uptimeMs: 1000,
    establishedSince: '2025-06-01T11:00:00.000Z',
    localAddress: '127.0.1.1',
    localPort: 40000,
    remotePort: 179,
    peerRouterId: '127.5.5.5',
    negotiated: {
      holdTimeS: 9,
      keepaliveS: 3,
      fourOctetAs: true,
      extendedMessages: false,
      routeRefresh: true,
      enhancedRouteRefresh: false,
      peerGracefulRestart: null,
      families: ['1/1'],
    },
    capabilities: { sent: [], received: [] },
    messages: { sent: zeroCounts(), received: zeroCounts() },
    octets: { sent: 0, received: 0 },
    prefixes: { sent: { '1/1': 2 }, received: { '1/1': 1 } },
    unsent: {},
    nextHops: { '1/1': '127.0.1.1' },
    lastError: null,
    establishedCount: 1,
    gracefulShutdown: false,
    ...over,
  };
}
