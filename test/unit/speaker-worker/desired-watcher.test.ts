// The DesiredWatcher's rules against a stand-in for Redis: subscribe before the first read, apply
// newer revisions only, hints naming an applied revision cost no read, a rebuilt store (lower
// revision, other digest) is applied, an invalid or missing document keeps the last state, and a
// failed read or apply is retried by the next resync.

import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../events/log.ts';
import type { DesiredDocument } from '../../../speaker/worker/desired-watcher.ts';
import { DesiredWatcher } from '../../../speaker/worker/desired-watcher.ts';

const log = createLogger('test', 'silent');
const KEY = 'p:{n1}:desired';
const CHANNEL = 'p:{n1}:desired:changed';

class FakeRedis extends EventEmitter {
  readonly calls: string[] = [];
  docs = new Map<string, Record<string, string>>();
  down = false;
  async hmget(key: string, ...fields: string[]): Promise<(string | null)[]> {
    this.calls.push(`hmget ${key}`);
    if (this.down) throw new Error('connect ECONNREFUSED');
    return fields.map((f) => this.docs.get(key)?.[f] ?? null);
  }
  async subscribe(...channels: string[]): Promise<number> {
    this.calls.push(`subscribe ${channels.join(' ')}`);
    return channels.length;
  }
}

const doc = (revision: number, digest: string, instances: unknown[] = []) => ({
  revision: String(revision),
  digest,
  document: JSON.stringify({ node: 'n1', instances }),
});

async function setup(initial?: Record<string, string>, onDocument?: (d: DesiredDocument) => Promise<void>) {
  const redis = new FakeRedis();
  const subscriber = new FakeRedis();
  if (initial) redis.docs.set(KEY, initial);
  const applied: DesiredDocument[] = [];
  const resynced: string[] = [];
  const watcher = new DesiredWatcher({
    redis: redis as unknown as Redis,
    subscriber: subscriber as unknown as Redis,
    prefix: 'p',
    nodes: ['n1'],
    log,
    resyncMs: 3_600_000,
    onDocument: onDocument ?? (async (d) => void applied.push(d)),
    onResync: async (n) => void resynced.push(n),
  });
  await watcher.start();
  return { redis, subscriber, watcher, applied, resynced };
}

const hint = (sub: FakeRedis, revision: number) => sub.emit('message', CHANNEL, String(revision));
const settle = () => new Promise((r) => setTimeout(r, 10));

describe('DesiredWatcher', () => {
  it('subscribes before it reads, then applies the document', async () => {
    const { redis, subscriber, applied, watcher } = await setup(doc(3, 'a'));
    expect(subscriber.calls).toEqual([`subscribe ${CHANNEL}`]);
    expect(redis.calls).toEqual([`hmget ${KEY}`]);
    expect(applied.map((d) => [d.revision, d.digest])).toEqual([[3, 'a']]);
    expect(watcher.revision('n1')).toBe(3);
    await watcher.close();
  });

  it('applies newer revisions only; a hint for an applied revision costs no read', async () => {
    const { redis, subscriber, applied, watcher, resynced } = await setup(doc(3, 'a'));
    hint(subscriber, 3);
    await settle();
    expect(redis.calls).toHaveLength(1);
    redis.docs.set(KEY, doc(5, 'b'));
    hint(subscriber, 4); // an older hint still leads to a read of the document, which is at 5
    await settle();
    expect(applied.map((d) => d.revision)).toEqual([3, 5]);
    await watcher.resyncAll('periodic'); // same revision: nothing applied, the resync hook runs
    expect(applied).toHaveLength(2);
    expect(resynced).toEqual(['n1']);
    await watcher.close();
  });

  it('a lower revision with another digest is a rebuilt store: applied; with the same digest: ignored', async () => {
    const { redis, applied, watcher } = await setup(doc(9, 'a'));
    redis.docs.set(KEY, doc(2, 'a'));
    await watcher.read('n1');
    expect(applied.map((d) => d.revision)).toEqual([9]);
    redis.docs.set(KEY, doc(2, 'b'));
    await watcher.read('n1');
    expect(applied.map((d) => d.revision)).toEqual([9, 2]);
    await watcher.close();
  });

  it('an invalid or vanished document and an unreachable Redis keep the last applied state', async () => {
    const { redis, applied, watcher } = await setup(doc(1, 'a'));
    redis.docs.set(KEY, { revision: '2', digest: 'b', document: '{"node":"n1","instances":"oops"}' });
    await watcher.read('n1');
    redis.docs.delete(KEY);
    await watcher.read('n1');
    redis.down = true;
    await watcher.read('n1');
    expect(applied.map((d) => d.revision)).toEqual([1]);
    redis.down = false;
    redis.docs.set(KEY, doc(3, 'c'));
    redis.emit('ready'); // reconnected: everything is read again
    await settle();
    expect(applied.map((d) => d.revision)).toEqual([1, 3]);
    await watcher.close();
  });

  it('a failed apply is retried by the next read', async () => {
    let fail = true;
    const seen: number[] = [];
    const { watcher } = await setup(doc(4, 'a'), async (d) => {
      seen.push(d.revision);
      if (fail) throw new Error('listen failed');
    });
    fail = false;
    await watcher.resyncAll('periodic');
    expect(seen).toEqual([4, 4]);
    expect(watcher.revision('n1')).toBe(4);
    await watcher.close();
  });

  it('reads of one node are serialised: hints during a read cause exactly one more read', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const applied: number[] = [];
    const { redis, subscriber, watcher } = await setup(doc(1, 'a'), async (d) => {
      applied.push(d.revision);
      if (d.revision === 2) await gate;
    });
    redis.docs.set(KEY, doc(2, 'b'));
    hint(subscriber, 2);
    await settle();
    redis.docs.set(KEY, doc(4, 'd'));
    hint(subscriber, 3);
    hint(subscriber, 4);
    await settle();
    const readsWhileBlocked = redis.calls.length;
    release();
    await settle();
    expect(readsWhileBlocked).toBe(2);
    expect(redis.calls.length).toBe(3);
    expect(applied).toEqual([1, 2, 4]);
    await watcher.close();
  });
});
