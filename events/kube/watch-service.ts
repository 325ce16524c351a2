// The watcher's lifecycle: alone, or under leader election — a new KubeWatcher for each term of
// leadership (it loads the checkpoint and lists everything again: a new leader relists), stopped
// when the term ends. A standby does nothing but campaign.

import { runLeaderTerms, type LeaseOptions } from './leader-terms.ts';
import { KubeWatcher, type WatcherOptions, type WatcherStatus } from './watcher.ts';

export interface WatchServiceOptions extends Omit<WatcherOptions, 'mayPublish'> {
  readonly leaderElection?: LeaseOptions;
}

export interface WatchService {
  /** 'standby' while another replica leads. */
  status(): WatcherStatus | 'standby';
  stop(): Promise<void>;
}

export async function startWatchService(opts: WatchServiceOptions): Promise<WatchService> {
  const terms = await runLeaderTerms({
    api: opts.api,
    lease: opts.leaderElection,
    log: opts.log,
    start: async (mayPublish) => {
      const watcher = new KubeWatcher({ ...opts, mayPublish });
      const started = watcher.start();
      // A leader whose watcher cannot start (checkpoint unreadable?) stays not ready; the Lease decides.
      if (opts.leaderElection) await started.catch((e: Error) => opts.log.error({ err: e.message }, 'the watcher could not start'));
      else await started;
      return watcher;
    },
  });
  return { status: () => terms.current()?.status() ?? 'standby', stop: () => terms.stop() };
}
