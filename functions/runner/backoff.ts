// Retry policy of the compare-and-set loop: exponential back-off with full jitter, bounded, so
// instances that collide on the same node spread out instead of colliding again in lock-step.

export interface RetryPolicy {
  /** Rounds of read-compute-write per batch before giving up (the batch then fails). */
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 12, baseMs: 2, maxMs: 250 };

/** Delay before round `attempt` (1 = the first retry); `random` in [0, 1). */
export function backoffMs(policy: RetryPolicy, attempt: number, random: number = Math.random()): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random * ceiling);
}

export class CasConflictError extends Error {
  readonly targets: readonly string[];

  constructor(targets: readonly string[], attempts: number) {
    super(
      `desired state of ${targets.slice(0, 5).join(', ')}${targets.length > 5 ? ` and ${targets.length - 5} more` : ''} ` +
        `still conflicted after ${attempts} compare-and-set rounds; the batch is not committed and will be redelivered`,
    );
    this.name = 'CasConflictError';
    this.targets = targets;
  }
}
