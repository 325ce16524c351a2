// The building blocks of the transitions in fsm.ts: starting, negotiating, and every way back to
// Idle (RFC 4271 §8.2.2 — "sends a NOTIFICATION ..., sets the ConnectRetryTimer to zero,
// releases all BGP resources, drops the TCP connection, increments the ConnectRetryCounter,
// (optionally) performs peer oscillation damping, changes its state to Idle").

import { CeaseSubcode, ErrorCode, FsmSubcode } from '../codec/errors.ts';
import { backoffFailure, backoffReset, idleHoldMs } from './backoff.ts';
import { runningTimers } from './fsm-config.ts';
import type { DownReason, FsmAction, FsmStateName, Negotiated, SessionState, StepResult } from './fsm-types.ts';
import { Timer } from './fsm-types.ts';
import { jitter } from './timers.ts';

const s2ms = (s: number) => s * 1000;

export function stay(state: SessionState, actions: FsmAction[] = []): StepResult {
  return { state, actions };
}

export function startConnectRetry(s: SessionState): FsmAction {
  return { type: 'StartTimer', timer: Timer.ConnectRetry, durationMs: jitter(s2ms(s.config.connectRetryS), s.config.random) };
}

export function startKeepalive(s: SessionState, n: Negotiated): FsmAction {
  return { type: 'StartTimer', timer: Timer.Keepalive, durationMs: jitter(s2ms(n.keepaliveS), s.config.random) };
}

/** The HoldTimer is never jittered (RFC 4271 §10 lists only the other timers). */
export function startHold(n: Negotiated): FsmAction {
  return { type: 'StartTimer', timer: Timer.Hold, durationMs: s2ms(n.holdTimeS) };
}

/** OpenSent's "large value" (RFC 4271 §8.2.2, 4 minutes suggested). */
export function startOpenHold(s: SessionState): FsmAction {
  return { type: 'StartTimer', timer: Timer.Hold, durationMs: s2ms(s.config.openHoldTimeS) };
}

/**
 * Idle → Connect (active) or Active (passive): start the ConnectRetryTimer, initiate a TCP
 * connection unless passive, listen for the peer's. `resetCounter`: a start event resets the
 * ConnectRetryCounter (§8.2.2); the restart after an idle hold keeps it, so it keeps counting.
 */
export function start(s: SessionState, passive: boolean, resetCounter: boolean): StepResult {
  const actions: FsmAction[] = [];
  if (s.idleHold) actions.push({ type: 'StopTimer', timer: Timer.IdleHold });
  actions.push(startConnectRetry(s));
  if (!passive) actions.push({ type: 'Connect' });
  actions.push({ type: 'Listen' });
  const state: SessionState = {
    ...s,
    name: passive ? 'Active' : 'Connect',
    adminUp: true,
    passive,
    idleHold: false,
    connectRetryCounter: resetCounter ? 0 : s.connectRetryCounter,
  };
  return { state, actions };
}

/** Connect/Active → OpenSent on a TCP connection (§8.2.2, DelayOpen FALSE). */
export function tcpUp(s: SessionState): StepResult {
  const actions: FsmAction[] = [
    { type: 'StopTimer', timer: Timer.ConnectRetry },
    { type: 'SendOpen' },
    startOpenHold(s),
  ];
  return { state: { ...s, name: 'OpenSent' }, actions };
}

export interface Notify {
  readonly code: number;
  readonly subcode: number;
  readonly data?: Uint8Array;
}

/**
 * How the connection ended:
 * - `manual-stop`: administratively down; ConnectRetryCounter and back-off series cleared, no restart;
 * - `failure`: counted (ConnectRetryCounter unless `count: false`, and the back-off series);
 *   restarts by itself after the idle hold;
 * - `collision`: this connection lost a collision and is to be disposed (RFC 4271 §8.2.1.2);
 *   nothing counted, no restart — the other connection carries the session.
 */
export type EndKind = 'manual-stop' | 'failure' | 'collision';

export interface ToIdle {
  readonly end: EndKind;
  readonly reason: DownReason;
  /** Sent before the connection is dropped. */
  readonly notify?: Notify;
  /** For `failure`: false where §8.2.2 leaves the ConnectRetryCounter alone (NotifMsgVerErr, ...). */
  readonly count?: boolean;
}

/** Any state → Idle, in the order the RFC lists: NOTIFICATION, drop, timers, routes, damping. */
export function toIdle(s: SessionState, now: number, how: ToIdle): StepResult {
  const actions: FsmAction[] = [];
  let lastError = s.lastError;
  if (how.notify !== undefined) {
    const { code, subcode } = how.notify;
    actions.push({ type: 'SendNotification', code, subcode, data: how.notify.data ?? new Uint8Array(0) });
    lastError = { code, subcode, direction: 'sent', at: now };
  } else if (how.reason.kind === 'notification-received') {
    lastError = { code: how.reason.code, subcode: how.reason.subcode, direction: 'received', at: now };
  }
  if (s.name !== 'Idle') actions.push({ type: 'DropConnection' });
  for (const timer of runningTimers(s)) actions.push({ type: 'StopTimer', timer });
  if (s.name === 'Established') actions.push({ type: 'SessionDown', reason: how.reason });

  let { backoff, connectRetryCounter, adminUp } = s;
  let idleHold = false;
  if (how.end === 'manual-stop') {
    backoff = backoffReset();
    connectRetryCounter = 0;
    adminUp = false;
  } else if (how.end === 'failure') {
    backoff = backoffFailure(backoff, now, s.config.backoff);
    if (how.count !== false) connectRetryCounter += 1;
    if (adminUp && s.config.automaticRestart) {
      idleHold = true;
      const durationMs = jitter(idleHoldMs(backoff, s.config.backoff), s.config.random);
      actions.push({ type: 'StartTimer', timer: Timer.IdleHold, durationMs });
    }
  }
  const state: SessionState = {
    ...s,
    name: 'Idle',
    connectRetryCounter,
    adminUp,
    idleHold,
    backoff,
    peerOpen: null,
    negotiated: null,
    establishedAt: null,
    lastError,
    lastDown: how.reason,
  };
  return { state, actions };
}

/** A failure on which we tell the peer why (code/subcode/data). */
export function failWith(s: SessionState, now: number, notify: Notify): StepResult {
  return toIdle(s, now, {
    end: 'failure',
    notify,
    reason: { kind: 'notification-sent', code: notify.code, subcode: notify.subcode },
  });
}

/** RFC 6608 §4: the FSM Error subcode says in which state the unexpected event came. */
const fsmSubcodeOf: Partial<Record<FsmStateName, number>> = {
  OpenSent: FsmSubcode.UnexpectedMessageInOpenSent,
  OpenConfirm: FsmSubcode.UnexpectedMessageInOpenConfirm,
  Established: FsmSubcode.UnexpectedMessageInEstablished,
};

/** RFC 4271 §6.6: an event the state does not expect → NOTIFICATION Finite State Machine Error. */
export function fsmError(s: SessionState, now: number): StepResult {
  return failWith(s, now, { code: ErrorCode.FsmError, subcode: fsmSubcodeOf[s.name] ?? FsmSubcode.Unspecified });
}

export const HoldTimerExpired: Notify = { code: ErrorCode.HoldTimerExpired, subcode: 0 };

/** RFC 9003 §2: Length (1 octet) + UTF-8, at most 255 octets, cut at a character boundary. */
export function shutdownCommunication(text: string): Uint8Array {
  const buf = new Uint8Array(1 + 255);
  const { written } = new TextEncoder().encodeInto(text, buf.subarray(1));
  buf[0] = written;
  return buf.slice(0, 1 + written);
}

/** ManualStop in OpenSent, OpenConfirm or Established: Cease / Administrative Shutdown (RFC 4486). */
export function manualStop(s: SessionState, now: number, subcode?: number, communication?: string): StepResult {
  const sub = subcode ?? CeaseSubcode.AdministrativeShutdown;
  const carries = sub === CeaseSubcode.AdministrativeShutdown || sub === CeaseSubcode.AdministrativeReset;
  const data = carries && communication !== undefined ? shutdownCommunication(communication) : new Uint8Array(0);
  const notify = { code: ErrorCode.Cease, subcode: sub, data };
  return toIdle(s, now, { end: 'manual-stop', notify, reason: { kind: 'manual-stop' } });
}

/** ManualStop in Connect or Active: no BGP connection yet, so no NOTIFICATION. */
export function quietStop(s: SessionState, now: number): StepResult {
  return toIdle(s, now, { end: 'manual-stop', reason: { kind: 'manual-stop' } });
}

export function automaticStop(s: SessionState, now: number, subcode: number, data?: Uint8Array): StepResult {
  const notify = { code: ErrorCode.Cease, subcode, ...(data ? { data } : {}) };
  return toIdle(s, now, { end: 'failure', notify, reason: { kind: 'automatic-stop', subcode } });
}

export function collisionDump(s: SessionState, now: number): StepResult {
  const notify = { code: ErrorCode.Cease, subcode: CeaseSubcode.ConnectionCollisionResolution };
  return toIdle(s, now, { end: 'collision', notify, reason: { kind: 'collision' } });
}
