// The watcher's lifecycle: alone, or under leader election — a new KubeWatcher for each term of
// leadership (it loads the checkpoint and lists everything again: a new leader relists), stopped
// when the term ends. A standby does nothing but campaign.

import type { Logger } from '../log.ts';
import { LeaderElector } from './leader-election.ts';
import type { ElectionConfig } from './lease-machine.ts';
import { KubeWatcher, type WatcherOptions, type WatcherStatus } from './watcher.ts';

export interface WatchServiceOptions extends Omit<WatcherOptions, 'mayPublish'> {
  readonly leaderElection?: { readonly namespace: string; readonly name: string; readonly config: ElectionConfig };
}

export interface WatchService {
  /** 'standby' while another replica leads. */
  status(): WatcherStatus | 'standby';
  stop(): Promise<void>;
}

export async function startWatchService(opts: WatchServiceOptions): Promise<WatchService> {
  const log: Logger = opts.log;
  if (!opts.leaderElection) {
    const watcher = new KubeWatcher(opts);
    await watcher.start();
    return { status: () => watcher.status(), stop: () => watcher.stop() };
  }

  let watcher: KubeWatcher | null = null;
  // Terms start and end in order, each after the previous one's start or stop settled.
  let lifecycle: Promise<void> = Promise.resolve();
  const elector: LeaderElector = new LeaderElector({
    api: opts.api,
    ...opts.leaderElection,
    log,
    onStartedLeading: () => {
      lifecycle = lifecycle.then(async () => {
        if (!elector.leading) return;
        const w = new KubeWatcher({ ...opts, mayPublish: elector.mayPublish });
        watcher = w;
        await w.start().catch((e: Error) => {
          log.error({ err: e.message }, 'the watcher could not start (checkpoint unreadable?); stepping down is left to the lease');
        });
      });
    },
    onStoppedLeading: () => {
      lifecycle = lifecycle.then(async () => {
        const w = watcher;
        watcher = null;
        await w?.stop();
      });
    },
  });
  elector.start();
  return {
    status: () => (watcher ? watcher.status() : 'standby'),
    async stop() {
      await elector.stop();
      await lifecycle;
      await watcher?.stop();
    },
  };
}
