// Reconnect delays of the watcher: doubling from base to max, each scaled by a random factor in
// [0.5, 1) so many watchers that lost one API server do not come back in step.

export interface ReconnectPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { baseMs: 500, maxMs: 30_000 };

/** Delay after the `failures`-th consecutive failure (1 = the first). */
export function reconnectDelayMs(policy: ReconnectPolicy, failures: number, random: number = Math.random()): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 20));
  return Math.round(ceiling * (0.5 + random / 2));
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
