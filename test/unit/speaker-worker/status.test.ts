// The status documents the worker writes: peers from session snapshots (counts 0 unless
// established, cilium#39861; wall-clock error times), routes with ages that survive rebuilds
// while the path is unchanged, and how a reader judges a node's report.

import { describe, expect, it } from 'vitest';
import { DEFAULT_NEXT_HOP, type DesiredInstance } from '../../../events/desired-state.ts';
import { judgeNode, type RawNodeStatus } from '../../../bin/views/node-status.ts';
import type { SessionStatus } from '../../../speaker/session/session-status.ts';
import { zeroCounts } from '../../../speaker/session/session-status.ts';
import { sessionStatus } from './fixtures.ts';
import { buildPeersDocument, statusSignature } from '../../../speaker/worker/status-peers.ts';
import { buildRoutesDocument, RouteAges } from '../../../speaker/worker/status-routes.ts';
import type { RouteAttributes } from '../../../speaker/codec/update-plan.ts';

const route = (prefix: string, communities: string[] = []) => ({ prefix, communities, largeCommunities: [], localPreference: null, origin: 'igp' as const });

const instance: DesiredInstance = {
  name: 'i1',
  localASN: 64000,
  routerID: '127.0.1.1',
  localPort: null,
  peers: [
    {
      name: 'r1',
      peerAddress: '127.5.5.5',
      peerASN: 65000,
      localAddress: '127.0.1.1',
      config: {
        peerPort: 179,
        holdTimeSeconds: 9,
        keepAliveTimeSeconds: 3,
        connectRetryTimeSeconds: 120,
        ebgpMultihop: 5,
        gracefulRestart: { enabled: true, restartTimeSeconds: 120 },
        authSecretRef: { namespace: 'kube-system', name: 'auth' },
        gtsm: false,
        maxPrefixes: null,
        nextHop: DEFAULT_NEXT_HOP,
      },
      families: [{ afi: 'ipv4', safi: 'unicast', routes: [route('10.0.0.0/24', ['65000:99']), route('10.1.0.0/24')] }],
    },
  ],
};

const session = sessionStatus;

const clocks = { wallMs: Date.parse('2025-06-01T12:00:00.000Z'), monoMs: 50_000 };

describe('peers document', () => {
  it('reports an established session with its negotiated timers, families and counts', () => {
    const doc = buildPeersDocument('worker1', 7, [{ instance, sessions: new Map([['r1', session({})]]), passwordSet: new Set(['r1']) }], [], clocks);
    expect(doc).toMatchObject({ node: 'worker1', revision: 7, errors: [] });
    expect(doc.peers[0]).toMatchObject({
      state: 'established',
      establishedSince: '2025-06-01T11:00:00.000Z',
      remoteASN: 65000,
      negotiated: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3, families: ['ipv4/unicast'] },
      families: [{ afi: 'ipv4', safi: 'unicast', received: 1, advertised: 2, nextHop: '127.0.1.1' }],
      configured: { authSecretRef: { namespace: 'kube-system', name: 'auth' }, passwordSet: true, gtsm: false, maxPrefixes: null, nextHop: { ipv4: 'auto', ipv6: 'auto' } },
    });
  });

  it('a family configured but not sent says why; only a sent family names its next hop', () => {
    const s = session({ unsent: { '2/1': 'no IPv6 next hop on an IPv4 session: extended next hop not negotiated (next-hop-ipv6: self)' } });
    const dual = { ...instance, peers: [{ ...instance.peers[0]!, families: [...instance.peers[0]!.families, { afi: 'ipv6' as const, safi: 'unicast' as const, routes: [] }] }] };
    const doc = buildPeersDocument('worker1', 7, [{ instance: dual, sessions: new Map([['r1', s]]), passwordSet: new Set() }], [], clocks);
    expect(doc.peers[0]!.families).toEqual([
      { afi: 'ipv4', safi: 'unicast', received: 1, advertised: 2, nextHop: '127.0.1.1' },
      { afi: 'ipv6', safi: 'unicast', received: 0, advertised: 0, unsent: expect.stringContaining('extended next hop not negotiated') },
    ]);
  });

  it('counts 0 unless established, and dates the last error on the wall clock', () => {
    const s = session({ state: 'Active', lastError: { code: 6, subcode: 4, direction: 'received', at: 40_000 } });
    const doc = buildPeersDocument('worker1', 7, [{ instance, sessions: new Map([['r1', s]]), passwordSet: new Set() }], [], clocks);
    expect(doc.peers[0]).toMatchObject({
      state: 'active',
      establishedSince: null,
      remoteASN: null,
      negotiated: null,
      families: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 0 }],
      lastError: { code: 6, subcode: 4, name: 'Cease / Administrative Reset', direction: 'received', at: '2025-06-01T11:59:50.000Z' },
    });
  });

  it('a peer without a session yet is idle', () => {
    const doc = buildPeersDocument('worker1', 1, [{ instance, sessions: new Map(), passwordSet: new Set() }], [{ instance: 'i2', error: 'port taken' }], clocks);
    expect(doc.peers[0]!.state).toBe('idle');
    expect(doc.errors).toEqual([{ instance: 'i2', error: 'port taken' }]);
  });

  it('the signature moves with states and UPDATE counters', () => {
    const snap = (s: SessionStatus) => [{ instance, sessions: new Map([['r1', s]]), passwordSet: new Set<string>() }];
    const a = statusSignature(snap(session({})));
    const sent = { ...zeroCounts(), update: 1 };
    expect(statusSignature(snap(session({})))).toBe(a);
    expect(statusSignature(snap(session({ messages: { sent, received: zeroCounts() } })))).not.toBe(a);
    expect(statusSignature(snap(session({ state: 'Idle' })))).not.toBe(a);
  });
});

describe('routes document and ages', () => {
  const attrs = (nextHop: string, communities?: number[]): RouteAttributes => ({
    origin: 'igp',
    asPath: [{ type: 'sequence', asns: [64000] }],
    nextHop,
    ...(communities ? { communities } : {}),
  });

  it('keeps the age of an unchanged path, restarts it for a changed one, forgets withdrawn ones', () => {
    const ages = new RouteAges();
    const a1 = attrs('127.0.1.1', [65000 * 65536 + 99]);
    const a2 = attrs('127.0.1.1');
    const tables = (m: Map<string, RouteAttributes>) => [
      { instance, peers: [{ name: 'r1', peerAddress: '127.5.5.5', advertised: new Map([['1/1' as const, m]]), received: new Map() }] },
    ];
    const first = buildRoutesDocument('worker1', 1, tables(new Map([['10.0.0.0/24', a1], ['10.1.0.0/24', a2]])), ages, 1_000_000);
    const sent = first.instances[0]!.peers[0]!.advertised;
    expect(sent).toEqual([
      {
        afi: 'ipv4',
        safi: 'unicast',
        prefix: '10.0.0.0/24',
        nextHop: '127.0.1.1',
        since: new Date(1_000_000).toISOString(),
        attrs: { origin: 'igp', asPath: [64000], nextHop: '127.0.1.1', communities: ['65000:99'] },
      },
      { afi: 'ipv4', safi: 'unicast', prefix: '10.1.0.0/24', nextHop: '127.0.1.1', since: new Date(1_000_000).toISOString(), attrs: { origin: 'igp', asPath: [64000], nextHop: '127.0.1.1' } },
    ]);
    expect(first.instances[0]!.available.map((r) => [r.prefix, r.nextHop])).toEqual([
      ['10.0.0.0/24', '0.0.0.0'],
      ['10.1.0.0/24', '0.0.0.0'],
    ]);
    // Later: 10.0.0.0/24 unchanged, 10.1.0.0/24 with new attributes.
    const second = buildRoutesDocument('worker1', 2, tables(new Map([['10.0.0.0/24', a1], ['10.1.0.0/24', attrs('127.0.1.1', [1])]])), ages, 2_000_000);
    expect(second.instances[0]!.peers[0]!.advertised.map((r) => r.since)).toEqual([new Date(1_000_000).toISOString(), new Date(2_000_000).toISOString()]);
    // Withdrawn and announced again: a new path.
    buildRoutesDocument('worker1', 3, tables(new Map([['10.1.0.0/24', a2]])), ages, 3_000_000);
    const fourth = buildRoutesDocument('worker1', 4, tables(new Map([['10.0.0.0/24', a1]])), ages, 4_000_000);
    expect(fourth.instances[0]!.peers[0]!.advertised[0]!.since).toBe(new Date(4_000_000).toISOString());
  });
});

describe('judging a node report', () => {
  const now = Date.parse('2025-06-01T12:00:00.000Z');
  const raw = (over: Partial<RawNodeStatus>): RawNodeStatus => ({
    node: 'worker1',
    updatedAt: '2025-06-01T11:59:58.000Z',
    heartbeatMs: '5000',
    stoppedAt: null,
    stoppedHow: null,
    document: '{"x":1}',
    wantsSpeaker: true,
    ...over,
  });
  const parse = (t: string) => JSON.parse(t) as unknown;

  it('a fresh report is shown', () => {
    expect(judgeNode(raw({}), now, parse, false)).toEqual({ node: 'worker1', ok: true, document: { x: 1 } });
  });

  it('a heartbeat older than three intervals is stale', () => {
    const v = judgeNode(raw({ updatedAt: '2025-06-01T11:59:14.000Z' }), now, parse, false);
    expect(v).toEqual({ node: 'worker1', ok: false, problem: "node worker1: the speaker's report is stale (last heartbeat 46s ago, expected every 5s)" });
  });

  it('a speaker that stopped for a restart says so', () => {
    const v = judgeNode(raw({ stoppedAt: '2025-06-01T11:59:50.000Z', stoppedHow: 'restarting' }), now, parse, false);
    expect(v.ok).toBe(false);
    expect((v as { problem: string }).problem).toContain('stopped for a restart');
  });

  it('a node that needs a speaker and has none is named; one without BGP is skipped unless asked for', () => {
    expect((judgeNode(raw({ updatedAt: null }), now, parse, false) as { problem: string }).problem).toContain('no speaker has reported');
    expect(judgeNode(raw({ updatedAt: null, wantsSpeaker: false }), now, parse, false)).toEqual({ node: 'worker1', ok: 'skip' });
    expect((judgeNode(raw({ updatedAt: null, wantsSpeaker: null }), now, parse, true) as { problem: string }).problem).toBe(
      'node worker1: no desired state and no speaker',
    );
  });
});
