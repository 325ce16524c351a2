// The DesiredWatcher's rules against a stand-in for Redis: subscribe before the first read; a
// delta on top of the applied revision is handed over without a read, an older one ignored, a gap
// or a truncated or unreadable message reads the document; deltas arriving during a read are
// applied after it when they follow its revision; a periodic or reconnect check costs one HMGET
// when nothing changed; a document of another store epoch (a rebuilt store) is applied whatever
// its revision, a lower revision of the same epoch is not; an invalid or missing
// document keeps the last state; the former one-field layout is still read. The stand-in implements
// the part of ioredis' interface the watcher uses (WatcherRedis), answers through promises only, and
// the periodic check runs on a ManualClock: nothing here waits on the wall clock.

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { DesiredDelta, DesiredRouteChange } from '../../../events/desired-delta.ts';
import { routeField, routeValue } from '../../../events/desired-delta.ts';
import type { DesiredNodeState } from '../../../events/desired-state.ts';
import { createLogger } from '../../../events/log.ts';
import type { DesiredReadMulti } from '../../../events/desired-read.ts';
import { ManualClock } from '../../../speaker/session/clock.ts';
import type { DesiredDocument, WatcherRedis, WatcherSubscriber } from '../../../speaker/worker/desired-watcher.ts';
import { DesiredWatcher } from '../../../speaker/worker/desired-watcher.ts';
import { route } from '../../support/speaker.ts';
import { desiredPeer } from './fixtures.ts';

const log = createLogger('test', 'silent');
const HEAD = 'p:{n1}:desired';
const ROUTES = 'p:{n1}:desired:routes';
const CHANNEL = 'p:{n1}:desired:changed';

class FakeRedis extends EventEmitter implements WatcherRedis, WatcherSubscriber {
  readonly calls: string[] = [];
  readonly hashes = new Map<string, Record<string, string>>();
  down = false;
  /** When set, the reply to a MULTI waits for it. */
  gate: Promise<void> | null = null;

  #check(call: string): void {
    this.calls.push(call);
    if (this.down) throw new Error('connect ECONNREFUSED');
  }
  async hget(key: string, field: string): Promise<string | null> {
    this.#check(`hget ${key} ${field}`);
    return this.hashes.get(key)?.[field] ?? null;
  }
  async hmget(key: string, ...fields: string[]): Promise<(string | null)[]> {
    this.#check(`hmget ${key} ${fields.join(' ')}`);
    return fields.map((f) => this.hashes.get(key)?.[f] ?? null);
  }
  multi(): DesiredReadMulti {
    const ops: (() => unknown)[] = [];
    const chain: DesiredReadMulti = {
      hmget: (key, ...fields) => (ops.push(() => fields.map((f) => this.hashes.get(key)?.[f] ?? null)), chain),
      hgetall: (key) => (ops.push(() => ({ ...(this.hashes.get(key) ?? {}) })), chain),
      exec: async () => {
        this.#check('multi');
        const replies = ops.map((op): [Error | null, unknown] => [null, op()]); // executed now, the reply comes later
        if (this.gate) await this.gate;
        return replies;
      },
    };
    return chain;
  }
  async subscribe(...channels: string[]): Promise<number> {
    this.calls.push(`subscribe ${channels.join(' ')}`);
    return channels.length;
  }
}

const sessions = (peers: string[] = ['r1']): DesiredNodeState => ({
  node: 'n1',
  instances: [
    {
      name: 'i1',
      localASN: 64000,
      routerID: '10.0.0.1',
      localPort: null,
      peers: peers.map((name) => desiredPeer(name, '10.0.0.2')),
    },
  ],
});

/** Writes revision `revision` with routes `prefixes` (peer r1) in the split layout; `epoch`: the store epoch it names (none: a writer before epochs). */
function store(redis: FakeRedis, revision: number, prefixes: string[], sessionsText = JSON.stringify(sessions()), epoch?: string) {
  redis.hashes.set(HEAD, { revision: String(revision), sessions: sessionsText, updatedAt: '2026-01-01T00:00:00.000Z', ...(epoch === undefined ? {} : { epoch }) });
  const slot = { instance: 'i1', peer: 'r1', afi: 'ipv4' as const };
  redis.hashes.set(ROUTES, Object.fromEntries(prefixes.map((p) => [routeField(slot, p), routeValue(route(p))])));
}

const add = (prefix: string): DesiredRouteChange => ({ instance: 'i1', peer: 'r1', afi: 'ipv4', prefix, route: route(prefix) });
const delta = (revision: number, routes: DesiredRouteChange[] = [], extra: Partial<DesiredDelta> = {}): DesiredDelta => ({
  node: 'n1',
  epoch: '',
  revision,
  previous: revision - 1,
  sessions: null,
  routes,
  truncated: false,
  ...extra,
});

type Seen = { doc: number; routes: string[] } | { delta: number };

async function setup(init?: (redis: FakeRedis) => void, hooks: { onDocument?: (d: DesiredDocument) => Promise<void>; onDelta?: (d: DesiredDelta) => Promise<void> } = {}) {
  const redis = new FakeRedis();
  const subscriber = new FakeRedis();
  init?.(redis);
  const seen: Seen[] = [];
  const resynced: string[] = [];
  const clock = new ManualClock();
  const watcher = new DesiredWatcher({
    redis,
    subscriber,
    prefix: 'p',
    nodes: ['n1'],
    log,
    resyncMs: 30_000,
    clock,
    onDocument: async (d) => {
      seen.push({ doc: d.revision, routes: d.state.instances.flatMap((i) => i.peers.flatMap((p) => p.families.flatMap((f) => f.routes.map((r) => r.prefix)))) });
      await hooks.onDocument?.(d);
    },
    onDelta: async (_node, d) => {
      seen.push({ delta: d.revision });
      await hooks.onDelta?.(d);
    },
    onResync: async (n) => void resynced.push(n),
  });
  await watcher.start();
  const reads = () => redis.calls.filter((c) => c === 'multi').length;
  return { redis, subscriber, watcher, seen, resynced, reads, clock };
}

const publish = (sub: FakeRedis, m: DesiredDelta | number | string) => sub.emit('message', CHANNEL, typeof m === 'string' ? m : JSON.stringify(m));
/** Lets every reply and hand-over in flight finish: the stand-in answers through promises only. */
const settle = () => new Promise((r) => setImmediate(r));

describe('DesiredWatcher', () => {
  it('subscribes before it reads, then applies the document', async () => {
    const { redis, subscriber, seen, watcher } = await setup((r) => store(r, 3, ['10.0.1.0/24', '10.0.0.0/24']));
    expect(subscriber.calls).toEqual([`subscribe ${CHANNEL}`]);
    expect(redis.calls).toEqual(['multi']);
    expect(seen).toEqual([{ doc: 3, routes: ['10.0.0.0/24', '10.0.1.0/24'] }]);
    expect(watcher.revision('n1')).toBe(3);
    await watcher.close();
  });

  it('a delta on top of the applied revision is handed over without a read; an older one is ignored', async () => {
    const { subscriber, seen, watcher, reads } = await setup((r) => store(r, 3, []));
    publish(subscriber, delta(4, [add('10.0.0.0/24')]));
    publish(subscriber, delta(5));
    publish(subscriber, delta(5));
    publish(subscriber, delta(3));
    await settle();
    expect(seen).toEqual([{ doc: 3, routes: [] }, { delta: 4 }, { delta: 5 }]);
    expect(reads()).toBe(1);
    expect(watcher.revision('n1')).toBe(5);
    await watcher.close();
  });

  it('a gap, a truncated delta, a bare revision or an unreadable message reads the document', async () => {
    const { redis, subscriber, seen, watcher, reads } = await setup((r) => store(r, 1, []));
    store(redis, 3, ['10.0.0.0/24']);
    publish(subscriber, delta(3)); // 2 was missed
    await settle();
    store(redis, 4, ['10.0.0.0/24', '10.0.1.0/24']);
    publish(subscriber, delta(4, [], { truncated: true }));
    await settle();
    publish(subscriber, 4); // a bare revision already applied: nothing to do
    await settle();
    expect(reads()).toBe(3);
    store(redis, 5, []);
    publish(subscriber, 5);
    await settle();
    store(redis, 6, ['10.0.9.0/24']);
    publish(subscriber, '{"node":"n1","revision":6}');
    await settle();
    expect(seen).toEqual([
      { doc: 1, routes: [] },
      { doc: 3, routes: ['10.0.0.0/24'] },
      { doc: 4, routes: ['10.0.0.0/24', '10.0.1.0/24'] },
      { doc: 5, routes: [] },
      { doc: 6, routes: ['10.0.9.0/24'] },
    ]);
    expect(watcher.revision('n1')).toBe(6);
    await watcher.close();
  });

  it('a delta whose route does not hold together is not applied: the document is read', async () => {
    const { redis, subscriber, seen, watcher } = await setup((r) => store(r, 1, []));
    store(redis, 2, ['10.0.0.0/24']);
    publish(subscriber, JSON.stringify(delta(2, [{ ...add('10.0.0.0/24'), route: { prefix: '10.0.0.0/24' } as never }])));
    await settle();
    expect(seen).toEqual([{ doc: 1, routes: [] }, { doc: 2, routes: ['10.0.0.0/24'] }]);
    await watcher.close();
  });

  it('deltas arriving during a read: those following its revision are applied after it, the others dropped', async () => {
    const { redis, subscriber, seen, watcher, reads } = await setup((r) => store(r, 1, []));
    let release: () => void = () => undefined;
    redis.gate = new Promise<void>((r) => (release = r));
    store(redis, 4, ['10.0.0.0/24']);
    publish(subscriber, delta(4)); // a gap: read (blocked), the store is at 4
    await settle();
    publish(subscriber, delta(4)); // already in what the read returns
    publish(subscriber, delta(5)); // follows it
    publish(subscriber, delta(6));
    redis.gate = null;
    release();
    await settle();
    expect(seen).toEqual([{ doc: 1, routes: [] }, { doc: 4, routes: ['10.0.0.0/24'] }, { delta: 5 }, { delta: 6 }]);
    expect(reads()).toBe(2);
    await watcher.close();
  });

  it('a delta arriving during a read that does not follow its revision reads again', async () => {
    const { redis, subscriber, seen, watcher, reads } = await setup((r) => store(r, 1, []));
    let release: () => void = () => undefined;
    redis.gate = new Promise<void>((r) => (release = r));
    store(redis, 3, []);
    publish(subscriber, delta(3));
    await settle();
    publish(subscriber, delta(6)); // 4 and 5 lost
    store(redis, 6, ['10.0.6.0/24']);
    redis.gate = null;
    release();
    await settle();
    expect(seen).toEqual([{ doc: 1, routes: [] }, { doc: 3, routes: [] }, { doc: 6, routes: ['10.0.6.0/24'] }]);
    expect(reads()).toBe(3);
    await watcher.close();
  });

  it('deltas are applied one at a time, in order', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { subscriber, seen, watcher } = await setup((r) => store(r, 1, []), { onDelta: async (d) => (d.revision === 2 ? gate : undefined) });
    for (const rev of [2, 3, 4]) publish(subscriber, delta(rev));
    await settle();
    expect(seen).toEqual([{ doc: 1, routes: [] }, { delta: 2 }]);
    release();
    await settle();
    expect(seen).toEqual([{ doc: 1, routes: [] }, { delta: 2 }, { delta: 3 }, { delta: 4 }]);
    await watcher.close();
  });

  it('a periodic or reconnect check costs one HMGET when nothing changed; a change is read', async () => {
    const { redis, seen, watcher, resynced, reads, clock } = await setup((r) => store(r, 3, []));
    redis.calls.length = 0;
    clock.advance(29_999);
    await settle();
    expect(redis.calls).toEqual([]); // not yet: every 30 s
    clock.advance(1);
    await settle();
    redis.emit('ready');
    await settle();
    expect(redis.calls).toEqual([`hmget ${HEAD} revision epoch`, `hmget ${HEAD} revision epoch`]);
    expect(resynced).toEqual(['n1']);
    store(redis, 4, ['10.0.0.0/24']);
    clock.advance(30_000);
    await settle();
    expect(reads()).toBe(1);
    expect(seen.at(-1)).toEqual({ doc: 4, routes: ['10.0.0.0/24'] });
    await watcher.close();
  });

  it('a document of another store epoch (the world rebuilt from the log) is applied whatever its revision, lower or equal', async () => {
    const sessionsText = JSON.stringify(sessions());
    const { redis, seen, watcher } = await setup((r) => store(r, 9, ['10.0.0.0/24'], sessionsText, 'a'));
    store(redis, 2, ['10.0.0.0/24', '10.0.1.0/24'], sessionsText, 'b');
    await watcher.resyncAll('periodic');
    store(redis, 2, ['10.0.2.0/24'], sessionsText, 'c');
    await watcher.resyncAll('periodic');
    expect(seen).toEqual([
      { doc: 9, routes: ['10.0.0.0/24'] },
      { doc: 2, routes: ['10.0.0.0/24', '10.0.1.0/24'] },
      { doc: 2, routes: ['10.0.2.0/24'] },
    ]);
    expect([watcher.epoch('n1'), watcher.revision('n1')]).toEqual(['c', 2]);
    await watcher.close();
  });

  it('a delta of another epoch is not applied on top of the revision held: the document is read', async () => {
    const sessionsText = JSON.stringify(sessions());
    const { redis, subscriber, seen, watcher, reads } = await setup((r) => store(r, 4, ['10.0.0.0/24'], sessionsText, 'a'));
    store(redis, 5, ['10.0.0.0/24', '10.0.5.0/24'], sessionsText, 'b');
    // Its previous is the revision held, but of the old epoch: the routes it changes are not those held.
    publish(subscriber, delta(5, [add('10.0.5.0/24')], { epoch: 'b' }));
    await settle();
    expect(seen).toEqual([{ doc: 4, routes: ['10.0.0.0/24'] }, { doc: 5, routes: ['10.0.0.0/24', '10.0.5.0/24'] }]);
    expect(reads()).toBe(2);
    publish(subscriber, delta(6, [add('10.0.6.0/24')], { epoch: 'b' }));
    await settle();
    expect(seen.at(-1)).toEqual({ delta: 6 });
    await watcher.close();
  });

  it('a lower revision of the same epoch (Redis back from an older copy) is not applied: the applied state stays until the store is rebuilt', async () => {
    const sessionsText = JSON.stringify(sessions());
    const { redis, subscriber, seen, watcher } = await setup((r) => store(r, 9, ['10.0.0.0/24', '10.0.1.0/24'], sessionsText, 'a'));
    store(redis, 2, ['10.0.0.0/24'], sessionsText, 'a');
    await watcher.resyncAll('periodic');
    publish(subscriber, delta(3, [], { epoch: 'a' }));
    await settle();
    expect(seen).toEqual([{ doc: 9, routes: ['10.0.0.0/24', '10.0.1.0/24'] }]);
    expect([watcher.epoch('n1'), watcher.revision('n1')]).toEqual(['a', 9]);
    store(redis, 3, ['10.0.0.0/24', '10.0.1.0/24'], sessionsText, 'b');
    await watcher.resyncAll('periodic');
    expect(seen.at(-1)).toEqual({ doc: 3, routes: ['10.0.0.0/24', '10.0.1.0/24'] });
    await watcher.close();
  });

  it('an invalid or vanished document and an unreachable Redis keep the last applied state', async () => {
    const { redis, seen, watcher } = await setup((r) => store(r, 1, []));
    store(redis, 2, [], '{"node":"n1","instances":"oops"}');
    await watcher.read('n1');
    redis.hashes.clear();
    await watcher.read('n1');
    redis.down = true;
    await watcher.read('n1');
    expect(seen).toEqual([{ doc: 1, routes: [] }]);
    redis.down = false;
    store(redis, 3, []);
    redis.emit('ready'); // reconnected: everything is checked again
    await settle();
    expect(seen.map((s) => ('doc' in s ? s.doc : -1))).toEqual([1, 3]);
    await watcher.close();
  });

  it('reads the former layout: the whole document in one field', async () => {
    const legacy = { node: 'n1', instances: [] };
    const { seen, watcher } = await setup((r) => r.hashes.set(HEAD, { revision: '7', digest: 'x', document: JSON.stringify(legacy) }));
    expect(seen).toEqual([{ doc: 7, routes: [] }]);
    await watcher.close();
  });

  it('a failed apply is retried by the next check; a failed delta reads the document', async () => {
    let fail = true;
    const { redis, subscriber, seen, watcher } = await setup((r) => store(r, 4, []), {
      onDocument: async () => {
        if (fail) throw new Error('listen failed');
      },
      onDelta: async () => {
        if (fail) throw new Error('boom');
      },
    });
    expect(watcher.revision('n1')).toBe(0);
    fail = false;
    await watcher.resyncAll('periodic');
    expect(watcher.revision('n1')).toBe(4);
    fail = true;
    store(redis, 5, ['10.0.0.0/24']);
    publish(subscriber, delta(5));
    await settle();
    expect(seen.slice(2)).toEqual([{ delta: 5 }, { doc: 5, routes: ['10.0.0.0/24'] }]);
    await watcher.close();
  });
});
