// Short-lived Redis use from a CLI command: one connection attempt (2 s at most), then one line
// that names Redis, where it was looked for, why, and the fix (exit 4).

import type { Redis } from 'ioredis';
import { createRedisClient, isRedisUnavailable } from '../events/redis-client.ts';
import { redactRedisUrl, redisUrlFromEnv } from '../events/redis-keys.ts';
import { CliError, ExitCode } from './cli-error.ts';

const CONNECT_WITHIN_MS = 2_000;

export async function withCliRedis<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
  const url = redisUrlFromEnv();
  const redis = createRedisClient({ url, role: 'cli' });
  // ioredis rejects connect() with "Connection is closed."; the cause arrives as an 'error' event.
  let cause: Error | undefined;
  redis.on('error', (e: Error) => (cause ??= e));
  try {
    try {
      // Bounded here: ioredis's own bounds (connect, ready check) add up to several seconds.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), CONNECT_WITHIN_MS)));
      await Promise.race([redis.connect(), timeout]).finally(() => clearTimeout(timer));
    } catch (e) {
      throw unreachableRedis(url, cause ?? (e as Error));
    }
    try {
      return await use(redis);
    } catch (e) {
      if (isRedisUnavailable(e)) throw unreachableRedis(url, cause ?? (e as Error));
      throw e;
    }
  } finally {
    redis.disconnect();
  }
}

function unreachableRedis(url: string, e: Error): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  const reason =
    code === 'ECONNREFUSED' ? 'connection refused'
    : code === 'ENOTFOUND' ? 'unknown host'
    : code === 'ETIMEDOUT' || /timeout|timed out/i.test(e.message) ? `no answer within ${CONNECT_WITHIN_MS / 1000} s`
    : e.message;
  const origin = process.env['BGPCAST_REDIS_URL'] ? 'from BGPCAST_REDIS_URL' : 'the default; BGPCAST_REDIS_URL is unset';
  return new CliError(
    `Redis at ${redactRedisUrl(url)} (${origin}) is not reachable: ${reason}. ` +
      'Start the local stack with `npx bgpcast up`, or set BGPCAST_REDIS_URL to a running Redis.',
    ExitCode.Unavailable,
  );
}
