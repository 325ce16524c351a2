// The store's Redis client: one from the project's client factory (events/redis-client.ts: its
// retry policy, its outage logging) with the store's Lua scripts defined on it (scripts.ts).

import type { Redis } from 'ioredis';
import { createRedisClient, type RedisClientOptions } from '../../events/redis-client.ts';
import { defineScripts } from './scripts.ts';

export function createStoreRedis(opts: RedisClientOptions): Redis {
  return defineScripts(createRedisClient(opts));
}
