// What a connection to a BMP station carries, from the wire tap (speaker/bmp/stream.ts): a Peer Up
// per Established session, their Adj-RIB-Out as post-policy Adj-RIB-Out Route Monitoring with
// End-of-RIB per family (RFC 7854 §3.3, RFC 8671), then the events after the snapshot, each once.

import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../../../speaker/bmp/decode.ts';
import type { BmpMessage } from '../../../speaker/bmp/decode.ts';
import { peerDownOf } from '../../../speaker/bmp/from-wire.ts';
import { BmpStream } from '../../../speaker/bmp/stream.ts';
import { decodeMessage, encodeMessage } from '../../../speaker/codec/message.ts';
import type { UpdateMessage } from '../../../speaker/codec/types.ts';
import type { Negotiated } from '../../../speaker/codec/negotiate.ts';
import { updateRoutes } from '../../../speaker/tap/update-routes.ts';
import type { DownCause, SessionDownEvent, SessionUpEvent } from '../../../speaker/tap/wire-events.ts';
import { negotiatedContext, route } from '../../support/speaker.ts';
import { manualTaps, ourOpen, tappedSender, theirOpen } from '../../support/tapped-sender.ts';

const theirs = theirOpen('192.0.2.1');

/** Two sessions (peers a and b at 192.0.2.1 and .2) on one wire tap, their tables sent. */
function lab(ctx: Negotiated = negotiatedContext([1, 2])) {
  const m = manualTaps({ listen: true, now: () => 1_700_000_000_000 });
  const sessions = ['a', 'b'].map((name, i) => {
    const s = tappedSender(m.taps, { ctx, name, host: i + 1, localPort: 40000 + i, node: 'worker1', instance: 'default', send: () => true });
    s.sender.initial(new Map([['1/1', [route(`10.${i}.0.0/24`, { communities: ['65001:7'] }), route(`10.${i}.1.0/24`)]], ['2/1', [route('2001:db8:1::/48')]]]), false);
    return { wire: s.wire!, sender: s.sender };
  });
  return { taps: m.taps, sessions, events: m.events, deliver: m.deliver };
}

function drain(stream: BmpStream): BmpMessage[] {
  const out: BmpMessage[] = [];
  for (let m = stream.nextDumped(); m !== null; m = stream.nextDumped()) out.push(decodeBmp(m));
  return out;
}

describe('the dump a BMP connection starts with', () => {
  it('a Peer Up per session, then each one\'s Adj-RIB-Out with End-of-RIB per family, as post-policy Adj-RIB-Out', () => {
    const l = lab();
    const stream = new BmpStream(l.taps.established());
    const dump = drain(stream);
    // Per session: two IPv4 UPDATEs (two attribute sets), one IPv6, End-of-RIB for each family.
    expect(dump.map((m) => m.type)).toEqual(['peer-up', 'peer-up', ...Array(5 * 2).fill('route-monitoring')]);
    const up = dump[0] as Extract<BmpMessage, { type: 'peer-up' }>;
    expect(up).toMatchObject({
      peer: { peerAddress: '192.0.2.1', peerAsn: 65000, peerBgpId: '192.0.2.1', adjRibOut: true, postPolicy: true, twoOctetAsPath: false, timestampUs: 1_700_000_000_000_000 },
      localAddress: '10.0.0.1',
      localPort: 40000,
      remotePort: 179,
      information: [{ type: 0, value: 'node worker1, instance default, peer a' }],
    });
    expect(decodeMessage(up.sentOpen, negotiatedContext())).toEqual(ourOpen);
    expect(decodeMessage(up.receivedOpen, negotiatedContext())).toMatchObject({ asn: 65000, bgpId: '192.0.2.1' });
    // Session a's table: its UPDATEs then End-of-RIB for IPv4 and IPv6; the routes are the Adj-RIB-Out's.
    const a = dump.slice(2, 7) as Extract<BmpMessage, { type: 'route-monitoring' }>[];
    expect(a.every((m) => m.peer.peerAddress === '192.0.2.1' && m.peer.adjRibOut && m.peer.postPolicy && m.peer.timestampUs === 0)).toBe(true);
    const routes = a.map((m) => updateRoutes(decodeMessage(m.update, negotiatedContext([1, 2])) as UpdateMessage));
    const announced = routes.flatMap((r) => [...r.announced.values()].flat().map((n) => n.prefix)).sort();
    expect(announced).toEqual([...l.sessions[0]!.sender.rib.table('1/1').keys(), ...l.sessions[0]!.sender.rib.table('2/1').keys()].sort());
    expect(a.slice(-2).map((m) => m.update.length)).toEqual([23, 29]); // End-of-RIB: IPv4 (empty UPDATE), IPv6 (empty MP_UNREACH_NLRI)
    expect(stream.nextDumped()).toBeNull();
  });

  it('a session without 4-octet AS is monitored with the A flag (its UPDATEs carry 2-octet AS_PATHs)', () => {
    const l = lab({ ...negotiatedContext([1]), fourOctetAs: false });
    const dump = drain(new BmpStream(l.taps.established()));
    expect(dump.filter((m) => m.type === 'route-monitoring').every((m) => (m as { peer: { twoOctetAsPath: boolean } }).peer.twoOctetAsPath)).toBe(true);
  });
});

describe('the events after the snapshot', () => {
  it('skips what the snapshot holds, then sends each event once: Route Monitoring, Peer Down, a new Peer Up', () => {
    const l = lab();
    l.sessions[0]!.sender.update('1/1', [route('10.9.0.0/24')], []); // before the snapshot
    const stream = new BmpStream(l.taps.established());
    l.sessions[0]!.sender.update('1/1', [], ['10.9.0.0/24']); // after it
    l.sessions[1]!.wire.down({ by: 'remote', reason: 'connection-closed' }, null);
    l.deliver();
    const live = l.events.map((e) => (e.kind === 'gap' ? null : stream.live(e))).filter((m) => m !== null).map((m) => decodeBmp(m!));
    expect(live.map((m) => m.type)).toEqual(['route-monitoring', 'peer-down']);
    const withdrawal = live[0] as Extract<BmpMessage, { type: 'route-monitoring' }>;
    expect(decodeMessage(withdrawal.update, negotiatedContext())).toMatchObject({ withdrawn: [{ prefix: '10.9.0.0/24' }] });
    expect(withdrawal.peer.timestampUs).toBe(1_700_000_000_000_000);
    expect(live[1]).toMatchObject({ reason: 4, peer: { peerAddress: '192.0.2.2' } });
    expect(stream.peers).toBe(1);
    // The session that went down is not reported on any more.
    l.sessions[1]!.sender.update('1/1', [route('10.8.0.0/24')], []);
    l.deliver();
    expect(l.events.slice(-1).map((e) => (e.kind === 'gap' ? null : stream.live(e)))).toEqual([null]);
  });

  it('a session Established after the snapshot: its Peer Up, then its UPDATEs', () => {
    const l = lab();
    const stream = new BmpStream({ seq: 0, sessions: [] });
    l.deliver();
    const live = l.events.map((e) => (e.kind === 'gap' ? null : stream.live(e))).filter((m) => m !== null).map((m) => decodeBmp(m!).type);
    expect(live.slice(0, 2)).toEqual(['peer-up', 'route-monitoring']);
    expect(live.filter((t) => t === 'peer-up')).toHaveLength(2);
  });
});

describe('Peer Down reason (RFC 7854 §4.9)', () => {
  const up = { kind: 'up', remote: { address: '192.0.2.1', port: 179 }, receivedOpen: { message: theirs }, negotiated: negotiatedContext() } as unknown as SessionUpEvent;
  const notification = (direction: 'sent' | 'received', code: number, subcode: number) => {
    const message = { type: 'notification' as const, code, subcode, data: new Uint8Array() };
    return { direction, message, bytes: encodeMessage(message, negotiatedContext()) };
  };
  const down = (cause: DownCause, n: SessionDownEvent['notification']) => ({ kind: 'down', at: 0, cause, notification: n }) as unknown as SessionDownEvent;
  it.each([
    ['our NOTIFICATION (hold timer) → 1 with it', down({ by: 'local', reason: 'hold-timer-expired' }, notification('sent', 4, 0)), { reason: 1 }],
    ['a stop with Cease → 1 with it', down({ by: 'local', reason: 'stopped' }, notification('sent', 6, 2)), { reason: 1 }],
    ['closed by us without one (graceful restart) → 2, FSM event 0', down({ by: 'local', reason: 'restarting' }, null), { reason: 2, fsmEvent: 0 }],
    ["the peer's NOTIFICATION → 3 with it", down({ by: 'remote', reason: 'notification' }, notification('received', 6, 2)), { reason: 3 }],
    ['the connection closed under us → 4', down({ by: 'remote', reason: 'connection-closed' }, null), { reason: 4 }],
    ['the peer de-configured → 5 (nothing more will be reported on it)', down({ by: 'local', reason: 'de-configured' }, notification('sent', 6, 3)), { reason: 5 }],
  ])('%s', (_what, d, expected) => {
    const out = peerDownOf(up, d);
    expect(out).toMatchObject(expected);
    if ('notification' in out) expect(out.notification).toBe(d.notification!.bytes);
  });
});
