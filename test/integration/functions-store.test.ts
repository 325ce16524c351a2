// The Redis edge on its own: the fold script (idempotence, tombstones, sync markers), and the
// world mirror (incremental sync, reload when the change stream was trimmed or wiped).

import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ConsumedEvent } from '../../events/bus.ts';
import { EnvelopeSchemaVersion, objectEnvelope, type EventEnvelope, type KubeObject, type SyncedEvent } from '../../events/envelope.ts';
import { worldFromObjects } from '../../functions/model/world.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { foldEvent, foldIntoWorld } from '../../functions/store/fold.ts';
import { WorldMirror } from '../../functions/store/world-mirror.ts';
import { ownerOf } from '../../functions/cilium/ownership.ts';
import { advertisement, advertisingPeerConfig, node, simpleCluster } from '../unit/functions/builders.ts';
import { captureLog, effectiveDoc, freshKeys, nameStore, redisPool } from './functions-support.ts';

const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());

const at = (envelope: EventEnvelope, partition: number, offset: number): ConsumedEvent => ({
  topic: 't',
  partition,
  offset: String(offset),
  key: null,
  envelope,
});
const added = (o: Record<string, unknown>, source = 'test') => objectEnvelope('added', o as KubeObject, source);
const deleted = (o: Record<string, unknown>, source = 'test') => objectEnvelope('deleted', o as KubeObject, source);
const marker = (syncId: string, source = 'watch:a'): SyncedEvent => ({
  schema: EnvelopeSchemaVersion,
  id: syncId,
  type: 'synced',
  apiVersion: 'v1',
  kind: 'Node',
  source,
  observedAt: new Date().toISOString(),
  syncId,
});

const keyed = (syncId: string, listed: string[], part?: number, parts?: number): EventEnvelope => ({
  ...marker(syncId),
  keys: listed,
  ...(part === undefined ? {} : { part, parts }),
});

async function fold(keys: ReturnType<typeof freshKeys>, ...events: ConsumedEvent[]) {
  const redis = pool.client();
  const { applied, swept, refused } = await foldIntoWorld(redis, keys, await nameStore(redis, keys), events.map((e) => foldEvent(e)!), [], null);
  expect(refused).toBeNull();
  return { applied, swept };
}

describe('the fold script', () => {
  it('is idempotent: the same event again changes nothing and adds no change entry', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const e = at(added(node('w1', { a: '1' })), 0, 5);
    expect(await fold(keys, e)).toEqual({ applied: 1, swept: 0 });
    expect(await fold(keys, e)).toEqual({ applied: 0, swept: 0 });
    expect(await redis.xlen(keys.changes)).toBe(1);
    expect(await redis.hget(keys.objectPositions, 'Node/w1')).toBe('0:5');
    expect(await redis.hgetall(keys.positions)).toEqual({ '0': '5' });
  });

  it('keeps a tombstone: an older add delivered after the delete does not bring the object back', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    await fold(keys, at(added(node('w1')), 2, 5), at(deleted(node('w1')), 2, 7));
    expect(await redis.hexists(keys.objects, 'Node/w1')).toBe(0);
    expect(await fold(keys, at(added(node('w1')), 2, 5))).toEqual({ applied: 0, swept: 0 });
    expect(await redis.hexists(keys.objects, 'Node/w1')).toBe(0);
    expect(await fold(keys, at(added(node('w1')), 2, 9))).toEqual({ applied: 1, swept: 0 });
    expect(await redis.hexists(keys.objects, 'Node/w1')).toBe(1);
    // Offsets compare as 64-bit numbers, not as text or doubles.
    await fold(keys, at(added(node('w2')), 1, 9), at(added(node('w2', { v: '2' })), 1, 10));
    expect(JSON.parse((await redis.hget(keys.objects, 'Node/w2'))!)).toMatchObject({ metadata: { labels: { v: '2' } } });
    expect(await redis.hgetall(keys.positions)).toEqual({ '1': '10', '2': '9' });
  });

  it('keeps an invalid version beside the version in effect: every mirror, fed in one step, in many or reloaded, holds the last valid one (OBJ-5)', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const broken = (v: string) => ({ ...node('w1', { v }), spec: { podCIDRs: ['not-a-cidr'] } });
    const follower = new WorldMirror(pool.client(), keys);
    await nameStore(redis, keys);
    await follower.sync();
    const history = [at(added(node('w1', { v: '1' })), 0, 1), at(added(broken('2')), 0, 2), at(added(broken('3')), 0, 3)];
    for (const e of history) {
      await fold(keys, e);
      await follower.sync();
    }
    expect(JSON.parse((await redis.hget(keys.objects, 'Node/w1'))!)).toMatchObject({ metadata: { labels: { v: '1' } } });
    expect(JSON.parse((await redis.hget(keys.invalidObjects, 'Node/w1'))!)).toMatchObject({ metadata: { labels: { v: '3' } } });
    const reloaded = new WorldMirror(pool.client(), keys);
    await reloaded.sync();
    for (const world of [follower.world, reloaded.world]) {
      expect(world.nodes.get('w1')?.meta.labels).toEqual({ v: '1' });
      expect(world.invalid.get('Node/w1')?.issues.map((i) => i.path)).toEqual(['spec.podCIDRs[0]']);
    }

    // A valid version clears the invalid one; a delete after an invalid version clears both.
    await fold(keys, at(added(node('w1', { v: '4' })), 0, 4));
    expect(await redis.hexists(keys.invalidObjects, 'Node/w1')).toBe(0);
    await fold(keys, at(added(broken('5')), 0, 5), at(deleted(node('w1')), 0, 6));
    await follower.sync();
    expect(await redis.hexists(keys.objects, 'Node/w1')).toBe(0);
    expect(await redis.hexists(keys.invalidObjects, 'Node/w1')).toBe(0);
    expect(follower.world.nodes.has('w1')).toBe(false);
    expect(follower.world.invalid.size).toBe(0);
  });

  it('compare-and-sets a RouterIDAllocation on spec.previous; a refused version still counts as folded', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const version = (previous: string | null, id: string) =>
      added({ apiVersion: 'bgpcast.io/v1', kind: 'RouterIDAllocation', metadata: { name: 'router-ids' }, spec: { pool: '10.0.0.0/24', previous, allocations: { 'w1/a': id } } }, 'bgpcast-functions');
    const held = async () => (JSON.parse((await redis.hget(keys.objects, 'RouterIDAllocation.bgpcast.io/router-ids'))!) as { spec: { allocations: Record<string, string> } }).spec.allocations['w1/a'];
    // A first version must name none; two computed from it: the first to arrive stands.
    expect(await fold(keys, at(version('3:1', '10.0.0.9'), 3, 2))).toEqual({ applied: 0, swept: 0 });
    expect(await fold(keys, at(version(null, '10.0.0.1'), 3, 4), at(version('3:4', '10.0.0.2'), 3, 5), at(version('3:4', '10.0.0.3'), 3, 6))).toEqual({ applied: 2, swept: 0 });
    expect(await held()).toBe('10.0.0.2');
    expect(await redis.hget(keys.objectPositions, 'RouterIDAllocation.bgpcast.io/router-ids')).toBe('3:5');
    expect(await redis.hgetall(keys.positions)).toEqual({ '3': '6' });
    // Delivered again, the refused one is refused again; the next one names the one held.
    expect(await fold(keys, at(version('3:4', '10.0.0.3'), 3, 6), at(version('3:5', '10.0.0.4'), 3, 7))).toEqual({ applied: 1, swept: 0 });
    expect(await held()).toBe('10.0.0.4');
  });

  it('a sync marker deletes what its source did not list since the previous marker, in its partition only', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    await fold(
      keys,
      at(added(node('n1'), 'watch:a'), 0, 1),
      at(added(node('n2'), 'watch:a'), 0, 2),
      at(added(node('other'), 'file:/x.yaml'), 0, 3),
      at(added(node('elsewhere'), 'watch:a'), 1, 1),
      at(marker('sync-1'), 0, 4),
    );
    expect(await redis.hlen(keys.objects)).toBe(4); // the first marker only records
    // The next listing has n1 only.
    expect(await fold(keys, at(added(node('n1'), 'watch:a'), 0, 5), at(marker('sync-2'), 0, 6))).toEqual({ applied: 2, swept: 1 });
    expect((await redis.hkeys(keys.objects)).sort()).toEqual(['Node/elsewhere', 'Node/n1', 'Node/other']);
    expect(await redis.hget(keys.objectPositions, 'Node/n2')).toBe('0:6');
    expect(await redis.hget(keys.syncMarkers, 'watch:a|Node|0')).toBe('6 sync-2');
    // Delivered again, the marker and n2's old add change nothing.
    expect(await fold(keys, at(marker('sync-2'), 0, 6), at(added(node('n2'), 'watch:a'), 0, 2))).toEqual({ applied: 0, swept: 0 });
    expect(await redis.hexists(keys.objects, 'Node/n2')).toBe(0);
  });

  it('a marker with keys deletes its source\'s objects in its partition that it does not list, even the first one', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    await fold(
      keys,
      at(added(node('kept'), 'watch:a'), 0, 1),
      at(added(node('gone'), 'watch:a'), 0, 2),
      at(added(node('file'), 'file:/x.yaml'), 0, 3),
      at(added(node('other-partition'), 'watch:a'), 1, 1),
    );
    // A restarted source that republished nothing: the listing alone says what still exists.
    expect(await fold(keys, at(keyed('sync-1', ['Node/kept']), 0, 4))).toEqual({ applied: 1, swept: 1 });
    expect((await redis.hkeys(keys.objects)).sort()).toEqual(['Node/file', 'Node/kept', 'Node/other-partition']);
    expect(await redis.hget(keys.objectPositions, 'Node/gone')).toBe('0:4');
    // Delivered again: nothing. An older add of the swept object cannot come back either.
    expect(await fold(keys, at(keyed('sync-1', ['Node/kept']), 0, 4), at(added(node('gone'), 'watch:a'), 0, 2))).toEqual({
      applied: 0,
      swept: 0,
    });
    // An object published after the marker is not touched by it.
    expect(await fold(keys, at(added(node('late'), 'watch:a'), 0, 6), at(keyed('sync-2', ['Node/kept', 'Node/late']), 0, 7))).toEqual({
      applied: 2,
      swept: 0,
    });
  });

  it('a marker in parts sweeps at its last part with the keys of every part; a broken series sweeps nothing', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const names = ['a', 'b', 'c', 'd', 'e'];
    await fold(keys, ...names.map((n, i) => at(added(node(n), 'watch:a'), 0, i)));
    expect(await fold(keys, at(keyed('s1', ['Node/a'], 0, 3), 0, 10), at(keyed('s1', ['Node/b'], 1, 3), 0, 11))).toEqual({
      applied: 2,
      swept: 0,
    });
    expect(await redis.hexists(keys.syncParts, 'watch:a|Node|0')).toBe(1);
    expect(await fold(keys, at(keyed('s1', ['Node/c'], 2, 3), 0, 12))).toEqual({ applied: 1, swept: 2 });
    expect((await redis.hkeys(keys.objects)).sort()).toEqual(['Node/a', 'Node/b', 'Node/c']);
    expect(await redis.hexists(keys.syncParts, 'watch:a|Node|0')).toBe(0);
    // Part 1 of a listing whose part 0 never arrived: no sweep from an incomplete listing.
    expect(await fold(keys, at(keyed('s2', ['Node/a'], 1, 2), 0, 13))).toEqual({ applied: 1, swept: 0 });
    expect(await redis.hlen(keys.objects)).toBe(3);
  });

  it('an object without creationTimestamp gets the time it was first seen, kept across re-applies; a replay gives the same', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const fileAdd = (o: Record<string, unknown>, s: number) => objectEnvelope('added', o as KubeObject, 'file:/c.yaml', t(s));
    const selectAll = (name: string) => simpleCluster(name, { nodeSelector: {} });
    const log = [
      at(fileAdd(selectAll('zulu'), 10), 1, 0),
      at(fileAdd(selectAll('alpha'), 20), 2, 0),
      // zulu applied again (edited): it keeps the time it was first seen.
      at(fileAdd(simpleCluster('zulu', { nodeSelector: {}, localASN: 64999 }), 30), 1, 1),
      // A node with its own creationTimestamp (from the API server) keeps it.
      at(fileAdd({ ...node('w1'), metadata: { name: 'w1', creationTimestamp: '2025-05-05T05:05:05Z' } }, 40), 0, 0),
    ];
    await fold(keys, ...log);
    const created = async (k: typeof keys, key: string) =>
      (JSON.parse((await redis.hget(k.objects, key))!) as { metadata: { creationTimestamp: string } }).metadata.creationTimestamp;
    expect(await created(keys, 'CiliumBGPClusterConfig.cilium.io/zulu')).toBe(t(10).toISOString());
    expect(await created(keys, 'CiliumBGPClusterConfig.cilium.io/alpha')).toBe(t(20).toISOString());
    expect(await created(keys, 'Node/w1')).toBe('2025-05-05T05:05:05Z');
    expect(JSON.parse((await redis.hget(keys.objects, 'CiliumBGPClusterConfig.cilium.io/zulu'))!)).toMatchObject({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPClusterConfig',
      metadata: { name: 'zulu' },
      spec: { bgpInstances: [{ localASN: 64999 }] },
    });

    // First owner wins by the order of creation, not by name: zulu was there first.
    const mirror = new WorldMirror(pool.client(), keys);
    await mirror.sync();
    expect(ownerOf(mirror.world, 'w1')?.meta.name).toBe('zulu');

    // The same log folded again into a fresh keyspace: the same objects, byte for byte.
    const replay = freshKeys();
    await fold(replay, ...log);
    expect(await redis.hgetall(replay.objects)).toEqual(await redis.hgetall(keys.objects));

    // Deleted and created again: a new object, first seen now — alpha is the older one then.
    await fold(keys, at(objectEnvelope('deleted', selectAll('zulu') as KubeObject, 'file:/c.yaml', t(50)), 1, 2));
    await fold(keys, at(fileAdd(selectAll('zulu'), 60), 1, 3));
    expect(await created(keys, 'CiliumBGPClusterConfig.cilium.io/zulu')).toBe(t(60).toISOString());
    await mirror.sync();
    expect(ownerOf(mirror.world, 'w1')?.meta.name).toBe('alpha');
  });

  it('through the handler, a node swept by a marker loses its desired state', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const handler = createFunctionsHandler({ redis: pool.client(), keys, log: captureLog().log });
    const labelled = (n: string, i: number) => node(n, { bgp: 'true' }, { ips: [`172.16.0.${i}`], podCIDRs: [`10.${i}.0.0/24`] });
    await handler.process([
      at(added(simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } })), 1, 0),
      at(added(advertisingPeerConfig('peer-config', 'bgp', ['ipv4'])), 2, 0),
      at(added(advertisement('a', [{ advertisementType: 'PodCIDR' }])), 3, 0),
      at(added(labelled('n1', 1), 'watch:a'), 0, 0),
      at(added(labelled('n2', 2), 'watch:a'), 0, 1),
      at(marker('sync-1'), 0, 2),
    ]);
    expect(await effectiveDoc(redis, keys, 'n2')).toContain('10.2.0.0/24');
    const report = await handler.process([at(added(labelled('n1', 1), 'watch:a'), 0, 3), at(marker('sync-2'), 0, 4)]);
    expect(report).toMatchObject({ swept: 1 });
    expect(JSON.parse(await effectiveDoc(redis, keys, 'n2'))).toEqual({ node: 'n2', instances: [] });
    expect(await effectiveDoc(redis, keys, 'n1')).toContain('10.1.0.0/24');
  });
});

describe('the world mirror', () => {
  it('follows the change stream, and reloads when the stream was trimmed past it or wiped', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const { log, lines } = captureLog('warn');
    const mirror = new WorldMirror(pool.client(), keys, { log });
    await nameStore(redis, keys);
    expect((await mirror.sync()).reloaded).toBe(true);

    await fold(keys, at(added(node('a')), 0, 0));
    const step = await mirror.sync();
    expect(step).toMatchObject({ reloaded: false, refs: [{ kind: 'Node', name: 'a' }] });
    expect([...mirror.world.nodes.keys()]).toEqual(['a']);

    // 600 more changes with MAXLEN ~ 10: the entry after the mirror's cursor is gone.
    const many = Array.from({ length: 600 }, (_, i) => foldEvent(at(added(node(`n${i % 50}`, { i: String(i) })), 0, i + 1))!);
    await foldIntoWorld(redis, keys, await nameStore(redis, keys), many, [], null, 10);
    expect(await redis.xlen(keys.changes)).toBeLessThan(600);
    const reloaded = await mirror.sync();
    expect(reloaded.reloaded).toBe(true);
    const stored = Object.values(await redis.hgetall(keys.objects)).map((v) => JSON.parse(v) as unknown);
    expect(mirror.world).toEqual(worldFromObjects(stored));
    expect(lines().some((l) => /trimmed past the mirror/.test(String(l['msg'])))).toBe(true);

    // The keyspace deleted under it: reload into an empty world.
    await redis.del(keys.objects, keys.objectPositions, keys.objectSources, keys.positions, keys.changes);
    expect((await mirror.sync()).reloaded).toBe(true);
    expect(mirror.world.nodes.size).toBe(0);
    expect(lines().some((l) => /change stream is gone/.test(String(l['msg'])))).toBe(true);
  });
});
