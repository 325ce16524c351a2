// A node's desired state in Redis (functions/store/desired-store.ts, scripts.ts NODE_CAS_SCRIPT)
// against a real Redis: the compare-and-set refuses stale writers, a confirmation advances only
// the positions, a write changes exactly the routes it names and publishes them as one delta with
// the next revision, a replaceAll write leaves no stale route and publishes a truncated delta,
// and events/desired-read.ts reads back exactly the document computeDesiredNode produced.

import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Redis } from 'ioredis';
import { routeField, routeValue, type DesiredRouteChange } from '../../events/desired-delta.ts';
import { readDesiredDocument } from '../../events/desired-read.ts';
import type { DesiredRoute } from '../../events/desired-state.ts';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { worldFromObjects } from '../../functions/model/world.ts';
import { nodeDocument, planNodeDocument, type WriteStamp } from '../../functions/runner/document.ts';
import {
  compareAndSetNodes,
  listDesiredNodes,
  readNodeHeads,
  readStoredNode,
  type NodeWrite,
} from '../../functions/store/desired-store.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import { advertisement, advertisingPeerConfig, node, service, serviceEntry, simpleCluster } from '../unit/functions/builders.ts';
import { route } from '../support/speaker.ts';
import { freshKeys, parseDelta, redisPool, sortedChanges, waitFor } from './functions-support.ts';

const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());

const stamp: WriteStamp = { positions: '{"0":"1"}', writer: 'w1', epoch: 'e1', updatedAt: '2024-05-01T00:00:00.000Z' };

const change = (prefix: string, r: DesiredRoute | null): DesiredRouteChange => ({ instance: 'i1', peer: 'p1', afi: 'ipv4', prefix, route: r });
const SESSIONS = { node: 'n1', instances: [] };

/** A write on top of the node's current head. */
async function writeOn(redis: Redis, keys: StoreKeys, w: Partial<NodeWrite> & Pick<NodeWrite, 'changes'>): Promise<NodeWrite> {
  const [head] = await readNodeHeads(redis, keys, ['n1'], stamp.epoch);
  return {
    node: 'n1',
    seq: head!.seq,
    revision: head!.revision,
    expectedWriter: head!.writer,
    mode: 'write',
    positions: stamp.positions,
    writer: stamp.writer,
    epoch: stamp.epoch,
    updatedAt: stamp.updatedAt,
    sessions: head!.sessions === null ? JSON.stringify(SESSIONS) : null,
    sessionsDoc: head!.sessions === null ? SESSIONS : null,
    replaceAll: false,
    ...w,
  };
}

/** The messages of one channel, as they arrive. */
async function listen(channel: string): Promise<{ messages: string[]; stop(): Promise<void> }> {
  const sub = pool.client();
  const messages: string[] = [];
  sub.on('message', (c: string, m: string) => c === channel && messages.push(m));
  await sub.subscribe(channel);
  return { messages, stop: async () => void (await sub.unsubscribe()) };
}

const settle = () => new Promise((r) => setTimeout(r, 150));

describe('the node compare-and-set', () => {
  it('refuses a write or a confirmation on a stale seq (or revision, or writer token), and changes nothing then', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const first = await writeOn(redis, keys, { changes: [change('10.0.0.0/24', route('10.0.0.0/24'))] });
    expect(await compareAndSetNodes(redis, keys, [first])).toEqual([{ status: 'written', revision: 1 }]);
    const before = { head: await redis.hgetall(keys.desired('n1')), routes: await redis.hgetall(keys.desiredRoutes('n1')) };
    const watch = await listen(keys.desiredChanged('n1'));
    const stale = { ...first, changes: [change('10.0.1.0/24', route('10.0.1.0/24'))] };
    expect(await compareAndSetNodes(redis, keys, [stale, { ...stale, mode: 'confirm' }])).toEqual([{ status: 'conflict' }, { status: 'conflict' }]);
    const current = await writeOn(redis, keys, { changes: [] });
    expect(await compareAndSetNodes(redis, keys, [{ ...current, revision: current.revision + 5 }])).toEqual([{ status: 'conflict' }]);
    // Right seq and revision, but the head holds another writer's token: a write planned against
    // a head that was predicted, not read, and whose own write was lost.
    expect(await compareAndSetNodes(redis, keys, [{ ...current, expectedWriter: 'a-lost-write' }, { ...current, expectedWriter: null }])).toEqual([
      { status: 'conflict' },
      { status: 'conflict' },
    ]);
    await settle();
    expect(watch.messages).toEqual([]);
    expect({ head: await redis.hgetall(keys.desired('n1')), routes: await redis.hgetall(keys.desiredRoutes('n1')) }).toEqual(before);
    await watch.stop();
  });

  it('a confirmation stores the positions and bumps seq only: same revision, no delta', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    await compareAndSetNodes(redis, keys, [await writeOn(redis, keys, { changes: [change('10.0.0.0/24', route('10.0.0.0/24'))] })]);
    const watch = await listen(keys.desiredChanged('n1'));
    const confirm = await writeOn(redis, keys, { mode: 'confirm', positions: '{"0":"9"}', writer: 'w2', updatedAt: 'later', changes: [] });
    expect(await compareAndSetNodes(redis, keys, [confirm])).toEqual([{ status: 'unchanged', revision: 1 }]);
    const [head] = await readNodeHeads(redis, keys, ['n1'], stamp.epoch);
    expect(head).toEqual({ seq: String(Number(confirm.seq) + 1), revision: 1, positions: { '0': '9' }, sessions: JSON.stringify(SESSIONS), writer: 'w2' });
    expect(await redis.hget(keys.desired('n1'), 'updatedAt')).toBe(stamp.updatedAt);
    await settle();
    expect(watch.messages).toEqual([]);
    await watch.stop();
  });

  it('a write of two changes sets and deletes exactly those, bumps the revision by one and publishes exactly them', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const initial = ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'].map((p) => change(p, route(p)));
    await compareAndSetNodes(redis, keys, [await writeOn(redis, keys, { changes: initial })]);
    expect(await listDesiredNodes(redis, keys)).toEqual(['n1']);
    const watch = await listen(keys.desiredChanged('n1'));
    const two = [change('10.0.1.0/24', route('10.0.1.0/24', { localPreference: 200 })), change('10.0.2.0/24', null)];
    const w = await writeOn(redis, keys, { changes: two, updatedAt: '2024-05-02T00:00:00.000Z' });
    expect(await compareAndSetNodes(redis, keys, [w])).toEqual([{ status: 'written', revision: 2 }]);
    expect(await redis.hgetall(keys.desiredRoutes('n1'))).toEqual({
      [routeField(initial[0]!, '10.0.0.0/24')]: '{}',
      [routeField(initial[1]!, '10.0.1.0/24')]: routeValue(route('10.0.1.0/24', { localPreference: 200 })),
    });
    expect(await redis.hmget(keys.desired('n1'), 'revision', 'routeCount', 'updatedAt', 'sessions')).toEqual([
      '2',
      '2',
      '2024-05-02T00:00:00.000Z',
      JSON.stringify(SESSIONS),
    ]);
    await waitFor('the delta', async () => watch.messages.length > 0);
    await settle();
    expect(watch.messages.map(parseDelta)).toEqual([{ node: 'n1', epoch: 'e1', revision: 2, previous: 1, sessions: null, routes: two, truncated: false, writtenAt: expect.any(Number) }]);
    await watch.stop();
  });

  it('replaceAll deletes every stale route and publishes a truncated delta', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const old = ['10.0.0.0/24', '10.0.1.0/24'].map((p) => change(p, route(p)));
    await compareAndSetNodes(redis, keys, [await writeOn(redis, keys, { changes: old })]);
    await redis.hset(keys.desiredRoutes('n1'), 'not a route field', '{}');
    const watch = await listen(keys.desiredChanged('n1'));
    const all = [change('10.0.1.0/24', route('10.0.1.0/24')), change('10.9.0.0/16', route('10.9.0.0/16'))];
    const sessions = { node: 'n1', instances: [{ name: 'i1', localASN: 1, routerID: '1.1.1.1', localPort: null, peers: [] }] };
    const w = await writeOn(redis, keys, { changes: all, replaceAll: true, sessions: JSON.stringify(sessions), sessionsDoc: sessions });
    expect(await compareAndSetNodes(redis, keys, [w])).toEqual([{ status: 'written', revision: 2 }]);
    expect(Object.keys(await redis.hgetall(keys.desiredRoutes('n1'))).sort()).toEqual(all.map((c) => routeField(c, c.prefix)).sort());
    expect(await redis.hget(keys.desired('n1'), 'routeCount')).toBe('2');
    await waitFor('the delta', async () => watch.messages.length > 0);
    expect(watch.messages.map(parseDelta)).toEqual([{ node: 'n1', epoch: 'e1', revision: 2, previous: 1, sessions, routes: [], truncated: true, writtenAt: expect.any(Number) }]);
    await watch.stop();
  });
});

describe('computed, written, read back', () => {
  const cluster = simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } });
  const peer = advertisingPeerConfig('peer-config', 'bgp', ['ipv4', 'ipv6']);
  const ads = advertisement('ads', [
    { advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65000:99'], large: ['65000:1:2'] }, localPreference: 99 } },
    serviceEntry(['ClusterIP']),
  ]);
  const n1 = node('n1', { bgp: 'true' }, { ips: ['172.16.0.1'], podCIDRs: ['10.1.0.0/24', 'fd00:1::/64'] });
  // Enough Services that the first write carries more than MAX_DELTA_ROUTES routes (published
  // truncated) and more values than one Lua unpack() can take.
  const services = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => service(`s${from + i}`, { clusterIPs: [`10.96.${(from + i) >> 8}.${(from + i) & 255}`, `fd00:96::${(from + i).toString(16)}`] }));

  it('readDesiredDocument gives back exactly what computeDesiredNode produced (routes in order), through a full and an incremental write', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const watch = await listen(keys.desiredChanged('n1'));
    const write = async (objects: unknown[]) => {
      const world = worldFromObjects(objects);
      const [head] = await readNodeHeads(redis, keys, ['n1'], stamp.epoch);
      const stored = await readStoredNode(redis, keys, 'n1');
      const w = planNodeDocument(computeDesiredNode(world, 'n1'), head!, stored, stamp);
      const [outcome] = await compareAndSetNodes(redis, keys, [w]);
      const read = await readDesiredDocument(redis, keys.prefix, 'n1');
      const computed = computeDesiredNode(world, 'n1');
      expect(read!.orphans).toEqual([]);
      expect(read!.document).toEqual({ ...computed, revision: read!.revision });
      expect(nodeDocument(read!.document).text).toBe(nodeDocument(computed).text);
      return { w, outcome, computed };
    };

    const base = [cluster, peer, ads, n1, ...services(1500)];
    const first = await write(base);
    expect(first.outcome).toEqual({ status: 'written', revision: 1 });
    expect(first.w.changes.length).toBe(3002);
    const routes = first.computed.instances[0]!.peers[0]!.families;
    expect(routes.map((f) => [f.afi, f.routes.length])).toEqual([
      ['ipv4', 1501],
      ['ipv6', 1501],
    ]);
    expect(routes[0]!.routes.find((r) => r.prefix === '10.1.0.0/24')).toMatchObject({ communities: ['65000:99'], largeCommunities: ['65000:1:2'], localPreference: 99 });

    // One Service less, one more: four route changes in one delta; the same world again: confirmed.
    const next = [cluster, peer, ads, n1, ...services(1499, 1), ...services(1, 5000)];
    const second = await write(next);
    expect(second.outcome).toEqual({ status: 'written', revision: 2 });
    expect((await write(next)).outcome).toEqual({ status: 'unchanged', revision: 2 });

    await waitFor('two deltas', async () => watch.messages.length >= 2);
    await settle();
    const [d1, d2] = watch.messages.map(parseDelta);
    expect(watch.messages).toHaveLength(2);
    expect(d1).toMatchObject({ revision: 1, previous: 0, truncated: true, routes: [] });
    expect(d1!.sessions).not.toBeNull();
    expect(d2).toMatchObject({ revision: 2, previous: 1, truncated: false, sessions: null });
    expect(sortedChanges(d2!.routes).map((c) => [c.afi, c.prefix, c.route === null])).toEqual([
      ['ipv4', '10.96.0.0/32', true],
      ['ipv4', '10.96.19.136/32', false],
      ['ipv6', 'fd00:96::/128', true],
      ['ipv6', 'fd00:96::1388/128', false],
    ]);
    await watch.stop();
  });
});
