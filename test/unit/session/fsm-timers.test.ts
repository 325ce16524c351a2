// Hold time negotiation and the timers of RFC 4271 §4.2, §8.2.2 and §10, run on a ManualClock:
// a 90-second hold expiry takes microseconds.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../speaker/session/clock.ts';
import { createSession, negotiateTimers, runningTimers, step } from '../../../speaker/session/fsm.ts';
import type { FsmAction, FsmConfig } from '../../../speaker/session/fsm.ts';
import { SessionMachine } from '../../../speaker/session/machine.ts';
import { seededRandom } from '../../support/random.ts';
import { config, durationOf, emptyUpdate, notifications, peerOpen, summarize } from './harness.ts';

/** A machine brought to Established at t = 1000 against a peer offering `peerHold`. */
function established(peerHold: number, cfg: Partial<FsmConfig> = config()) {
  const clock = new ManualClock(0);
  const m = new SessionMachine(createSession(cfg), clock);
  m.dispatch({ type: 'ManualStart' });
  m.dispatch({ type: 'Tcp_CR_Acked' });
  m.dispatch({ type: 'BGPOpen', open: peerOpen({ holdTime: peerHold }) });
  clock.set(1000);
  m.dispatch({ type: 'KeepAliveMsg' });
  expect(m.state.name).toBe('Established');
  return { clock, m };
}

describe('negotiated hold time and keepalive (RFC 4271 §4.2, keepalive clamped to hold/3)', () => {
  it.each([
    // ours, theirs, configured keepalive → hold, keepalive
    [90, 90, undefined, 90, 30],
    [90, 30, undefined, 30, 10],
    [30, 90, undefined, 30, 10],
    [90, 3, undefined, 3, 1],
    [90, 4, undefined, 4, 1],
    [90, 90, 10, 90, 10],
    [90, 9, 30, 9, 3],
    [240, 100, 60, 100, 33],
    [90, 0, undefined, 0, 0],
    [0, 90, undefined, 0, 0],
    [0, 0, 10, 0, 0],
  ])('ours %s, theirs %s, keepalive %s → hold %s, keepalive %s', (ours, theirs, ka, hold, keepalive) => {
    const c = createSession(config({ holdTimeS: ours, keepaliveS: ka })).config;
    expect(negotiateTimers(c, { holdTime: theirs })).toEqual({ holdTimeS: hold, keepaliveS: keepalive });
  });

  it('refuses a configuration no RFC speaker could use', () => {
    expect(() => createSession({ holdTimeS: 2 })).toThrow(RangeError);
    expect(() => createSession({ holdTimeS: 65536 })).toThrow(RangeError);
    expect(() => createSession({ keepaliveS: 0 })).toThrow(RangeError);
    expect(() => createSession({ connectRetryS: 0 })).toThrow(RangeError);
  });

  it('reports the negotiated values when the session comes up', () => {
    const { m } = established(30);
    expect(m.state.negotiated).toEqual({ holdTimeS: 30, keepaliveS: 10 });
  });

  it('with hold time 0 on either side: no hold timer, no keepalives, ever', () => {
    const clock = new ManualClock(0);
    const m = new SessionMachine(createSession(config()), clock);
    m.dispatch({ type: 'ManualStart' });
    m.dispatch({ type: 'Tcp_CR_Acked' });
    expect(summarize(m.dispatch({ type: 'BGPOpen', open: peerOpen({ holdTime: 0 }) }))).toBe('SendKeepalive, Stop Hold');
    expect(summarize(m.dispatch({ type: 'KeepAliveMsg' }))).toBe('Established');
    expect(m.nextDeadline()).toBeNull();
    clock.advance(86_400_000);
    expect(m.tick()).toEqual([]);
    expect(summarize(m.dispatch({ type: 'UpdateMsg', update: emptyUpdate }))).toBe('ProcessUpdate');
    expect(m.state.name).toBe('Established');
  });
});

describe('the HoldTimer', () => {
  it('expires exactly the negotiated time after the last message: NOTIFICATION code 4, then drop', () => {
    const { clock, m } = established(90);
    clock.set(1000 + 90_000 - 1);
    expect(m.tick().filter((a) => a.type !== 'SendKeepalive' && a.type !== 'StartTimer')).toEqual([]);
    expect(m.state.name).toBe('Established');
    clock.advance(1);
    const actions = m.tick();
    expect(notifications(actions)).toEqual([{ code: 4, subcode: 0, data: new Uint8Array(0) }]);
    expect(summarize(actions)).toMatch(/^Notify 4\/0, Drop, Stop Hold, Stop Keepalive, Down/);
    expect(m.state.name).toBe('Idle');
  });

  it('is restarted by every KEEPALIVE and UPDATE received', () => {
    const { clock, m } = established(30);
    clock.set(20_000);
    m.dispatch({ type: 'KeepAliveMsg' });
    clock.set(45_000);
    m.dispatch({ type: 'UpdateMsg', update: emptyUpdate });
    clock.set(45_000 + 30_000 - 1);
    m.tick();
    expect(m.state.name).toBe('Established');
    clock.advance(1);
    expect(notifications(m.tick())[0]).toMatchObject({ code: 4 });
  });

  it('is never jittered, whatever the random source says', () => {
    for (const r of [0, 0.3, 0.999]) {
      const s = step(createSession(config({ random: () => r })), { type: 'ManualStart' }, 0).state;
      const open = step(step(s, { type: 'Tcp_CR_Acked' }, 0).state, { type: 'BGPOpen', open: peerOpen() }, 0);
      expect(durationOf(open.actions, 'Hold')).toBe(90_000);
    }
  });

  it('holds OpenSent for the large value of 4 minutes, then sends code 4', () => {
    const clock = new ManualClock(0);
    const m = new SessionMachine(createSession(config()), clock);
    m.dispatch({ type: 'ManualStart' });
    clock.set(500);
    m.dispatch({ type: 'TcpConnectionConfirmed' });
    expect(m.state.name).toBe('OpenSent');
    expect(m.timers().get('Hold')).toBe(500 + 240_000);
    clock.set(500 + 240_000 - 1);
    expect(m.tick()).toEqual([]);
    clock.advance(1);
    expect(notifications(m.tick())).toEqual([{ code: 4, subcode: 0, data: new Uint8Array(0) }]);
    expect(m.state.name).toBe('Idle');
  });

  it('holds OpenConfirm for the negotiated time, not the large value', () => {
    const clock = new ManualClock(0);
    const m = new SessionMachine(createSession(config()), clock);
    m.dispatch({ type: 'ManualStart' });
    m.dispatch({ type: 'Tcp_CR_Acked' });
    m.dispatch({ type: 'BGPOpen', open: peerOpen({ holdTime: 9 }) });
    expect(m.timers().get('Hold')).toBe(9_000);
    clock.set(9_000);
    expect(notifications(m.tick()).map((n) => n.code)).toEqual([4]);
  });
});

describe('the KeepaliveTimer (RFC 4271 §10 jitter)', () => {
  function keepaliveTimes(random: () => number, hours = 1): number[] {
    const { clock, m } = established(90, config({ random }));
    const sent: number[] = [];
    const record = (actions: FsmAction[]) => {
      if (actions.some((a) => a.type === 'SendKeepalive')) sent.push(clock.now());
    };
    // The peer sends a KEEPALIVE every 20 s, so our hold timer never expires.
    for (let peerAt = 20_000; clock.now() < hours * 3_600_000; ) {
      const next = Math.min(m.nextDeadline() ?? Infinity, peerAt);
      clock.set(next);
      record(m.tick());
      if (next === peerAt) {
        m.dispatch({ type: 'KeepAliveMsg' });
        peerAt += 20_000;
      }
    }
    expect(m.state.name).toBe('Established');
    return sent;
  }

  it('sends keepalives at hold/3 scaled by a factor in [0.75, 1.0], a new factor each time', () => {
    const times = keepaliveTimes(seededRandom(7));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.length).toBeGreaterThan(100);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(22_500);
      expect(g).toBeLessThanOrEqual(30_000);
    }
    expect(new Set(gaps).size).toBeGreaterThan(gaps.length / 2);
  });

  it('reaches both ends of the range', () => {
    const low = keepaliveTimes(() => 0, 0.1);
    const high = keepaliveTimes(() => 0.9999999999, 0.1);
    expect(low[1]! - low[0]!).toBe(22_500);
    expect(high[1]! - high[0]!).toBe(30_000);
  });

  it('uses a configured keepalive below hold/3 as is', () => {
    const s = step(createSession(config({ keepaliveS: 5 })), { type: 'ManualStart' }, 0).state;
    const r = step(step(s, { type: 'Tcp_CR_Acked' }, 0).state, { type: 'BGPOpen', open: peerOpen() }, 0);
    expect(durationOf(r.actions, 'Keepalive')).toBe(5_000);
  });
});

describe('the ConnectRetryTimer (RFC 4271 §10 jitter)', () => {
  it('starts at ConnectRetryTime × [0.75, 1.0] on every start and restart', () => {
    const random = seededRandom(42);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      let s = createSession({ random, connectRetryS: 120 });
      const r = step(s, { type: 'ManualStart' }, 0);
      s = r.state;
      const again = step(s, { type: 'ConnectRetryTimer_Expires' }, 0);
      for (const d of [durationOf(r.actions, 'ConnectRetry')!, durationOf(again.actions, 'ConnectRetry')!]) {
        expect(d).toBeGreaterThanOrEqual(90_000);
        expect(d).toBeLessThanOrEqual(120_000);
        seen.add(d);
      }
    }
    expect(seen.size).toBeGreaterThan(100);
  });
});

describe('timers and states', () => {
  it('the armed timers are exactly those of the state, along the whole way up and down', () => {
    const clock = new ManualClock(0);
    const m = new SessionMachine(createSession(config()), clock);
    const check = () => expect([...m.timers().keys()].sort()).toEqual(runningTimers(m.state).sort());
    for (const e of [
      { type: 'ManualStart' },
      { type: 'Tcp_CR_Acked' },
      { type: 'BGPOpen', open: peerOpen() },
      { type: 'KeepAliveMsg' },
      { type: 'TcpConnectionFails' },
    ] as const) {
      m.dispatch(e);
      check();
    }
    expect(m.state.name).toBe('Idle');
    expect([...m.timers().keys()]).toEqual(['IdleHold']);
  });
});
