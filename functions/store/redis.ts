// The one place that builds an ioredis client for functions/ and the CLI. Long-running runners
// reconnect with back-off forever and fail each command after a few attempts (so a batch fails
// and is redelivered instead of hanging); the CLI fails fast.

import { Redis } from 'ioredis';
import type { Logger } from '../../events/log.ts';
import { defineScripts } from './scripts.ts';
import { redactRedisUrl } from '../../events/redis-keys.ts';

export interface RedisClientOptions {
  readonly url: string;
  /** 'runner': reconnect forever; 'cli': one attempt, fail fast. */
  readonly mode: 'runner' | 'cli';
  readonly log?: Logger;
  readonly name?: string;
}

export function createRedis(opts: RedisClientOptions): Redis {
  const runner = opts.mode === 'runner';
  const redis = new Redis(opts.url, {
    connectionName: opts.name ?? 'bgpcast',
    connectTimeout: runner ? 5_000 : 2_000,
    maxRetriesPerRequest: runner ? 2 : 0,
    // Back-off 100 ms, 200 ms, … capped at 2 s; the CLI does not retry.
    retryStrategy: runner ? (times) => Math.min(times * 100, 2_000) : () => null,
    enableOfflineQueue: true,
    lazyConnect: !runner,
  });
  let down = false;
  redis.on('error', (e: Error) => {
    // One line per outage, not one per reconnect attempt.
    if (down) return;
    down = true;
    opts.log?.warn({ err: e.message, url: redactRedisUrl(opts.url) }, 'redis unavailable; retrying with back-off');
  });
  redis.on('ready', () => {
    if (down) opts.log?.info({ url: redactRedisUrl(opts.url) }, 'redis reachable again');
    down = false;
  });
  return defineScripts(redis);
}

/** True for errors that mean "Redis is not reachable right now" (retry later), not a bug. */
export function isRedisUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
  return /Connection is closed|connect ECONNREFUSED|Stream isn't writeable|enableOfflineQueue|LOADING|Reached the max retries/i.test(
    e.message,
  );
}

