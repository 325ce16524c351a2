// The speaker's per-peer series as Cilium's agent labels them (vrouter = local AS, neighbor =
// "addr:port" as Go prints it, neighbor_asn), plus `node`; route counts equal to the `peers` table,
// message counters per direction and type, and flaps.

import { describe, expect, it } from 'vitest';
import type { DesiredInstance } from '../../../events/desired-state.ts';
import type { SessionStatus } from '../../../speaker/session/session-status.ts';
import { zeroCounts } from '../../../speaker/session/session-status.ts';
import { neighborLabel, peerSeries, type NodeSnapshot } from '../../../speaker/worker/peer-series.ts';
import { desiredPeer, sessionStatus } from './fixtures.ts';

const v4 = [{ afi: 'ipv4' as const, safi: 'unicast' as const, routes: [] }];
const both = [...v4, { afi: 'ipv6' as const, safi: 'unicast' as const, routes: [] }];

const instance: DesiredInstance = {
  name: 'instance-64000',
  localASN: 64000,
  routerID: '10.0.0.1',
  localPort: null,
  peers: [desiredPeer('tor', '10.0.0.254', { families: both }), desiredPeer('backup', '2001:DB8:0:0::1', { families: v4, peerPort: 1179 })],
};

const status = (over: Partial<SessionStatus>): SessionStatus =>
  sessionStatus({
    name: 'tor',
    peerAddress: '10.0.0.254',
    messages: { sent: { ...zeroCounts(), open: 1, update: 4, keepalive: 7 }, received: { ...zeroCounts(), open: 1, update: 2, keepalive: 6, notification: 1 } },
    octets: { sent: 1200, received: 300 },
    prefixes: { sent: { '1/1': 5, '2/1': 2 }, received: { '1/1': 3 } },
    establishedCount: 3,
    ...over,
  });

const node = (sessions: Map<string, SessionStatus>): NodeSnapshot => ({ node: 'worker1', revision: 4, instances: [{ instance, sessions, passwordSet: new Set() }] });

describe('neighbor label', () => {
  it('is the address and port as Go netip.AddrPort prints them', () => {
    expect(neighborLabel('192.0.2.1', 179)).toBe('192.0.2.1:179');
    expect(neighborLabel('2001:DB8:0:0:0::1', 179)).toBe('[2001:db8::1]:179');
    expect(neighborLabel('fd00:10:0:1::1', 1179)).toBe('[fd00:10:0:1::1]:1179');
    expect(neighborLabel('::ffff:192.0.2.1', 179)).toBe('[::ffff:192.0.2.1]:179');
  });

  it('keeps an address it cannot read as written', () => {
    expect(neighborLabel('router.example', 179)).toBe('router.example:179');
  });
});

describe('peer series', () => {
  const labels = { vrouter: '64000', neighbor: '10.0.0.254:179', neighbor_asn: '65000', node: 'worker1' };
  const backup = { vrouter: '64000', neighbor: '[2001:db8::1]:1179', neighbor_asn: '65000', node: 'worker1' };

  it('an established session: state 1, the routes of each configured family, counters per direction and type', () => {
    const s = peerSeries([node(new Map([['tor', status({})]]))]);
    expect(s.sessionState).toEqual([
      { labels, value: 1 },
      { labels: backup, value: 0 },
    ]);
    expect(s.advertisedRoutes).toEqual([
      { labels: { ...labels, afi: 'ipv4', safi: 'unicast' }, value: 5 },
      { labels: { ...labels, afi: 'ipv6', safi: 'unicast' }, value: 2 },
      { labels: { ...backup, afi: 'ipv4', safi: 'unicast' }, value: 0 },
    ]);
    expect(s.receivedRoutes.map((x) => x.value)).toEqual([3, 0, 0]);
    const peerLabels = { node: 'worker1', vrouter: '64000', neighbor: '10.0.0.254:179' };
    expect(s.messages).toHaveLength(10);
    expect(s.messages).toContainEqual({ labels: { ...peerLabels, direction: 'received', type: 'notification' }, value: 1 });
    expect(s.messages).toContainEqual({ labels: { ...peerLabels, direction: 'sent', type: 'update' }, value: 4 });
    expect(s.messages).toContainEqual({ labels: { ...peerLabels, direction: 'sent', type: 'route-refresh' }, value: 0 });
    expect(s.messageBytes).toEqual([
      { labels: { ...peerLabels, direction: 'sent' }, value: 1200 },
      { labels: { ...peerLabels, direction: 'received' }, value: 300 },
    ]);
    // Reached Established three times and still there: two periods ended.
    expect(s.flaps).toEqual([{ labels: peerLabels, value: 2 }]);
  });

  it('a session that is not established: state 0 and no routes, as the peers table; its ended periods all count as flaps', () => {
    const s = peerSeries([node(new Map([['tor', status({ state: 'Active' })]]))]);
    expect(s.sessionState[0]).toEqual({ labels, value: 0 });
    expect(s.advertisedRoutes.map((x) => x.value)).toEqual([0, 0, 0]);
    expect(s.receivedRoutes.map((x) => x.value)).toEqual([0, 0, 0]);
    expect(s.flaps[0]!.value).toBe(3);
  });

  it('a node without instances has no peer series', () => {
    const s = peerSeries([{ node: 'control-plane', revision: 1, instances: [] }]);
    expect(Object.values(s).every((x) => x.length === 0)).toBe(true);
  });
});
