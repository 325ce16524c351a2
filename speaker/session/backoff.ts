// Idle hold with exponential back-off: the DampPeerOscillations logic that RFC 4271 §8.1.1
// (Group 1) leaves to the implementation. It is a speaker-level policy, not a protocol rule.
//
// Why: a router that refuses us (wrong AS, wrong password, max-prefix) would otherwise see a new
// connection every few seconds forever — the "reconnect storm" routers complain about.
//
// The policy, with the defaults below:
// - every involuntary end of a connection (an error either side, a NOTIFICATION received, TCP
//   failing, the hold timer expiring, an automatic stop) is one more consecutive failure;
// - after failure n the FSM stays in Idle for min(max, base × factor^(n−1)), jittered by the
//   RFC 4271 §10 factor 0.75–1.0 so that many speakers do not reconnect in step:
//   5 s, 10 s, 20 s, 40 s, 80 s, then 120 s for every further failure;
// - 5 s is Cilium's idle hold after a reset (GoBGP's default of 30 s was lowered on purpose);
//   120 s is RFC 4271 §10's ConnectRetryTime, so a recovered router is never waited for longer
//   than an RFC speaker would wait anyway;
// - a session that stayed Established for `stableMs` (5 minutes, BIRD's "error forget time")
//   before failing starts a new series: its failure counts as the first. A session that flaps
//   sooner keeps climbing — that is the oscillation being damped;
// - a manual stop clears the series (the operator is changing something; RFC 4271 §8.2.2 resets
//   the ConnectRetryCounter there too). A manual start skips a running idle hold, but does not
//   clear the series.

export interface BackoffPolicy {
  /** Idle hold after the first failure, ms. */
  readonly baseMs: number;
  /** Growth per further consecutive failure. */
  readonly factor: number;
  /** The idle hold never exceeds this, ms. */
  readonly maxMs: number;
  /** A session Established at least this long before failing starts a new series, ms. */
  readonly stableMs: number;
}

export const defaultBackoffPolicy: BackoffPolicy = {
  baseMs: 5_000,
  factor: 2,
  maxMs: 120_000,
  stableMs: 300_000,
};

export interface BackoffState {
  /** Consecutive failures in the current series. */
  readonly failures: number;
  /** When the current connection reached Established (ms, clock scale), else null. */
  readonly establishedAt: number | null;
}

export const initialBackoff: BackoffState = { failures: 0, establishedAt: null };

export function validateBackoffPolicy(p: BackoffPolicy): void {
  if (!(p.baseMs > 0 && Number.isFinite(p.baseMs))) throw new RangeError(`backoff baseMs must be > 0, not ${p.baseMs}`);
  if (!(p.factor >= 1 && Number.isFinite(p.factor))) throw new RangeError(`backoff factor must be ≥ 1, not ${p.factor}`);
  if (!(p.maxMs >= p.baseMs && Number.isFinite(p.maxMs))) throw new RangeError(`backoff maxMs must be ≥ baseMs, not ${p.maxMs}`);
  if (!(p.stableMs >= 0)) throw new RangeError(`backoff stableMs must be ≥ 0, not ${p.stableMs}`);
}

/** The connection reached Established at `now`. */
export function backoffEstablished(b: BackoffState, now: number): BackoffState {
  return { failures: b.failures, establishedAt: now };
}

/** The connection ended involuntarily at `now`: one more failure, or the first of a new series. */
export function backoffFailure(b: BackoffState, now: number, policy: BackoffPolicy): BackoffState {
  const stable = b.establishedAt !== null && now - b.establishedAt >= policy.stableMs;
  return { failures: stable ? 1 : b.failures + 1, establishedAt: null };
}

/** An operator stop: the series is forgotten. */
export function backoffReset(): BackoffState {
  return initialBackoff;
}

/** The idle hold (before jitter) that the current series calls for; 0 before any failure. */
export function idleHoldMs(b: BackoffState, policy: BackoffPolicy): number {
  if (b.failures <= 0) return 0;
  // Past ~64 doublings the power is Infinity and min() returns the cap; no overflow to fear.
  return Math.min(policy.maxMs, policy.baseMs * policy.factor ** (b.failures - 1));
}
