// Time for the speaker comes from a Clock, never from Date.now() or setTimeout() in the logic: the
// FSM and the timers take `now` as an argument, and the worker's periodic jobs (status,
// heartbeat) are scheduled on a TimerClock, so tests drive both with a ManualClock — a hold-timer
// expiry of 90 s or a 5 s heartbeat runs in microseconds.

/** Milliseconds on a monotonic scale; only differences between two readings mean anything. */
export interface Clock {
  now(): number;
}

/** A clock that can also wake a callback: for the worker's timers. */
export interface TimerClock extends Clock {
  /** Wall-clock time, epoch ms: for timestamps people read, never for measuring intervals. */
  wallNow(): number;
  /** Calls `fn` once, `ms` from now; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
  /** Calls `fn` every `ms`; the returned function stops it. */
  every(ms: number, fn: () => void): () => void;
}

/** The process's monotonic clock: immune to wall-clock steps (NTP, suspend) that would fire timers early. */
export const monotonicClock: Clock = {
  now: () => performance.now(),
};

/** The process's clocks and timers; the timers do not keep the process alive. */
export const systemClock: TimerClock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

interface Scheduled {
  at: number;
  readonly seq: number;
  readonly every: number | null;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to; its timers fire, in order, as it moves past them. */
export class ManualClock implements TimerClock {
  #now: number;
  readonly #wallStart: number;
  #timers: Scheduled[] = [];
  #seq = 0;

  /** `wallStart`: the wall-clock reading (epoch ms) at `start`. */
  constructor(start = 0, wallStart = Date.UTC(2026, 0, 1)) {
    this.#now = start;
    this.#wallStart = wallStart - start;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#wallStart + this.#now;
  }

  after(ms: number, fn: () => void): () => void {
    return this.#schedule(ms, null, fn);
  }

  every(ms: number, fn: () => void): () => void {
    if (!(ms > 0)) throw new RangeError(`a period must be positive, not ${ms} ms`);
    return this.#schedule(ms, ms, fn);
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves the clock forward by `ms` (never backward: a monotonic clock does not), firing what falls due. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward, not by ${ms} ms`);
    return this.#moveTo(this.#now + ms);
  }

  /** Moves the clock to an absolute reading at or after the current one, firing what falls due. */
  set(ms: number): number {
    if (!(ms >= this.#now)) throw new RangeError(`a clock only moves forward, not from ${this.#now} to ${ms}`);
    return this.#moveTo(ms);
  }

  #schedule(ms: number, every: number | null, fn: () => void): () => void {
    const timer: Scheduled = { at: this.#now + Math.max(0, ms), seq: this.#seq++, every, fn, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Fires every timer due up to `target` in deadline order (ties: scheduled first), each at its own time. */
  #moveTo(target: number): number {
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.at);
      if (due.every === null) due.cancelled = true;
      else due.at += due.every;
      due.fn();
    }
    this.#now = target;
    return this.#now;
  }
}
