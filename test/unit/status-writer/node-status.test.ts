// A NodeConfig's status from its speaker's report, as Cilium's agent writes it, and the
// cilium.io/BGPReconcileError condition.
import { describe, expect, it } from 'vitest';
import type { PeerReport, PeersDocument } from '../../../events/speaker-status.ts';
import { peerReport } from '../../support/speaker-report.ts';
import { instanceStatuses, reconcileErrorCondition, type SpeakerReport } from '../../../functions/status-writer/node-status.ts';
import type { NodeConfigSpec } from '../../../functions/status-writer/node-config-spec.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');

const spec: NodeConfigSpec = {
  bgpInstances: [
    {
      name: 'i1',
      localASN: 64512,
      peers: [
        { name: 'tor-a', peerAddress: '10.0.0.1', peerASN: 65000 },
        { name: 'tor-b', peerAddress: '10.0.0.2', peerASN: 0 },
        { name: 'auto', peerASN: 65000, autoDiscovery: { mode: 'DefaultGateway', defaultGateway: { addressFamily: 'ipv4' } } },
        { name: 'not-running', peerAddress: '10.0.0.3', peerASN: 65003 },
      ],
    },
    { name: 'i2', localASN: 64513, localPort: 1790 },
  ],
};

const peer = peerReport;

const established = peer({
  state: 'established',
  remoteASN: 65000,
  establishedSince: '2025-03-01T11:58:20.123+01:00',
  negotiated: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3, families: ['ipv4/unicast'], fourOctetAs: true, extendedMessages: false, routeRefresh: true, peerGracefulRestart: null },
  families: [
    { afi: 'ipv4', safi: 'unicast', received: 2, advertised: 7 },
    { afi: 'ipv6', safi: 'unicast', received: 0, advertised: 0 },
  ],
});

const report = (peers: PeerReport[], errors: PeersDocument['errors'] = [], over: Partial<SpeakerReport> = {}): SpeakerReport => ({
  peers: { node: 'w1', revision: 3, peers, errors },
  updatedAt: new Date(NOW - 2_000).toISOString(),
  heartbeatMs: 5_000,
  stoppedAt: null,
  readAtMs: NOW,
  ...over,
});

describe('status.bgpInstances', () => {
  it('an established peer: Cilium\'s state, established time in UTC whole seconds, applied timers, route counts per family', () => {
    const [i1] = instanceStatuses(spec, report([established, peer({ name: 'tor-b', peerAddress: '10.0.0.2', peerASN: 0, state: 'opensent' })]));
    expect(i1!.peers![0]).toEqual({
      name: 'tor-a',
      peerAddress: '10.0.0.1',
      peerASN: 65000,
      peeringState: 'established',
      establishedTime: '2025-03-01T10:58:20Z',
      timers: { appliedHoldTimeSeconds: 9, appliedKeepaliveSeconds: 3 },
      routeCount: [
        { afi: 'ipv4', safi: 'unicast', received: 2, advertised: 7 },
        { afi: 'ipv6', safi: 'unicast', received: 0, advertised: 0 },
      ],
    });
    expect(i1!.peers![1]).toMatchObject({ name: 'tor-b', peeringState: 'open_sent', peerASN: 0 });
    expect(i1!.peers![1]).not.toHaveProperty('establishedTime');
    expect(i1!.peers![1]).not.toHaveProperty('timers');
  });

  it('every session state in Cilium\'s spelling', () => {
    const states = ['idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'] as const;
    const got = states.map((state) => instanceStatuses(spec, report([peer({ state, establishedSince: state === 'established' ? new Date(NOW).toISOString() : null })]))[0]!.peers![0]!.peeringState);
    expect(got).toEqual(['idle', 'connect', 'active', 'open_sent', 'open_confirm', 'established']);
  });

  it('peerASN 0 configured: the AS the session learned', () => {
    const learned = peer({ name: 'tor-b', peerAddress: '10.0.0.2', peerASN: 0, remoteASN: 65009, state: 'established', establishedSince: new Date(NOW).toISOString() });
    expect(instanceStatuses(spec, report([learned]))[0]!.peers![1]).toMatchObject({ peerASN: 65009 });
  });

  it('peers without an address are left out; configured peers the speaker does not run carry name, address and AS only', () => {
    const [i1, i2] = instanceStatuses(spec, report([established]));
    expect(i1!.peers!.map((p) => p.name)).toEqual(['tor-a', 'tor-b', 'not-running']);
    expect(i1!.peers![2]).toEqual({ name: 'not-running', peerAddress: '10.0.0.3', peerASN: 65003 });
    expect(i2).toEqual({ name: 'i2', localASN: 64513 });
  });

  it('an instance the speaker could not run is not listed', () => {
    const statuses = instanceStatuses(spec, report([established], [{ instance: 'i2', error: 'listen 127.0.0.1:1790: address in use' }]));
    expect(statuses.map((s) => s.name)).toEqual(['i1']);
  });

  it('a speaker stale or stopped when its report was read: peeringState unknown, nothing from the session', () => {
    const stale = report([established], [], { updatedAt: new Date(NOW - 16_000).toISOString() });
    expect(instanceStatuses(spec, stale)[0]!.peers![0]).toEqual({ name: 'tor-a', peerAddress: '10.0.0.1', peerASN: 65000, peeringState: 'unknown' });
    const stopped = report([established], [], { stoppedAt: new Date(NOW).toISOString() });
    expect(instanceStatuses(spec, stopped)[0]!.peers![0]!.peeringState).toBe('unknown');
    const fresh = report([established], [], { updatedAt: new Date(NOW - 14_000).toISOString() });
    expect(instanceStatuses(spec, fresh)[0]!.peers![0]!.peeringState).toBe('established');
  });

  it('no report: no instances', () => {
    expect(instanceStatuses(spec, null)).toEqual([]);
  });
});

describe('cilium.io/BGPReconcileError', () => {
  it('False with an empty message when nobody reports an error', () => {
    expect(reconcileErrorCondition(null, report([established]))).toEqual({ type: 'cilium.io/BGPReconcileError', status: 'False', reason: 'BGPReconcileError', message: '' });
    expect(reconcileErrorCondition('', null).status).toBe('False');
  });

  it('True with "<instance>: <error>" lines from the functions and the speaker, sorted by instance', () => {
    const functions = 'zeta: missing ASN in desired config\nalpha: peer p: CiliumBGPPeerConfig "x" not found; peer skipped\n';
    const c = reconcileErrorCondition(functions, report([], [{ instance: 'beta', error: 'listen 127.0.0.1:1790: address in use' }]));
    expect(c.status).toBe('True');
    expect(c.message).toBe(
      'alpha: peer p: CiliumBGPPeerConfig "x" not found; peer skipped\nbeta: listen 127.0.0.1:1790: address in use\nzeta: missing ASN in desired config\n',
    );
  });

  it('the message stops before 32 KiB, at a line boundary', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `i${String(i).padStart(3, '0')}: ${'x'.repeat(100)}`).join('\n');
    const c = reconcileErrorCondition(lines, null);
    expect(Buffer.byteLength(c.message)).toBeLessThanOrEqual(32 * 1024);
    expect(c.message.endsWith('\n')).toBe(true);
    expect(c.message.split('\n').filter(Boolean).every((l) => l.length === 106)).toBe(true);
  });
});
