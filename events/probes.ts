// Is Redis there, is Kafka there: the answers /readyz checks and the bgpcast_redis_up /
// bgpcast_kafka_up gauges give, bounded in time (a probe must never hang a scrape).

import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { CheckResult } from './telemetry.ts';

/** `promise`, or a rejection after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Redis answers PING within `timeoutMs` on this connection (a connection not ready fails at once). */
export async function redisReachable(redis: Redis, timeoutMs = 2_000): Promise<CheckResult> {
  if (redis.status !== 'ready') return { ok: false, detail: `connection ${redis.status}` };
  try {
    await withTimeout(redis.ping(), timeoutMs, 'redis');
    return { ok: true };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}

/** Kafka answers a metadata request within `timeoutMs`. */
export async function kafkaReachable(kafka: Kafka, timeoutMs = 2_000): Promise<CheckResult> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await withTimeout(admin.connect().then(() => admin.describeCluster()), timeoutMs, 'kafka');
    return { ok: true };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  } finally {
    void admin.disconnect().catch(() => undefined);
  }
}
