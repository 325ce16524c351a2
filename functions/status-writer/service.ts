// The status writer as a process runs it: alone, or one term per leadership of a
// coordination.k8s.io Lease (events/kube/leader-terms.ts), so two instances never write at once;
// a new leader starts from what the API server and Redis hold and writes only what differs.

import type { Redis } from 'ioredis';
import type { KubeApi } from '../../events/kube/api.ts';
import { runLeaderTerms, type LeaseOptions } from '../../events/kube/leader-terms.ts';
import { StatusWriter, type StatusWriterOptions, type StatusWriterState } from './status-writer.ts';

export interface StatusWriterServiceOptions extends Omit<StatusWriterOptions, 'api' | 'redis' | 'mayWrite'> {
  readonly api: KubeApi;
  readonly redis: Redis;
  readonly leaderElection?: LeaseOptions;
}

export interface StatusWriterService {
  /** 'standby' while another replica leads; 'candidate' until the Lease was read once. */
  status(): StatusWriterState | 'standby' | 'candidate';
  stop(): Promise<void>;
}

export async function startStatusWriterService(opts: StatusWriterServiceOptions): Promise<StatusWriterService> {
  const terms = await runLeaderTerms({
    api: opts.api,
    lease: opts.leaderElection,
    log: opts.log,
    start: async (mayWrite) => {
      const writer = new StatusWriter({ ...opts, mayWrite });
      writer.start();
      return writer;
    },
  });
  return {
    status: () => terms.current()?.status() ?? (terms.decided() ? 'standby' : 'candidate'),
    stop: () => terms.stop(),
  };
}
