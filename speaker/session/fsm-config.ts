// The FSM's configuration and initial state, and the timer values it derives: RFC 4271 §4.2
// (hold time negotiation), §10 (suggested timer values and jitter), §8.2.2 (the OpenSent hold).
//
// Keepalive policy: the negotiated hold time is the smaller of ours and the peer's; the keepalive
// interval is the configured one, clamped to a third of the negotiated hold time (whole seconds,
// as negotiate.ts and the status report them). So a configured 30 s against a peer offering 9 s
// hold becomes 3 s, while a configured 10 s under a 90 s hold stays 10 s. Clamping rather than
// scaling proportionally keeps a deliberately short keepalive as configured, and never lets a
// long one outlast a third of the hold time, which RFC 4271 §4.4 calls the reasonable maximum.

import type { OpenMessage } from '../codec/types.ts';
import { defaultBackoffPolicy, initialBackoff, validateBackoffPolicy } from './backoff.ts';
import type { BackoffState } from './backoff.ts';
import type { FsmConfig, Negotiated, SessionState, TimerName } from './fsm-types.ts';
import { Timer } from './fsm-types.ts';

/** RFC 4271 §10 suggested values, and Cilium's defaults (docs/cilium-semantics.md PEER-1). */
export const defaultFsmConfig: FsmConfig = {
  holdTimeS: 90,
  connectRetryS: 120,
  openHoldTimeS: 240,
  checkOpen: () => null,
  random: Math.random,
  backoff: defaultBackoffPolicy,
  automaticRestart: true,
};

const MaxHoldTime = 0xffff;

function validate(c: FsmConfig): void {
  const h = c.holdTimeS;
  if (!(Number.isInteger(h) && (h === 0 || (h >= 3 && h <= MaxHoldTime)))) {
    throw new RangeError(`hold time must be 0 or 3..65535 s (RFC 4271 §4.2), not ${h}`);
  }
  if (c.keepaliveS !== undefined && !(Number.isInteger(c.keepaliveS) && c.keepaliveS >= 1 && c.keepaliveS <= MaxHoldTime)) {
    throw new RangeError(`keepalive must be 1..65535 s, not ${c.keepaliveS}`);
  }
  if (!(Number.isFinite(c.connectRetryS) && c.connectRetryS > 0)) {
    throw new RangeError(`connect retry time must be > 0 s, not ${c.connectRetryS}`);
  }
  if (!(Number.isFinite(c.openHoldTimeS) && c.openHoldTimeS > 0)) {
    throw new RangeError(`OpenSent hold time must be > 0 s, not ${c.openHoldTimeS}`);
  }
  validateBackoffPolicy(c.backoff);
}

export interface CreateOptions {
  /** Carry a back-off series over, e.g. into the FSM of a colliding connection that may take over. */
  readonly backoff?: BackoffState;
}

/** A new FSM in Idle. Throws RangeError on a configuration no RFC speaker could use. */
export function createSession(config: Partial<FsmConfig> = {}, options: CreateOptions = {}): SessionState {
  const resolved: FsmConfig = { ...defaultFsmConfig, ...stripUndefined(config) };
  validate(resolved);
  return {
    name: 'Idle',
    config: resolved,
    connectRetryCounter: 0,
    adminUp: false,
    passive: false,
    idleHold: false,
    backoff: options.backoff ?? initialBackoff,
    peerOpen: null,
    negotiated: null,
    establishedAt: null,
    lastError: null,
    lastDown: null,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** RFC 4271 §4.2: the smaller hold time; 0 on either side means none. Keepalive per the policy above. */
export function negotiateTimers(config: FsmConfig, peer: Pick<OpenMessage, 'holdTime'>): Negotiated {
  const holdTimeS = Math.min(config.holdTimeS, peer.holdTime);
  if (holdTimeS === 0) return { holdTimeS: 0, keepaliveS: 0 };
  const third = Math.max(1, Math.floor(holdTimeS / 3));
  return { holdTimeS, keepaliveS: Math.min(config.keepaliveS ?? third, third) };
}

/**
 * The timers running in a state. Every transition keeps this true of the timers it starts and
 * stops, so a session can check its timer set against it, and a transition to Idle can stop
 * exactly these.
 */
export function runningTimers(s: SessionState): TimerName[] {
  switch (s.name) {
    case 'Idle':
      return s.idleHold ? [Timer.IdleHold] : [];
    case 'Connect':
    case 'Active':
      return [Timer.ConnectRetry];
    case 'OpenSent':
      return [Timer.Hold];
    case 'OpenConfirm':
    case 'Established':
      return s.negotiated !== null && s.negotiated.holdTimeS > 0 ? [Timer.Hold, Timer.Keepalive] : [];
  }
}
