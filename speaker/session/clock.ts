// Time for the session layer comes from a Clock, never from Date.now() in the logic: the FSM and
// the timers take `now` as an argument, so tests drive them with a ManualClock and a hold-timer
// expiry of 90 s runs in microseconds.

/** Milliseconds on a monotonic scale; only differences between two readings mean anything. */
export interface Clock {
  now(): number;
}

/** The process's monotonic clock: immune to wall-clock steps (NTP, suspend) that would fire timers early. */
export const monotonicClock: Clock = {
  now: () => performance.now(),
};

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves the clock forward by `ms` (never backward: a monotonic clock does not). */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward, not by ${ms} ms`);
    this.#now += ms;
    return this.#now;
  }

  /** Moves the clock to an absolute reading at or after the current one. */
  set(ms: number): number {
    if (!(ms >= this.#now)) throw new RangeError(`a clock only moves forward, not from ${this.#now} to ${ms}`);
    this.#now = ms;
    return this.#now;
  }
}
