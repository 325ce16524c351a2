// The timer set, the RFC 4271 §10 jitter and the manual clock.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../speaker/session/clock.ts';
import { jitter, TimerSet } from '../../../speaker/session/timers.ts';
import { seededRandom } from '../../support/random.ts';

describe('TimerSet', () => {
  it('reports the earliest deadline and hands out expired timers earliest first', () => {
    const t = new TimerSet<'a' | 'b' | 'c'>();
    t.set('a', 300);
    t.set('b', 100);
    t.set('c', 200);
    expect(t.nextDeadline()).toBe(100);
    expect(t.popExpired(99)).toBeNull();
    expect(t.expired(250)).toEqual(['b', 'c']);
    expect(t.names()).toEqual(['a']);
    expect(t.nextDeadline()).toBe(300);
  });

  it('re-arming replaces the deadline; cancelling disarms; ties go to the first armed', () => {
    const t = new TimerSet<'x' | 'y'>();
    t.set('x', 100);
    t.set('x', 500);
    expect(t.deadlineOf('x')).toBe(500);
    t.set('y', 500);
    expect(t.expired(500)).toEqual(['x', 'y']);
    t.set('x', 10);
    t.cancel('x');
    t.cancel('y');
    expect(t.nextDeadline()).toBeNull();
    expect(t.has('x')).toBe(false);
  });
});

describe('jitter (RFC 4271 §10)', () => {
  it('scales by a factor in [0.75, 1.0] whatever the random source returns', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.double(), (ms, r) => {
        const d = jitter(ms, () => r);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0.75 * ms);
        expect(d).toBeLessThanOrEqual(ms);
      }),
    );
  });

  it('covers the range evenly enough', () => {
    const random = seededRandom(1);
    const xs = Array.from({ length: 10_000 }, () => jitter(1_000_000, random) / 1_000_000);
    expect(Math.min(...xs)).toBeLessThan(0.76);
    expect(Math.max(...xs)).toBeGreaterThan(0.99);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeCloseTo(0.875, 2);
  });

  it('a seeded source repeats itself', () => {
    const a = seededRandom(9);
    const b = seededRandom(9);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe('ManualClock', () => {
  it('moves only forward, only when told', () => {
    const c = new ManualClock(100);
    expect(c.now()).toBe(100);
    expect(c.advance(50)).toBe(150);
    expect(c.set(1000)).toBe(1000);
    expect(() => c.advance(-1)).toThrow(RangeError);
    expect(() => c.set(999)).toThrow(RangeError);
  });
});
