// The one place that builds an ioredis client, for functions/, speaker/ and the CLI, with one retry
// policy. Long-running roles reconnect forever, 100 ms doubling to 2 s between attempts, and a
// command issued while Redis is away fails after two reconnection attempts instead of piling up
// (the functions' batch is then delivered again; the speaker's next resync or status tick retries);
// a subscriber's SUBSCRIBE waits for Redis instead. A CLI command makes one attempt and fails fast.
// While Redis is away the log says so once per outage, not once per attempt.

import { Redis } from 'ioredis';
import type { Logger } from './log.ts';
import { redactRedisUrl } from './redis-keys.ts';

export const REDIS_ROLES = {
  /** A long-running process's command connection. */
  service: 'service',
  /** A long-running process's connection in SUBSCRIBE mode. */
  subscriber: 'subscriber',
  /** A CLI command: one attempt, fail fast. */
  cli: 'cli',
} as const;
export type RedisRole = (typeof REDIS_ROLES)[keyof typeof REDIS_ROLES];

export interface RedisClientOptions {
  readonly url: string;
  readonly role: RedisRole;
  /** CLIENT SETNAME, shown by CLIENT LIST. */
  readonly name?: string;
  readonly log?: Logger;
  /** What the outage line says keeps working meanwhile (default: "retrying with back-off"). */
  readonly whileAway?: string;
  /** What the line when Redis is back says happens next. */
  readonly whenBack?: string;
}

export const RECONNECT = { firstMs: 100, maxMs: 2_000, commandAttempts: 2 } as const;

/** The wait before reconnection attempt `attempt` (1, 2, …). */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(RECONNECT.firstMs * 2 ** Math.min(attempt - 1, 16), RECONNECT.maxMs);
}

export function createRedisClient(opts: RedisClientOptions): Redis {
  const cli = opts.role === REDIS_ROLES.cli;
  const redis = new Redis(opts.url, {
    connectionName: opts.name ?? 'bgpcast',
    connectTimeout: cli ? 2_000 : 5_000,
    // A Redis that accepts the connection and never answers must not hang a CLI command.
    ...(cli ? { commandTimeout: 2_000 } : {}),
    maxRetriesPerRequest: cli ? 0 : opts.role === REDIS_ROLES.subscriber ? null : RECONNECT.commandAttempts,
    retryStrategy: cli ? () => null : reconnectDelayMs,
    enableOfflineQueue: true,
    lazyConnect: cli,
  });
  const url = redactRedisUrl(opts.url);
  const connection = opts.name;
  let away = false;
  redis.on('error', (e: Error) => {
    if (away || cli) return;
    away = true;
    opts.log?.warn({ err: e.message, url, connection }, `redis unavailable; ${opts.whileAway ?? 'retrying with back-off'}`);
  });
  redis.on('ready', () => {
    if (away) opts.log?.info({ url, connection }, `redis reachable again${opts.whenBack ? `; ${opts.whenBack}` : ''}`);
    away = false;
  });
  return redis;
}

/** QUIT when connected (bounded by `timeoutMs`), otherwise drop the connection and stop reconnecting. */
export async function closeRedisClient(c: Redis, timeoutMs = 1_000): Promise<void> {
  if (c.status === 'ready') {
    const quit = c.quit().then(
      () => true,
      () => false,
    );
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref());
    if (await Promise.race([quit, timeout])) return;
  }
  c.disconnect();
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
