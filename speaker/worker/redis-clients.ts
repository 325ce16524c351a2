// The speaker's two Redis connections, from the project's client factory (events/redis-client.ts):
// commands, and one in SUBSCRIBE mode. While Redis is away the sessions and the routes applied
// stay as they are; when it is back every node is read again (desired-watcher.ts).

import type { Redis } from 'ioredis';
import type { Logger } from '../../events/log.ts';
import { closeRedisClient, createRedisClient, REDIS_ROLES } from '../../events/redis-client.ts';

export interface SpeakerRedis {
  readonly redis: Redis;
  readonly subscriber: Redis;
  close(): Promise<void>;
}

export function createSpeakerRedis(url: string, log: Logger): SpeakerRedis {
  const common = { url, log, whileAway: 'sessions and routes stay as they are; retrying with back-off', whenBack: 'resynchronising' };
  const redis = createRedisClient({ ...common, role: REDIS_ROLES.service, name: 'bgpcast-speaker' });
  const subscriber = createRedisClient({ ...common, role: REDIS_ROLES.subscriber, name: 'bgpcast-speaker-sub' });
  return {
    redis,
    subscriber,
    async close() {
      await Promise.all([redis, subscriber].map((c) => closeRedisClient(c)));
    },
  };
}
