// The BGP session FSM of RFC 4271 §8.2.2 as a pure step function:
//   step(state, event, now) → { state, actions }
// One FSM per TCP connection (§8.2.1); the session layer executes the actions (connect, send,
// drop, arm timers) and feeds back events. `now` is ms from the session's injected clock; jitter
// comes from config.random. Nothing here throws for any event in any state.
//
// Where this follows the speaker's policy rather than the letter of §8.2.2 (each is marked below):
// - Damping is always on (backoff.ts): every involuntary drop to Idle starts the IdleHoldTimer,
//   whose expiry restarts the connection; automatic starts wait for it, manual starts do not.
// - A NOTIFICATION received is never answered with one (§4.5: the sender closes the connection
//   after it), though §8.2.2 lists NotifMsg among the OpenSent FSM errors.
// - A message header error is reported with its own code (§6.1) in every state that can send one,
//   though §8.2.2 lists BGPHeaderErr among the Established FSM errors.
// - An OPEN in OpenConfirm or Established is a second OPEN on this connection: FSM Error. A
//   collision with another connection is resolved by the session layer (collision.ts), which
//   signals OpenCollisionDump to the loser — accepted in Established too.
// - ROUTE-REFRESH (RFC 2918) is handled like an UPDATE: processed and restarting the HoldTimer
//   in Established, unexpected before.

import type { NotificationMessage, OpenMessage } from '../codec/types.ts';
import { backoffEstablished, backoffFailure } from './backoff.ts';
import { negotiateTimers } from './fsm-config.ts';
import type { FsmAction, FsmEvent, SessionState, StepResult } from './fsm-types.ts';
import { Timer } from './fsm-types.ts';
import {
  automaticStop,
  collisionDump,
  failWith,
  fsmError,
  HoldTimerExpired,
  manualStop,
  quietStop,
  start,
  startConnectRetry,
  startHold,
  startKeepalive,
  stay,
  tcpUp,
  toIdle,
} from './fsm-transitions.ts';

export { createSession, defaultFsmConfig, negotiateTimers, runningTimers } from './fsm-config.ts';
export type { CreateOptions } from './fsm-config.ts';
export { FsmEventTypes, FsmStateName, Timer } from './fsm-types.ts';
export type * from './fsm-types.ts';

export function step(state: SessionState, event: FsmEvent, now: number): StepResult {
  switch (state.name) {
    case 'Idle':
      return idle(state, event, now);
    case 'Connect':
    case 'Active':
      return connecting(state, event, now);
    case 'OpenSent':
      return openSent(state, event, now);
    case 'OpenConfirm':
      return openConfirm(state, event, now);
    case 'Established':
      return established(state, event, now);
  }
}

const isStart = (e: FsmEvent) =>
  e.type === 'ManualStart' ||
  e.type === 'AutomaticStart' ||
  e.type === 'ManualStart_with_PassiveTcpEstablishment' ||
  e.type === 'AutomaticStart_with_PassiveTcpEstablishment' ||
  e.type === 'AutomaticStart_with_DampPeerOscillations' ||
  e.type === 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment';

/** Events that only report on a second TCP connection, tracked by the session layer (§6.8). */
const isSecondConnection = (e: FsmEvent) =>
  e.type === 'TcpConnection_Valid' ||
  e.type === 'Tcp_CR_Invalid' ||
  e.type === 'Tcp_CR_Acked' ||
  e.type === 'TcpConnectionConfirmed';

function idle(s: SessionState, e: FsmEvent, now: number): StepResult {
  switch (e.type) {
    case 'ManualStart':
      return start(s, false, true);
    case 'ManualStart_with_PassiveTcpEstablishment':
      return start(s, true, true);
    // Policy: automatic starts honour a running idle hold; its expiry will start the FSM.
    case 'AutomaticStart':
    case 'AutomaticStart_with_DampPeerOscillations':
      return s.idleHold ? stay(s) : start(s, false, true);
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return s.idleHold ? stay(s) : start(s, true, true);
    case 'IdleHoldTimer_Expires':
      return s.idleHold && s.adminUp ? start({ ...s, idleHold: false }, s.passive, false) : stay(s);
    // §8.2.2 ignores ManualStop in Idle; here it also cancels a pending automatic restart.
    case 'ManualStop':
      return s.adminUp || s.idleHold ? toIdle(s, now, { end: 'manual-stop', reason: { kind: 'manual-stop' } }) : stay(s);
    default:
      return stay(s);
  }
}

/** Connect and Active: waiting for a TCP connection, no BGP message exchanged yet. */
function connecting(s: SessionState, e: FsmEvent, now: number): StepResult {
  if (isStart(e) || e.type === 'TcpConnection_Valid' || e.type === 'Tcp_CR_Invalid') return stay(s);
  switch (e.type) {
    case 'ManualStop':
      return quietStop(s, now);
    case 'ConnectRetryTimer_Expires': {
      // Connect: abandon the attempt and try again. Active: now try actively (→ Connect).
      const actions: FsmAction[] = s.name === 'Connect' ? [{ type: 'DropConnection' }] : [];
      actions.push(startConnectRetry(s), { type: 'Connect' });
      return { state: { ...s, name: 'Connect' }, actions };
    }
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return tcpUp(s);
    case 'TcpConnectionFails':
      // §8.2.2 counts it in Active, not in Connect.
      return toIdle(s, now, { end: 'failure', reason: { kind: 'tcp-failed' }, count: s.name === 'Active' });
    case 'NotifMsgVerErr':
    case 'NotifMsg': {
      const { code, subcode } = e.notification;
      return toIdle(s, now, { end: 'failure', reason: { kind: 'notification-received', code, subcode } });
    }
    default:
      // Events 8, 10-11, 13, 19, 21-23, 26-28: no OPEN sent yet, so no NOTIFICATION (§8.2.2).
      return toIdle(s, now, { end: 'failure', reason: { kind: 'unexpected-event', event: e.type } });
  }
}

function openSent(s: SessionState, e: FsmEvent, now: number): StepResult {
  if (isStart(e) || isSecondConnection(e)) return stay(s);
  switch (e.type) {
    case 'ManualStop':
      return manualStop(s, now, e.subcode, e.communication);
    case 'AutomaticStop':
      return automaticStop(s, now, e.subcode, e.data);
    case 'HoldTimer_Expires':
      return failWith(s, now, HoldTimerExpired);
    case 'TcpConnectionFails': {
      // §8.2.2: back to Active, listening, the ConnectRetryTimer running again; the back-off
      // series counts it, so that a following drop to Idle waits longer.
      const actions: FsmAction[] = [{ type: 'DropConnection' }, { type: 'StopTimer', timer: Timer.Hold }, startConnectRetry(s)];
      const backoff = backoffFailure(s.backoff, now, s.config.backoff);
      return { state: { ...s, name: 'Active', backoff, lastDown: { kind: 'tcp-failed' } }, actions };
    }
    case 'BGPOpen':
      return openReceived(s, e.open, now);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return failWith(s, now, e.error);
    case 'OpenCollisionDump':
      return collisionDump(s, now);
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return notificationReceived(s, e.type, e.notification, now);
    default:
      // Events 9, 11-13, 26-28 and ROUTE-REFRESH: RFC 6608 subcode 1.
      return fsmError(s, now);
  }
}

/** A valid OPEN in OpenSent (event 19): the §6.2 checks, then timers per §4.2 → OpenConfirm. */
function openReceived(s: SessionState, open: OpenMessage, now: number): StepResult {
  const error = s.config.checkOpen(open);
  if (error !== null) return failWith(s, now, error);
  const negotiated = negotiateTimers(s.config, open);
  const actions: FsmAction[] = [{ type: 'SendKeepalive' }];
  if (negotiated.holdTimeS > 0) actions.push(startKeepalive(s, negotiated), startHold(negotiated));
  else actions.push({ type: 'StopTimer', timer: Timer.Hold });
  return { state: { ...s, name: 'OpenConfirm', peerOpen: open, negotiated }, actions };
}

/**
 * A NOTIFICATION received: drop without answering. Version error (event 24): §8.2.2 leaves the
 * ConnectRetryCounter alone in OpenSent and OpenConfirm; the back-off still counts it — we speak
 * only BGP-4, so there is no lower version to retry with.
 */
function notificationReceived(
  s: SessionState,
  type: 'NotifMsg' | 'NotifMsgVerErr',
  n: NotificationMessage,
  now: number,
): StepResult {
  const count = type === 'NotifMsg' || s.name === 'Established';
  return toIdle(s, now, { end: 'failure', reason: { kind: 'notification-received', code: n.code, subcode: n.subcode }, count });
}

/** KeepaliveTimer_Expires in OpenConfirm and Established. */
function sendKeepalive(s: SessionState): StepResult {
  const actions: FsmAction[] = [{ type: 'SendKeepalive' }];
  if (s.negotiated !== null && s.negotiated.holdTimeS > 0) actions.push(startKeepalive(s, s.negotiated));
  return stay(s, actions);
}

/** Restart the HoldTimer on a message received, unless the negotiated hold time is 0. */
function heard(s: SessionState): FsmAction[] {
  return s.negotiated !== null && s.negotiated.holdTimeS > 0 ? [startHold(s.negotiated)] : [];
}

/** What OpenConfirm and Established share. Null: the state decides. */
function synchronized(s: SessionState, e: FsmEvent, now: number): StepResult | null {
  if (isStart(e) || isSecondConnection(e)) return stay(s);
  switch (e.type) {
    case 'ManualStop':
      return manualStop(s, now, e.subcode, e.communication);
    case 'AutomaticStop':
      return automaticStop(s, now, e.subcode, e.data);
    case 'HoldTimer_Expires':
      return failWith(s, now, HoldTimerExpired);
    case 'KeepaliveTimer_Expires':
      return sendKeepalive(s);
    case 'TcpConnectionFails':
      return toIdle(s, now, { end: 'failure', reason: { kind: 'tcp-failed' } });
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return notificationReceived(s, e.type, e.notification, now);
    case 'BGPHeaderErr':
      return failWith(s, now, e.error);
    case 'OpenCollisionDump':
      return collisionDump(s, now);
    default:
      return null;
  }
}

function openConfirm(s: SessionState, e: FsmEvent, now: number): StepResult {
  const shared = synchronized(s, e, now);
  if (shared !== null) return shared;
  switch (e.type) {
    case 'BGPOpenMsgErr':
      return failWith(s, now, e.error);
    case 'KeepAliveMsg': {
      const peer = s.peerOpen;
      const negotiated = s.negotiated;
      if (peer === null || negotiated === null) return fsmError(s, now); // unreachable: set on entry
      const actions: FsmAction[] = [
        ...heard(s),
        { type: 'SessionEstablished', peer, holdTimeS: negotiated.holdTimeS, keepaliveS: negotiated.keepaliveS },
      ];
      const state: SessionState = { ...s, name: 'Established', establishedAt: now, backoff: backoffEstablished(s.backoff, now) };
      return { state, actions };
    }
    default:
      // Events 9, 13, 19 (a second OPEN here), 27-28 and ROUTE-REFRESH: RFC 6608 subcode 2.
      return fsmError(s, now);
  }
}

function established(s: SessionState, e: FsmEvent, now: number): StepResult {
  const shared = synchronized(s, e, now);
  if (shared !== null) return shared;
  switch (e.type) {
    case 'KeepAliveMsg':
      return stay(s, heard(s));
    case 'UpdateMsg':
      return stay(s, [{ type: 'ProcessUpdate', update: e.update }, ...heard(s)]);
    case 'RouteRefreshMsg':
      return stay(s, [{ type: 'ProcessRouteRefresh', message: e.message }, ...heard(s)]);
    // Errors the session layer judged fatal (RFC 7606 treat-as-withdraw arrives as UpdateMsg).
    case 'UpdateMsgErr':
    case 'RouteRefreshMsgErr':
      return failWith(s, now, e.error);
    default:
      // Events 9, 13, 19, 22: RFC 6608 subcode 3.
      return fsmError(s, now);
  }
}
