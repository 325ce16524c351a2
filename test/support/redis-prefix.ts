// Every Redis key of one prefix <p> (a test's or a benchmark's keyspace): listed, copied, put back
// as copied (as a Redis restarting from an older copy would), or deleted (as FLUSHALL would, for
// this prefix alone).

import type { Redis } from 'ioredis';

export async function keysOfPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    out.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await keysOfPrefix(redis, prefix);
  for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
  return keys.length;
}

export async function dumpPrefix(redis: Redis, prefix: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const key of await keysOfPrefix(redis, prefix)) {
    const dump = await redis.dumpBuffer(key);
    if (dump) out.set(key, dump);
  }
  return out;
}

/** The prefix as the copy has it, in one MULTI. */
export async function restorePrefix(redis: Redis, prefix: string, copy: ReadonlyMap<string, Buffer>): Promise<void> {
  const current = await keysOfPrefix(redis, prefix);
  const m = redis.multi();
  if (current.length > 0) m.del(...current);
  for (const [key, dump] of copy) m.restore(key, 0, dump, 'REPLACE');
  await m.exec();
}
