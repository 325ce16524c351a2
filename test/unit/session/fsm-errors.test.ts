// What the FSM tells the peer when a session ends: RFC 4271 §6 codes, RFC 6608 FSM Error
// subcodes, RFC 4486 Cease subcodes with the RFC 8203/9003 shutdown communication.

import { describe, expect, it } from 'vitest';
import { BgpError } from '../../../speaker/codec/errors.ts';
import type { OpenMessage } from '../../../speaker/codec/types.ts';
import { decodeErrorEvent, messageEvent, timerEvent } from '../../../speaker/session/events.ts';
import { createSession, step } from '../../../speaker/session/fsm.ts';
import type { FsmEvent } from '../../../speaker/session/fsm.ts';
import { config, emptyUpdate, inState, notification, notifications, peerOpen, run, sampleEvent, summarize } from './harness.ts';

describe('unexpected messages → Finite State Machine Error with the RFC 6608 subcode', () => {
  it.each([
    ['OpenSent', 'KeepAliveMsg', 1],
    ['OpenSent', 'UpdateMsg', 1],
    ['OpenSent', 'RouteRefreshMsg', 1],
    ['OpenConfirm', 'UpdateMsg', 2],
    ['OpenConfirm', 'BGPOpen', 2],
    ['OpenConfirm', 'RouteRefreshMsg', 2],
    ['Established', 'BGPOpen', 3],
    ['Established', 'BGPOpenMsgErr', 3],
  ] as const)('%s, %s → 5/%s, then the connection is dropped', (state, event, subcode) => {
    const r = step(inState(state), sampleEvent(event), 0);
    expect(notifications(r.actions)).toEqual([{ code: 5, subcode, data: new Uint8Array(0) }]);
    expect(summarize(r.actions)).toMatch(/^Notify 5\/\d, Drop/);
    expect(r.state).toMatchObject({ name: 'Idle', lastError: { code: 5, subcode, direction: 'sent' } });
  });
});

describe('ManualStop → Cease / Administrative Shutdown (RFC 4486), with the RFC 8203 communication', () => {
  it.each(['OpenSent', 'OpenConfirm', 'Established'] as const)('in %s sends 6/2 with no data by default', (state) => {
    const r = step(inState(state), { type: 'ManualStop' }, 0);
    expect(notifications(r.actions)).toEqual([{ code: 6, subcode: 2, data: new Uint8Array(0) }]);
    expect(r.state).toMatchObject({ name: 'Idle', adminUp: false, idleHold: false, connectRetryCounter: 0 });
  });

  it('carries the communication as Length + UTF-8', () => {
    const r = step(inState('Established'), { type: 'ManualStop', communication: 'maintenance — back at 10:00' }, 0);
    const text = new TextEncoder().encode('maintenance — back at 10:00');
    const data = notifications(r.actions)[0]!.data;
    expect(data[0]).toBe(text.length);
    expect(data.subarray(1)).toEqual(text);
    expect(r.actions).toContainEqual({ type: 'SessionDown', reason: { kind: 'manual-stop' } });
  });

  it('cuts a communication past 255 octets at a character boundary', () => {
    const r = step(inState('Established'), { type: 'ManualStop', communication: 'é'.repeat(200) }, 0);
    const data = notifications(r.actions)[0]!.data;
    expect(data[0]).toBe(254); // 127 two-octet characters; a 128th would not fit
    expect(new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(1))).toBe('é'.repeat(127));
  });

  it('takes another Cease subcode; the communication goes only with Shutdown (2) and Reset (4)', () => {
    const reset = step(inState('Established'), { type: 'ManualStop', subcode: 4, communication: 'config changed' }, 0);
    expect(notifications(reset.actions)[0]).toMatchObject({ code: 6, subcode: 4 });
    expect(notifications(reset.actions)[0]!.data.length).toBe(15);
    const deconfigured = step(inState('Established'), { type: 'ManualStop', subcode: 3, communication: 'bye' }, 0);
    expect(notifications(deconfigured.actions)).toEqual([{ code: 6, subcode: 3, data: new Uint8Array(0) }]);
  });

  it.each(['Connect', 'Active'] as const)('in %s, before any OPEN, drops without a NOTIFICATION', (state) => {
    const r = step(inState(state), { type: 'ManualStop' }, 0);
    expect(summarize(r.actions)).toBe('Drop, Stop ConnectRetry');
  });
});

describe('OPEN checks, delegated to config.checkOpen (RFC 4271 §6.2)', () => {
  // Stands in for codec/open-checks.ts checkOpen bound to the peer's expectations.
  const checkOpen = (open: OpenMessage) =>
    open.asn !== 65001 ? new BgpError(2, 2, 'bad peer AS') : open.holdTime === 1 ? new BgpError(2, 6, 'hold') : null;
  const openSent = () => inState('OpenSent', config({ checkOpen }));

  it('a refused OPEN is answered with its NOTIFICATION, then drop and Idle', () => {
    const r = step(openSent(), { type: 'BGPOpen', open: peerOpen({ asn: 65002 }) }, 0);
    expect(summarize(r.actions)).toBe('Notify 2/2, Drop, Stop Hold, Start IdleHold');
    expect(r.state).toMatchObject({ name: 'Idle', connectRetryCounter: 1, peerOpen: null });
    expect(r.state.lastDown).toEqual({ kind: 'notification-sent', code: 2, subcode: 2 });
  });

  it('carries the data of the error', () => {
    const withData = () => new BgpError(2, 1, 'version', new Uint8Array([0, 4]));
    const r = step(inState('OpenSent', config({ checkOpen: withData })), { type: 'BGPOpen', open: peerOpen() }, 0);
    expect(notifications(r.actions)).toEqual([{ code: 2, subcode: 1, data: new Uint8Array([0, 4]) }]);
  });

  it('an accepted OPEN moves on to OpenConfirm and is kept', () => {
    const r = step(openSent(), { type: 'BGPOpen', open: peerOpen() }, 0);
    expect(r.state.name).toBe('OpenConfirm');
    expect(r.state.peerOpen).toEqual(peerOpen());
  });

  it('a header error is reported with its own code, even in Established (RFC 4271 §6.1)', () => {
    const r = step(inState('Established'), sampleEvent('BGPHeaderErr'), 0);
    expect(notifications(r.actions)).toEqual([{ code: 1, subcode: 2, data: new Uint8Array([0, 5]) }]);
  });
});

describe('a NOTIFICATION received', () => {
  const verErr = sampleEvent('NotifMsgVerErr');

  it.each(['OpenSent', 'OpenConfirm'] as const)('version error in %s: Idle, ConnectRetryCounter unchanged (§8.2.2)', (state) => {
    const r = step(inState(state), verErr, 0);
    expect(notifications(r.actions)).toEqual([]);
    expect(r.state).toMatchObject({ name: 'Idle', connectRetryCounter: 0, lastError: { code: 2, subcode: 1, direction: 'received' } });
  });

  it('version error in Established: counted like any NOTIFICATION', () => {
    const r = step(inState('Established'), verErr, 0);
    expect(r.state.connectRetryCounter).toBe(1);
    expect(r.actions).toContainEqual({ type: 'SessionDown', reason: { kind: 'notification-received', code: 2, subcode: 1 } });
  });

  it('is never answered with a NOTIFICATION', () => {
    for (const state of ['Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const) {
      expect(notifications(step(inState(state), sampleEvent('NotifMsg'), 0).actions)).toEqual([]);
    }
  });
});

describe('the ConnectRetryCounter (RFC 4271 §8)', () => {
  it('counts failures, survives the automatic restart, and is cleared by a start or a manual stop', () => {
    let s = inState('OpenSent');
    s = step(s, { type: 'HoldTimer_Expires' }, 0).state;
    expect(s.connectRetryCounter).toBe(1);
    s = step(s, { type: 'IdleHoldTimer_Expires' }, 10_000).state;
    expect(s).toMatchObject({ name: 'Connect', connectRetryCounter: 1 });
    s = run(s, [{ type: 'Tcp_CR_Acked' }, { type: 'UpdateMsg', update: emptyUpdate }]);
    expect(s.connectRetryCounter).toBe(2);
    expect(step(s, { type: 'ManualStart' }, 0).state.connectRetryCounter).toBe(0);
    expect(step(s, { type: 'ManualStop' }, 0).state.connectRetryCounter).toBe(0);
  });
});

describe('what the transport and codec produce, as events', () => {
  it('tells a version error NOTIFICATION (OPEN error / Unsupported Version Number) from the others', () => {
    expect(messageEvent(notification(2, 1)).type).toBe('NotifMsgVerErr');
    expect(messageEvent(notification(2, 2)).type).toBe('NotifMsg');
    expect(messageEvent(notification(6, 2)).type).toBe('NotifMsg');
  });

  it('maps each message type', () => {
    expect(messageEvent(peerOpen())).toEqual({ type: 'BGPOpen', open: peerOpen() });
    expect(messageEvent({ type: 'keepalive' })).toEqual({ type: 'KeepAliveMsg' });
    expect(messageEvent({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 }).type).toBe('RouteRefreshMsg');
    expect(messageEvent(emptyUpdate).type).toBe('UpdateMsg');
  });

  it('maps a decode error by its code', () => {
    const types = [1, 2, 3, 7].map((code) => decodeErrorEvent(new BgpError(code, 1, 'x')).type);
    expect(types).toEqual(['BGPHeaderErr', 'BGPOpenMsgErr', 'UpdateMsgErr', 'RouteRefreshMsgErr']);
  });

  it('maps each timer to its expiry event', () => {
    const events: FsmEvent['type'][] = (['ConnectRetry', 'Hold', 'Keepalive', 'IdleHold'] as const).map((t) => timerEvent(t).type);
    expect(events).toEqual(['ConnectRetryTimer_Expires', 'HoldTimer_Expires', 'KeepaliveTimer_Expires', 'IdleHoldTimer_Expires']);
  });

  it('a fresh session is Idle and administratively down', () => {
    expect(createSession()).toMatchObject({ name: 'Idle', adminUp: false, idleHold: false, connectRetryCounter: 0 });
  });
});
