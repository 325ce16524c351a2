// The speaker's two Redis connections (commands, and one in SUBSCRIBE mode). Both reconnect
// forever with back-off (100 ms growing to 5 s); a command issued while Redis is away fails after
// one reconnection attempt instead of piling up. One log line per outage, not per attempt.

import { Redis } from 'ioredis';
import type { Logger } from '../../events/log.ts';
import { redactRedisUrl } from '../../events/redis-keys.ts';

export interface SpeakerRedis {
  readonly redis: Redis;
  readonly subscriber: Redis;
  close(): Promise<void>;
}


function client(url: string, name: string, log: Logger, subscriber: boolean): Redis {
  const r = new Redis(url, {
    connectionName: name,
    connectTimeout: 5_000,
    // The subscriber's SUBSCRIBE waits for Redis; other commands fail fast and are retried by
    // the next resync or status tick.
    maxRetriesPerRequest: subscriber ? null : 1,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
    enableOfflineQueue: true,
  });
  let down = false;
  r.on('error', (e: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: e.message, url: redactRedisUrl(url), connection: name }, 'Redis unavailable; sessions and routes stay as they are, retrying');
  });
  r.on('ready', () => {
    if (down) log.info({ url: redactRedisUrl(url), connection: name }, 'Redis reachable again; resynchronising');
    down = false;
  });
  return r;
}

export function createSpeakerRedis(url: string, log: Logger): SpeakerRedis {
  const redis = client(url, 'bgpcast-speaker', log, false);
  const subscriber = client(url, 'bgpcast-speaker-sub', log, true);
  return {
    redis,
    subscriber,
    async close() {
      await Promise.all([redis, subscriber].map((c) => closeClient(c)));
    },
  };
}

/** QUIT when connected (bounded), otherwise drop the connection and stop reconnecting. */
async function closeClient(c: Redis): Promise<void> {
  if (c.status === 'ready') {
    const quit = c.quit().then(() => true, () => false);
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), 1_000).unref());
    if (await Promise.race([quit, timeout])) return;
  }
  c.disconnect();
}
