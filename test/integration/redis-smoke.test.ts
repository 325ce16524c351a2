// Proves the Redis from the global setup answers ioredis: plain keys and a pub/sub round-trip
// (speakers subscribe to notifications, then read the document).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';

describe('redis-server', () => {
  const url = inject('redisUrl');
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(url, { maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('set / get', async () => {
    const r = client();
    const key = `smoke:{${randomUUID()}}:doc`;
    await r.set(key, JSON.stringify({ revision: 1 }), 'EX', 60);
    expect(JSON.parse((await r.get(key)) ?? 'null')).toEqual({ revision: 1 });
  });

  it('pub/sub round-trip', async () => {
    const sub = client();
    const pub = client();
    const channel = `smoke:${randomUUID()}`;
    const received = new Promise<string>((resolve) => {
      sub.on('message', (ch: string, msg: string) => {
        if (ch === channel) resolve(msg);
      });
    });
    await sub.subscribe(channel); // resolves once the server confirmed the subscription
    expect(await pub.publish(channel, 'node-1 rev 7')).toBe(1);
    expect(await received).toBe('node-1 rev 7');
  });
});
