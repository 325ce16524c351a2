// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection package does
// it, as pure decisions; leader-election.ts does the I/O. A candidate takes the Lease when it is
// free or its holder has not renewed for leaseDuration — measured on this process's clock from
// when it last saw the record change, never from the timestamps in it (clocks differ). Every
// write carries the resourceVersion it read, so two candidates cannot both win. A leader that has
// not renewed for renewDeadline (< leaseDuration) stops publishing before anyone may take over.

export interface ElectionConfig {
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/** client-go's defaults. */
export const DEFAULT_ELECTION: Omit<ElectionConfig, 'identity'> = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** Lease.spec, with the times as RFC 3339 micro-time text. */
export interface LeaseSpec {
  readonly holderIdentity?: string | null;
  readonly leaseDurationSeconds?: number | null;
  readonly acquireTime?: string | null;
  readonly renewTime?: string | null;
  readonly leaseTransitions?: number | null;
}

export interface ObservedLease {
  readonly spec: LeaseSpec;
  readonly resourceVersion: string;
}

export interface ElectionState {
  /** The record last seen, and when (local clock) it was first seen as it is. */
  readonly observed: LeaseSpec | null;
  readonly observedAtMs: number;
  readonly leading: boolean;
  /** When this process last wrote the Lease as holder. */
  readonly renewedAtMs: number | null;
}

export const initialElection: ElectionState = { observed: null, observedAtMs: 0, leading: false, renewedAtMs: null };

export type Attempt =
  | { readonly kind: 'create'; readonly spec: LeaseSpec }
  | { readonly kind: 'update'; readonly spec: LeaseSpec; readonly resourceVersion: string }
  | { readonly kind: 'held'; readonly holder: string };

/** Micro-time as the API server writes it: six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const sameSpec = (a: LeaseSpec | null, b: LeaseSpec): boolean =>
  a !== null &&
  (a.holderIdentity ?? '') === (b.holderIdentity ?? '') &&
  (a.renewTime ?? '') === (b.renewTime ?? '') &&
  (a.acquireTime ?? '') === (b.acquireTime ?? '') &&
  (a.leaseTransitions ?? 0) === (b.leaseTransitions ?? 0) &&
  (a.leaseDurationSeconds ?? 0) === (b.leaseDurationSeconds ?? 0);

/** What to do with the Lease as read (null: it does not exist); the state notes what was seen. */
export function decide(
  state: ElectionState,
  lease: ObservedLease | null,
  cfg: ElectionConfig,
  nowMs: number,
): { state: ElectionState; attempt: Attempt } {
  const seconds = Math.max(1, Math.round(cfg.leaseDurationMs / 1000));
  if (lease === null) {
    const spec = { holderIdentity: cfg.identity, leaseDurationSeconds: seconds, acquireTime: microTime(nowMs), renewTime: microTime(nowMs), leaseTransitions: 0 };
    return { state, attempt: { kind: 'create', spec } };
  }
  const seen = sameSpec(state.observed, lease.spec) ? state : { ...state, observed: lease.spec, observedAtMs: nowMs };
  const holder = lease.spec.holderIdentity ?? '';
  const durationMs = (lease.spec.leaseDurationSeconds ?? seconds) * 1000;
  if (holder !== '' && holder !== cfg.identity && seen.observedAtMs + durationMs > nowMs) {
    return { state: { ...seen, leading: false }, attempt: { kind: 'held', holder } };
  }
  const ours = holder === cfg.identity;
  const spec: LeaseSpec = {
    holderIdentity: cfg.identity,
    leaseDurationSeconds: seconds,
    acquireTime: ours ? (lease.spec.acquireTime ?? microTime(nowMs)) : microTime(nowMs),
    renewTime: microTime(nowMs),
    leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
  };
  return { state: seen, attempt: { kind: 'update', spec, resourceVersion: lease.resourceVersion } };
}

/** The write of `spec` succeeded: this process leads, renewed now. */
export function written(state: ElectionState, spec: LeaseSpec, nowMs: number): ElectionState {
  return { observed: spec, observedAtMs: nowMs, leading: true, renewedAtMs: nowMs };
}

/** A read or write failed (conflict, API away): leadership ends once the renew deadline passed. */
export function failed(state: ElectionState, cfg: ElectionConfig, nowMs: number): ElectionState {
  return state.leading && !mayPublish(state, cfg, nowMs) ? { ...state, leading: false } : state;
}

/** Only a leader inside its renew deadline publishes. */
export function mayPublish(state: ElectionState, cfg: ElectionConfig, nowMs: number): boolean {
  return state.leading && state.renewedAtMs !== null && nowMs - state.renewedAtMs < cfg.renewDeadlineMs;
}

/** The spec a leader writes when it stops on purpose, so a candidate need not wait the lease out. */
export function releasedSpec(observed: LeaseSpec): LeaseSpec {
  return { ...observed, holderIdentity: '', leaseDurationSeconds: 1 };
}
