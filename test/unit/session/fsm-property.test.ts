// Properties of the FSM over arbitrary event sequences (fast-check): it never throws, never
// leaves a defined state, and every path to Idle from OpenSent, OpenConfirm or Established that an
// error caused tells the peer with a NOTIFICATION before dropping the connection (RFC 4271 §8.2.2,
// §6) — while a NOTIFICATION received or a dead TCP connection is never answered with one.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BgpError } from '../../../speaker/codec/errors.ts';
import type { OpenMessage } from '../../../speaker/codec/types.ts';
import { ManualClock } from '../../../speaker/session/clock.ts';
import { createSession, FsmEventTypes, FsmStateName, runningTimers, step } from '../../../speaker/session/fsm.ts';
import type { FsmAction, FsmConfig, FsmEvent, FsmEventType, SessionState } from '../../../speaker/session/fsm.ts';
import { SessionMachine } from '../../../speaker/session/machine.ts';
import { seededRandom } from '../../support/random.ts';
import { emptyUpdate, peerOpen } from './harness.ts';

const checkOpen = (open: OpenMessage) => (open.asn === 65099 ? new BgpError(2, 2, 'bad peer AS') : null);

const configArb: fc.Arbitrary<Partial<FsmConfig>> = fc.record({
  holdTimeS: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 600 })),
  keepaliveS: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
  connectRetryS: fc.integer({ min: 1, max: 300 }),
  seed: fc.integer(),
  automaticRestart: fc.boolean(),
}).map(({ seed, ...c }) => ({ ...c, random: seededRandom(seed), checkOpen }));

const errorArb = (code: number) => fc.integer({ min: 0, max: 11 }).map((sub) => new BgpError(code, sub, 'generated', new Uint8Array([sub])));
const notificationArb = fc.record({ code: fc.integer({ min: 1, max: 7 }), subcode: fc.integer({ min: 0, max: 10 }) }).map((n) => ({
  type: 'notification' as const,
  ...n,
  data: new Uint8Array(0),
}));

function eventArb(type: FsmEventType): fc.Arbitrary<FsmEvent> {
  switch (type) {
    case 'ManualStop':
      return fc.record(
        { subcode: fc.constantFrom(2, 3, 4, 6), communication: fc.string({ maxLength: 300 }) },
        { requiredKeys: [] },
      ).map((o) => ({ type, ...o }));
    case 'AutomaticStop':
      return fc.integer({ min: 1, max: 10 }).map((subcode) => ({ type, subcode }));
    case 'BGPOpen':
      return fc
        .record({ holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 65535 })), asn: fc.constantFrom(65001, 65099) })
        .map((o) => ({ type, open: peerOpen(o) }));
    case 'BGPHeaderErr':
      return errorArb(1).map((error) => ({ type, error }));
    case 'BGPOpenMsgErr':
      return errorArb(2).map((error) => ({ type, error }));
    case 'UpdateMsgErr':
      return errorArb(3).map((error) => ({ type, error }));
    case 'RouteRefreshMsgErr':
      return errorArb(7).map((error) => ({ type, error }));
    case 'NotifMsg':
    case 'NotifMsgVerErr':
      return notificationArb.map((notification) => ({ type, notification }));
    case 'UpdateMsg':
      return fc.constant({ type, update: emptyUpdate });
    case 'RouteRefreshMsg':
      return fc.constant({ type, message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 } });
    default:
      return fc.constant({ type } as FsmEvent);
  }
}

const anyEvent = fc.constantFrom(...FsmEventTypes).chain(eventArb);

/** The event that moves a state one step up towards Established (Established: a KEEPALIVE). */
function forward(s: SessionState): FsmEvent {
  switch (s.name) {
    case 'Idle':
      return { type: 'ManualStart' };
    case 'Connect':
    case 'Active':
      return { type: 'Tcp_CR_Acked' };
    case 'OpenSent':
      return { type: 'BGPOpen', open: peerOpen() };
    default:
      return { type: 'KeepAliveMsg' };
  }
}

/** Half "go forward", half anything: so that sequences reach every state, then go astray. */
const anyMove = fc.oneof(fc.constant(null), anyEvent);
const timerEventTypes = new Set<FsmEventType>([
  'ConnectRetryTimer_Expires',
  'HoldTimer_Expires',
  'KeepaliveTimer_Expires',
  'IdleHoldTimer_Expires',
]);
/** Events from outside (the transport, the codec, the operator): timer expiries come from ticks. */
const outsideEvent = fc.constantFrom(...FsmEventTypes.filter((t) => !timerEventTypes.has(t))).chain(eventArb);

const stateNames = new Set<string>(Object.values(FsmStateName));
const actionTypes = new Set([
  'Connect', 'Listen', 'SendOpen', 'SendKeepalive', 'SendNotification', 'DropConnection', 'StartTimer', 'StopTimer',
  'SessionEstablished', 'SessionDown', 'ProcessUpdate', 'ProcessRouteRefresh',
]);
const openStates = new Set(['OpenSent', 'OpenConfirm', 'Established']);
/** Events that end a connection without an error of ours to report (§4.5, §8.2.2). */
const quietEnds = new Set<FsmEventType>(['NotifMsg', 'NotifMsgVerErr', 'TcpConnectionFails']);

/** The invariants of one step; throws (via expect) when one breaks. */
function checkStep(from: SessionState, event: FsmEvent, to: SessionState, actions: FsmAction[]): void {
  expect(stateNames.has(to.name)).toBe(true);
  expect(Number.isInteger(to.connectRetryCounter) && to.connectRetryCounter >= 0).toBe(true);
  expect(to.idleHold ? to.name === 'Idle' : true).toBe(true);
  const synced = to.name === 'OpenConfirm' || to.name === 'Established';
  expect(to.negotiated !== null).toBe(synced);
  expect(to.peerOpen !== null).toBe(synced);
  expect(to.establishedAt !== null).toBe(to.name === 'Established');

  for (const a of actions) {
    expect(actionTypes.has(a.type)).toBe(true);
    if (a.type === 'StartTimer') expect(Number.isFinite(a.durationMs) && a.durationMs > 0).toBe(true);
    if (a.type === 'SendNotification') {
      expect(a.code >= 1 && a.code <= 7 && a.subcode >= 0 && a.subcode <= 255).toBe(true);
      expect(a.data.length <= 256).toBe(true);
    }
  }

  const kinds = actions.map((a) => a.type);
  const notify = kinds.indexOf('SendNotification');
  const drop = kinds.indexOf('DropConnection');
  expect(kinds.filter((k) => k === 'SendNotification').length <= 1).toBe(true);
  // No BGP connection before OpenSent: nothing to tell the peer on.
  if (!openStates.has(from.name)) expect(notify).toBe(-1);
  if (openStates.has(from.name) && to.name === 'Idle') {
    if (quietEnds.has(event.type)) expect(notify).toBe(-1);
    else {
      expect(notify).toBeGreaterThanOrEqual(0);
      expect(notify).toBeLessThan(drop);
    }
  }
  if (from.name !== 'Idle' && to.name === 'Idle') expect(drop).toBeGreaterThanOrEqual(0);
  expect(kinds.includes('SessionDown')).toBe(from.name === 'Established' && to.name !== 'Established');
  expect(kinds.includes('SessionEstablished')).toBe(from.name !== 'Established' && to.name === 'Established');
}

describe('the FSM over arbitrary event sequences', () => {
  it('never throws, stays in a defined state, and notifies before dropping on every error path', () => {
    fc.assert(
      fc.property(configArb, fc.array(fc.tuple(anyMove, fc.nat(200_000)), { maxLength: 60 }), (cfg, moves) => {
        let s = createSession(cfg);
        let now = 0;
        for (const [move, dt] of moves) {
          const event = move ?? forward(s);
          now += dt;
          const r = step(s, event, now);
          checkStep(s, event, r.state, r.actions);
          s = r.state;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reaches every state and exercises every event in every state', () => {
    // Guards the property above against a generator that never gets past Idle.
    const seen = new Set<string>();
    fc.assert(
      fc.property(configArb, fc.array(anyMove, { maxLength: 60 }), (cfg, moves) => {
        let s = createSession(cfg);
        for (const move of moves) {
          const e = move ?? forward(s);
          seen.add(`${s.name}/${e.type}`);
          s = step(s, e, 0).state;
        }
      }),
      { numRuns: 2000, seed: 4271 },
    );
    const missing = [...stateNames].flatMap((st) => FsmEventTypes.map((e) => `${st}/${e}`)).filter((k) => !seen.has(k));
    expect(missing).toEqual([]);
  });

  it('driven with timers on a clock: the armed timers always match the state', () => {
    const move = fc.oneof(
      fc.constant({ forward: true as const }),
      outsideEvent.map((event) => ({ event })),
      fc.integer({ min: 1, max: 400_000 }).map((ms) => ({ ms })),
    );
    fc.assert(
      fc.property(configArb, fc.array(move, { maxLength: 80 }), (cfg, moves) => {
        const clock = new ManualClock(0);
        const m = new SessionMachine(createSession(cfg), clock);
        for (const mv of moves) {
          const before = m.state;
          if ('event' in mv || 'forward' in mv) {
            const event = 'event' in mv ? mv.event : forward(before);
            const actions = m.dispatch(event);
            checkStep(before, event, m.state, actions);
          } else {
            clock.advance(mv.ms);
            m.tick();
          }
          expect([...m.timers().keys()].sort()).toEqual(runningTimers(m.state).sort());
          for (const deadline of m.timers().values()) expect(deadline).toBeGreaterThan(clock.now());
        }
      }),
      { numRuns: 300 },
    );
  });
});
