// The I/O of leader election (lease-machine.ts decides): read the Lease, write it with the
// resourceVersion read, every retryPeriod; a watchdog ends leadership at the renew deadline even
// when a request hangs. Callbacks start and stop the leader's work. stop() releases the Lease
// (no holder, 1 s) so a standby takes over at once instead of waiting the lease out.

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { HttpMethod } from '@kubernetes/client-node';
import type { Logger } from '../log.ts';
import { KubeApiError, type KubeApi } from './api.ts';
import { sleep } from './backoff.ts';
import { decide, failed, initialElection, mayPublish, releasedSpec, written, type ElectionConfig, type ElectionState, type LeaseSpec, type ObservedLease } from './lease-machine.ts';

export interface LeaderElectionOptions {
  readonly api: KubeApi;
  readonly namespace: string;
  readonly name: string;
  readonly config: ElectionConfig;
  readonly log: Logger;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  /** Each time the Lease was read (this process then knows whether it leads or stands by). */
  readonly onObserved?: () => void;
}

/** hostname_random: unique per process, readable in `kubectl get lease -o yaml`. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomBytes(4).toString('hex')}`;
}

interface LeaseObject {
  metadata?: { resourceVersion?: string };
  spec?: LeaseSpec;
}

export class LeaderElector {
  private readonly opts: LeaderElectionOptions;
  private state: ElectionState = initialElection;
  private lastResourceVersion = '';
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.opts = opts;
  }

  get leading(): boolean {
    return this.state.leading;
  }

  /** True while this process leads and is inside its renew deadline. */
  readonly mayPublish = (): boolean => mayPublish(this.state, this.opts.config, Date.now());

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.opts.namespace)}/leases`;
  }

  start(): void {
    this.opts.log.info({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.config.identity }, 'leader election: candidate');
    this.watchdog = setInterval(() => this.transition(failed(this.state, this.opts.config, Date.now())), 250);
    this.loop = this.run();
  }

  private transition(next: ElectionState): void {
    const was = this.state.leading;
    this.state = next;
    if (!was && next.leading) {
      this.opts.log.info({ identity: this.opts.config.identity }, 'leader election: leading');
      this.opts.onStartedLeading();
    } else if (was && !next.leading) {
      this.opts.log.warn({ identity: this.opts.config.identity }, 'leader election: no longer leading');
      this.opts.onStoppedLeading();
    }
  }

  private async read(timeoutMs: number): Promise<ObservedLease | null> {
    try {
      const lease = await this.opts.api.get<LeaseObject>(`${this.path}/${encodeURIComponent(this.opts.name)}`, { timeoutMs });
      return { spec: lease.spec ?? {}, resourceVersion: lease.metadata?.resourceVersion ?? '' };
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return null;
      throw e;
    }
  }

  private async attempt(): Promise<void> {
    const cfg = this.opts.config;
    const timeoutMs = Math.max(1_000, Math.floor(cfg.renewDeadlineMs / 2));
    const now = Date.now();
    const lease = await this.read(timeoutMs);
    this.opts.onObserved?.();
    const { state, attempt } = decide(this.state, lease, cfg, now);
    if (attempt.kind === 'held') {
      if (this.state.leading || this.state.observed?.holderIdentity !== attempt.holder) this.opts.log.info({ holder: attempt.holder }, 'leader election: held by another');
      this.transition(state);
      return;
    }
    this.state = { ...state, leading: this.state.leading };
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec: attempt.spec };
    const saved =
      attempt.kind === 'create'
        ? await this.opts.api.request<LeaseObject>(HttpMethod.POST, this.path, { body, timeoutMs })
        : await this.opts.api.request<LeaseObject>(HttpMethod.PUT, `${this.path}/${encodeURIComponent(this.opts.name)}`, {
            body: { ...body, metadata: { ...body.metadata, resourceVersion: attempt.resourceVersion } },
            timeoutMs,
          });
    this.lastResourceVersion = saved.metadata?.resourceVersion ?? '';
    // Renewed as of when the round began: the conservative end of the deadline.
    this.transition(written(this.state, attempt.spec, now));
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    const cfg = this.opts.config;
    let failing = false;
    while (!signal.aborted) {
      try {
        await this.attempt();
        failing = false;
      } catch (e) {
        const conflict = e instanceof KubeApiError && (e.code === 409 || e.code === 422);
        if (!failing && !conflict) this.opts.log.warn({ err: (e as Error).message }, 'leader election: the Lease could not be read or written; retrying');
        failing = !conflict;
        this.transition(failed(this.state, cfg, Date.now()));
      }
      const jitter = this.state.leading ? 1 : 1 + Math.random() * 0.2;
      await sleep(cfg.retryPeriodMs * jitter, signal);
    }
  }

  /** Stops campaigning; a leader releases the Lease. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.watchdog);
    await this.loop;
    if (!this.state.leading || !this.state.observed) return;
    const spec = releasedSpec(this.state.observed);
    this.transition({ ...this.state, leading: false });
    await this.opts.api
      .request(HttpMethod.PUT, `${this.path}/${encodeURIComponent(this.opts.name)}`, {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name, namespace: this.opts.namespace, resourceVersion: this.lastResourceVersion }, spec },
        timeoutMs: 3_000,
      })
      .then(() => this.opts.log.info('leader election: Lease released'))
      .catch((e: Error) => this.opts.log.warn({ err: e.message }, 'leader election: could not release the Lease; it expires on its own'));
  }
}
