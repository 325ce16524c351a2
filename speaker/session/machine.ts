// The FSM with its timers, for the session layer and for tests: holds the current state, arms
// and disarms the timers the FSM asks for on a TimerSet, and turns expired timers into events.
// It reads time only from the injected Clock; the caller wakes it (tick) at nextDeadline().

import type { Clock } from './clock.ts';
import { timerEvent } from './events.ts';
import { step } from './fsm.ts';
import type { FsmAction, FsmEvent, SessionState, TimerName } from './fsm-types.ts';
import { TimerSet } from './timers.ts';

export class SessionMachine {
  #state: SessionState;
  readonly #clock: Clock;
  readonly #timers = new TimerSet<TimerName>();

  constructor(initial: SessionState, clock: Clock) {
    this.#state = initial;
    this.#clock = clock;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The armed timers and their deadlines (clock ms). */
  timers(): ReadonlyMap<TimerName, number> {
    return new Map(this.#timers.names().map((n) => [n, this.#timers.deadlineOf(n)!]));
  }

  /** When tick() next has something to do, or null when no timer is armed. */
  nextDeadline(): number | null {
    return this.#timers.nextDeadline();
  }

  /** Steps the FSM with `event` at the clock's now; applies the timer actions, returns all actions. */
  dispatch(event: FsmEvent): FsmAction[] {
    const now = this.#clock.now();
    const { state, actions } = step(this.#state, event, now);
    this.#state = state;
    for (const a of actions) {
      // A timer is always set at least 1 ms ahead, so that tick() cannot loop on it.
      if (a.type === 'StartTimer') this.#timers.set(a.timer, now + Math.max(1, a.durationMs));
      else if (a.type === 'StopTimer') this.#timers.cancel(a.timer);
    }
    return actions;
  }

  /** Fires every timer due at the clock's now, earliest first; returns the actions of all of them. */
  tick(): FsmAction[] {
    const now = this.#clock.now();
    const out: FsmAction[] = [];
    for (let t = this.#timers.popExpired(now); t !== null; t = this.#timers.popExpired(now)) {
      out.push(...this.dispatch(timerEvent(t)));
    }
    return out;
  }
}
