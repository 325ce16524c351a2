// A speaker's report of one peer (events/speaker-status.ts PeerReport), as test input: the status
// writer reads these from Redis. Every field a speaker writes, with the values of a peer that is
// configured but not up; a test names what it cares about.
import type { PeerReport } from '../../events/speaker-status.ts';

export function peerReport(over: Partial<PeerReport> = {}): PeerReport {
  return {
    instance: 'i1',
    localASN: 64512,
    routerID: '1.1.1.1',
    name: 'tor-a',
    peerAddress: '10.0.0.1',
    peerPort: 179,
    peerASN: 65000,
    remoteASN: null,
    localAddress: null,
    state: 'active',
    establishedSince: null,
    establishedCount: 0,
    configured: {
      holdTimeSeconds: 90,
      keepAliveTimeSeconds: 30,
      connectRetryTimeSeconds: 120,
      ebgpMultihop: 1,
      gracefulRestart: { enabled: false, restartTimeSeconds: 120 },
      authSecretRef: null,
      passwordSet: false,
    },
    negotiated: null,
    families: [
      { afi: 'ipv4', safi: 'unicast', received: 0, advertised: 0 },
      { afi: 'ipv6', safi: 'unicast', received: 0, advertised: 0 },
    ],
    lastError: null,
    gracefulShutdown: false,
    ...over,
  };
}
