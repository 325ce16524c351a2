// Named one-shot timers driven by an explicit `now`: the session keeps one TimerSet per FSM,
// arms a single real timeout for nextDeadline(), and on wake-up turns each expired timer into its
// FSM event. Nothing here reads a clock or schedules anything, so tests step it by hand.
// Jitter: RFC 4271 §10.

/** A timer armed again replaces its previous deadline; at most one deadline per name. */
export class TimerSet<Name extends string> {
  readonly #deadlines = new Map<Name, { deadline: number; seq: number }>();
  #seq = 0;

  /** Arms `name` to expire at `deadline` (ms, same scale as `now`), replacing any earlier arming. */
  set(name: Name, deadline: number): void {
    this.#deadlines.set(name, { deadline, seq: this.#seq++ });
  }

  /** Disarms `name`; disarming a timer that is not armed does nothing. */
  cancel(name: Name): void {
    this.#deadlines.delete(name);
  }

  has(name: Name): boolean {
    return this.#deadlines.has(name);
  }

  deadlineOf(name: Name): number | undefined {
    return this.#deadlines.get(name)?.deadline;
  }

  /** The armed timers, in no particular order. */
  names(): Name[] {
    return [...this.#deadlines.keys()];
  }

  /** The earliest deadline, or null when nothing is armed. */
  nextDeadline(): number | null {
    let next: number | null = null;
    for (const { deadline } of this.#deadlines.values()) if (next === null || deadline < next) next = deadline;
    return next;
  }

  /**
   * Disarms and returns the earliest timer due at `now` (deadline ≤ now), or null. Ties go to the
   * one armed first. Taking one at a time lets the caller handle it before looking again, so a
   * timer cancelled by the handling of another never fires.
   */
  popExpired(now: number): Name | null {
    let best: { name: Name; deadline: number; seq: number } | null = null;
    for (const [name, t] of this.#deadlines) {
      if (t.deadline > now) continue;
      if (best === null || t.deadline < best.deadline || (t.deadline === best.deadline && t.seq < best.seq)) {
        best = { name, ...t };
      }
    }
    if (best === null) return null;
    this.#deadlines.delete(best.name);
    return best.name;
  }

  /** Disarms and returns every timer due at `now`, earliest first. */
  expired(now: number): Name[] {
    const out: Name[] = [];
    for (let name = this.popExpired(now); name !== null; name = this.popExpired(now)) out.push(name);
    return out;
  }
}

/** A source of uniformly distributed numbers in [0, 1), injected so that tests are deterministic. */
export type RandomSource = () => number;

/** RFC 4271 §10: the jitter factor is uniformly distributed in 0.75 to 1.0. */
export const JitterRange = { min: 0.75, max: 1.0 } as const;

/**
 * `ms` scaled by a random factor in [0.75, 1.0] (RFC 4271 §10), rounded up to a whole
 * millisecond so the result never falls below 0.75 × ms. Applies to ConnectRetry, Keepalive,
 * MinASOriginationInterval and MinRouteAdvertisementInterval — never to the HoldTimer. A random
 * source that strays outside [0, 1) is clamped, so the bounds hold whatever it returns.
 */
export function jitter(ms: number, random: RandomSource): number {
  const r = random();
  const u = Number.isFinite(r) ? Math.min(1, Math.max(0, r)) : 0;
  const factor = JitterRange.min + (JitterRange.max - JitterRange.min) * u;
  return Math.min(ms, Math.ceil(ms * factor));
}
