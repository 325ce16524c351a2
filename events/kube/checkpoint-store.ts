// The checkpoint in Redis (events/redis-keys.ts watchCheckpointKey): loaded whole when the watcher
// starts (or becomes leader), written after each acknowledged publish.

import type { Redis } from 'ioredis';
import { decodePublished, encodePublished, type Published } from './checkpoint.ts';

export class CheckpointStore {
  private readonly redis: Redis;
  readonly key: string;

  constructor(redis: Redis, key: string) {
    this.redis = redis;
    this.key = key;
  }

  async load(): Promise<Map<string, Published>> {
    const out = new Map<string, Published>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.key, cursor, 'COUNT', 5000);
      cursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const p = decodePublished(flat[i + 1]!);
        if (p) out.set(flat[i]!, p);
      }
    } while (cursor !== '0');
    return out;
  }

  /** Sets and forgets (null) in one transaction. */
  async apply(changes: ReadonlyMap<string, Published | null>): Promise<void> {
    if (changes.size === 0) return;
    const multi = this.redis.multi();
    const sets: string[] = [];
    const dels: string[] = [];
    for (const [key, p] of changes) {
      if (p) sets.push(key, encodePublished(p));
      else dels.push(key);
    }
    for (let i = 0; i < sets.length; i += 2000) multi.hset(this.key, ...sets.slice(i, i + 2000));
    for (let i = 0; i < dels.length; i += 1000) multi.hdel(this.key, ...dels.slice(i, i + 1000));
    await multi.exec();
  }
}
