// A component that only works while it holds a Lease: a fresh instance for each term of
// leadership (it starts from what the cluster and Redis hold, as after a restart), stopped when the
// term ends; terms start and end in order. Without an election it is one term for the process.

import type { Logger } from '../log.ts';
import type { KubeApi } from './api.ts';
import { LeaderElector } from './leader-election.ts';
import type { ElectionConfig } from './lease-machine.ts';

export interface LeaseOptions {
  readonly namespace: string;
  readonly name: string;
  readonly config: ElectionConfig;
}

export interface Term {
  stop(): Promise<void>;
}

export interface LeaderTerms<T extends Term> {
  /** The instance of the current term; null while another replica leads (standby). */
  current(): T | null;
  /** Whether this process has read the Lease at least once (knows if it leads or stands by). */
  decided(): boolean;
  /** Ends the term (releasing the Lease) and stops campaigning. */
  stop(): Promise<void>;
}

/**
 * `start(mayAct)` makes a term's instance; `mayAct` says whether it still may act (a leader past
 * its renew deadline may not, even before its term is ended).
 */
export async function runLeaderTerms<T extends Term>(opts: {
  readonly api: KubeApi;
  readonly lease: LeaseOptions | undefined;
  readonly log: Logger;
  readonly start: (mayAct: () => boolean) => Promise<T>;
}): Promise<LeaderTerms<T>> {
  const { log } = opts;
  if (!opts.lease) {
    const only = await opts.start(() => true);
    return { current: () => only, decided: () => true, stop: () => only.stop() };
  }
  let term: T | null = null;
  let decided = false;
  let lifecycle: Promise<void> = Promise.resolve();
  const elector: LeaderElector = new LeaderElector({
    api: opts.api,
    ...opts.lease,
    log,
    onStartedLeading: () => {
      lifecycle = lifecycle.then(async () => {
        if (!elector.leading) return;
        try {
          term = await opts.start(elector.mayPublish);
        } catch (e) {
          log.error({ err: (e as Error).message }, 'the leader could not start; stepping down is left to the lease');
        }
      });
    },
    onStoppedLeading: () => {
      lifecycle = lifecycle.then(async () => {
        const t = term;
        term = null;
        await t?.stop();
      });
    },
    onObserved: () => {
      decided = true;
    },
  });
  elector.start();
  return {
    current: () => term,
    decided: () => decided,
    async stop() {
      await elector.stop();
      await lifecycle;
      await term?.stop();
    },
  };
}
