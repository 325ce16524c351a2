// The idle hold with exponential back-off (speaker policy, backoff.ts): no reconnect storm
// against a router that keeps refusing us.

import { describe, expect, it } from 'vitest';
import { BgpError } from '../../../speaker/codec/errors.ts';
import {
  backoffEstablished,
  backoffFailure,
  defaultBackoffPolicy as policy,
  idleHoldMs,
  initialBackoff,
} from '../../../speaker/session/backoff.ts';
import type { BackoffState } from '../../../speaker/session/backoff.ts';
import { ManualClock } from '../../../speaker/session/clock.ts';
import { createSession, step } from '../../../speaker/session/fsm.ts';
import type { FsmAction, FsmConfig } from '../../../speaker/session/fsm.ts';
import { SessionMachine } from '../../../speaker/session/machine.ts';
import { seededRandom } from '../../support/random.ts';
import { config, durationOf, inState, notification, peerOpen, run } from './harness.ts';

const failures = (n: number): BackoffState => ({ failures: n, establishedAt: null });

describe('the back-off policy', () => {
  it('waits nothing before any failure', () => {
    expect(idleHoldMs(initialBackoff, policy)).toBe(0);
  });

  it('doubles from 5 s per consecutive failure up to the 120 s cap', () => {
    const seconds = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => idleHoldMs(failures(n), policy) / 1000);
    expect(seconds).toEqual([5, 10, 20, 40, 80, 120, 120, 120]);
  });

  it('stays at the cap however long the series', () => {
    expect(idleHoldMs(failures(5000), policy)).toBe(120_000);
  });

  it('starts a new series after a session that stayed Established for 5 minutes', () => {
    const up = backoffEstablished(failures(6), 1_000);
    expect(backoffFailure(up, 1_000 + 300_000, policy).failures).toBe(1);
  });

  it('keeps climbing when the session flaps sooner', () => {
    const up = backoffEstablished(failures(3), 1_000);
    expect(backoffFailure(up, 1_000 + 299_999, policy).failures).toBe(4);
  });

  it('counts a failure that never reached Established', () => {
    expect(backoffFailure(failures(2), 10_000_000, policy).failures).toBe(3);
  });
});

/**
 * A router that accepts TCP and then refuses our OPEN (Bad Peer AS): the machine runs for
 * `hours` of clock time and returns the times of its connection attempts.
 */
function attemptsAgainstRefusingRouter(cfg: Partial<FsmConfig>, hours: number): number[] {
  const clock = new ManualClock(0);
  const refuse = () => new BgpError(2, 2, 'bad peer AS');
  const m = new SessionMachine(createSession({ ...cfg, checkOpen: refuse }), clock);
  const attempts: number[] = [];
  const react = (actions: FsmAction[]): void => {
    for (const a of actions) {
      if (a.type === 'Connect') {
        attempts.push(clock.now());
        react(m.dispatch({ type: 'Tcp_CR_Acked' }));
      } else if (a.type === 'SendOpen') {
        react(m.dispatch({ type: 'BGPOpen', open: peerOpen({ asn: 65099 }) }));
      }
    }
  };
  react(m.dispatch({ type: 'ManualStart' }));
  while (clock.now() < hours * 3_600_000) {
    clock.set(m.nextDeadline()!);
    react(m.tick());
  }
  return attempts;
}

describe('the FSM under back-off', () => {
  it('retries a refusing router after 5, 10, 20, 40, 80 s, then every 120 s', () => {
    const t = attemptsAgainstRefusingRouter(config(), 0.5);
    const gaps = t.slice(1).map((x, i) => (x - t[i]!) / 1000);
    expect(gaps.slice(0, 8)).toEqual([5, 10, 20, 40, 80, 120, 120, 120]);
  });

  it('makes at most ~35 attempts an hour, not a storm', () => {
    const t = attemptsAgainstRefusingRouter(config(), 1);
    expect(t.length).toBeGreaterThan(25);
    expect(t.length).toBeLessThanOrEqual(35);
  });

  it('jitters each idle hold by the RFC 4271 §10 factor [0.75, 1.0]', () => {
    const t = attemptsAgainstRefusingRouter({ random: seededRandom(3) }, 0.5);
    const expected = [5, 10, 20, 40, 80, 120, 120, 120].map((s) => s * 1000);
    t.slice(1, 9).forEach((x, i) => {
      const gap = x - t[i]!;
      expect(gap).toBeGreaterThanOrEqual(0.75 * expected[i]!);
      expect(gap).toBeLessThanOrEqual(expected[i]!);
    });
  });

  it('resets once a session has stayed up for 5 minutes, not before', () => {
    let s = inState('Established');
    for (let i = 0; i < 4; i++) {
      s = step(s, { type: 'TcpConnectionFails' }, 0).state;
      s = step(s, { type: 'ManualStart' }, 0).state;
      s = run(s, [{ type: 'Tcp_CR_Acked' }, { type: 'BGPOpen', open: peerOpen() }, { type: 'KeepAliveMsg' }]);
    }
    // Up at t = 0, flapped four times: the fifth failure within seconds waits 80 s ...
    const flap = step(s, { type: 'NotifMsg', notification: notification(6, 4) }, 10_000);
    expect(durationOf(flap.actions, 'IdleHold')).toBe(80_000);
    // ... while after 5 minutes up it is a first failure again.
    expect(durationOf(step(s, { type: 'HoldTimer_Expires' }, 300_000).actions, 'IdleHold')).toBe(5_000);
  });

  it('a manual stop forgets the series; a manual start skips the idle hold but not the series', () => {
    let s = inState('Connect');
    for (let i = 0; i < 3; i++) s = step(step(s, { type: 'TcpConnectionFails' }, 0).state, { type: 'ManualStart' }, 0).state;
    expect(s.backoff.failures).toBe(3);
    expect(durationOf(step(s, { type: 'TcpConnectionFails' }, 0).actions, 'IdleHold')).toBe(40_000);
    const stopped = step(s, { type: 'ManualStop' }, 0).state;
    expect(stopped.backoff.failures).toBe(0);
    const again = step(step(stopped, { type: 'ManualStart' }, 0).state, { type: 'TcpConnectionFails' }, 0);
    expect(durationOf(again.actions, 'IdleHold')).toBe(5_000);
  });

  it('does not restart by itself after a manual stop, nor when automatic restart is off', () => {
    const stopped = step(inState('Established'), { type: 'ManualStop' }, 0).state;
    expect(step(stopped, { type: 'IdleHoldTimer_Expires' }, 0).state.name).toBe('Idle');
    const off = step(inState('Established', config({ automaticRestart: false })), { type: 'HoldTimer_Expires' }, 0);
    expect(off.state).toMatchObject({ name: 'Idle', idleHold: false });
    expect(durationOf(off.actions, 'IdleHold')).toBeUndefined();
  });

  it('restarts passively after a passive start', () => {
    const s = step(inState('Active'), { type: 'TcpConnectionFails' }, 0).state;
    const r = step(s, { type: 'IdleHoldTimer_Expires' }, 5_000);
    expect(r.state.name).toBe('Active');
    expect(r.actions.some((a) => a.type === 'Connect')).toBe(false);
  });
});
