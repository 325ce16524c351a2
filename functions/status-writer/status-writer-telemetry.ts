// The status writer's /metrics and /readyz: its series of the catalogue (events/metrics-catalogue.ts)
// and Redis reachability; ready while it leads with its first full round done, or stands by, and
// Redis and the API server answer.

import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { KubeApi } from '../../events/kube/api.ts';
import { Series } from '../../events/metrics-catalogue.ts';
import { redisReachable, withTimeout } from '../../events/probes.ts';
import { counter, gauge, type Check, type CheckResult } from '../../events/telemetry.ts';
import type { StatusWriterService } from './service.ts';
import type { StatusWriterMetrics } from './status-writer.ts';

export interface StatusWriterTelemetry {
  readonly metrics: StatusWriterMetrics;
  ready(service: StatusWriterService, api: KubeApi): Check[];
}

export function statusWriterTelemetry(registry: Registry, redis: Redis): StatusWriterTelemetry {
  const writes = counter(registry, Series.statusWriterWrites);
  const rounds = counter(registry, Series.statusWriterRounds);
  const conflicts = gauge(registry, Series.statusWriterConflicts);
  gauge(registry, Series.redisUp, async function () {
    this.set((await redisReachable(redis)).ok ? 1 : 0);
  });
  return {
    metrics: {
      write: (kind, op, outcome) => writes.inc({ kind, op, outcome }),
      round: (trigger) => rounds.inc({ trigger }),
      conflicts: (n) => conflicts.set(n),
    },
    ready: (service, api) => [
      {
        name: 'leader',
        run: (): CheckResult => {
          const s = service.status();
          if (s === 'standby') return { ok: true, detail: 'standby' };
          if (s === 'candidate') return { ok: false, detail: 'the Lease has not been read yet' };
          return s.synced ? { ok: true } : { ok: false, detail: s.lastError ?? 'first round not done yet' };
        },
      },
      { name: 'redis', run: () => redisReachable(redis) },
      {
        name: 'kube',
        run: () =>
          withTimeout(api.get('/version', { timeoutMs: 2_000 }), 2_000, 'kube').then(
            (): CheckResult => ({ ok: true }),
            (e: Error): CheckResult => ({ ok: false, detail: e.message }),
          ),
      },
    ],
  };
}
