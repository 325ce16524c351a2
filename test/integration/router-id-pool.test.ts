// ip-pool router IDs through real Kafka and Redis (docs/router-id-pool.md): the functions publish
// each allocation version on the topic, the fold keeps a version only if it names the version held.
//   - Three runners over six partitions under a random stream of nodes coming and going: every
//     version the log holds gives each node its own ID, a node keeps its ID from version to
//     version while it lives, the version the store holds is the last one a fold of the log keeps,
//     and a clean replay (a fresh keyspace, the topic from the beginning, no allocator) ends with
//     the same router IDs in every document.
//   - Restarted runners (new handlers, the same store) change no ID; a new node takes a free one.
//   - A used-up pool: the node left over is reported on the node and on its ClusterConfig, and gets
//     the address of a node deleted later.

import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConsumedEvent, EventSubscription } from '../../events/bus.ts';
import { objectEnvelope, type EventEnvelope, type KubeObject } from '../../events/envelope.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { readEvents } from '../../events/kafka/reader.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import type { Settings } from '../../functions/settings.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { readConditions } from '../../functions/store/desired-store.ts';
import { seededRandom } from '../support/random.ts';
import { captureLog, caughtUp, effectiveDoc, freshKeys, freshTopic, redisPool, testKafka, waitFor } from './functions-support.ts';

const pool = redisPool(inject('redisUrl'));
let kafka: Kafka;
beforeAll(() => {
  kafka = testKafka(inject('kafkaBrokers'));
});
afterAll(() => pool.closeAll());

const ipPool = (prefix: string): Partial<Settings> => ({ routerIdAllocationMode: 'ip-pool', routerIdAllocationPool: prefix });
const env = (o: Record<string, unknown>, type: 'added' | 'deleted' = 'added'): EventEnvelope => objectEnvelope(type, o as KubeObject, 'test');
const nodeObj = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: '172.16.0.1' }] } });
const cluster = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPClusterConfig',
  metadata: { name: 'bgp' },
  spec: { bgpInstances: [{ name: 'main', localASN: 64512, peers: [{ name: 'tor', peerASN: 65000, peerAddress: '192.0.2.1' }] }] },
};

interface Group {
  stop(): Promise<void>;
}

/** `instances` runners in one new consumer group; with `allocate`, they publish allocations on the topic. */
async function startGroup(topic: string, keys: StoreKeys, instances: number, settings: Partial<Settings>, allocate: boolean): Promise<Group> {
  const groupId = `functions-${randomUUID()}`;
  const publishers: KafkaEventPublisher[] = [];
  const subs: EventSubscription[] = [];
  for (let i = 0; i < instances; i++) {
    const publisher = new KafkaEventPublisher(kafka, topic);
    publishers.push(publisher);
    const handler = createFunctionsHandler({
      redis: pool.client(),
      keys,
      log: captureLog('warn').log,
      settings,
      ...(allocate ? { publish: (e: readonly EventEnvelope[]) => publisher.publish(e) } : {}),
    });
    subs.push(await runFunctionsConsumer({ kafka, topic, groupId, handler, log: captureLog('warn').log, sweepEveryMs: 250 }));
  }
  const settled = async () => (await caughtUp(kafka, groupId, topic)) && (await pool.client().hlen(keys.pending)) === 0;
  return {
    async stop() {
      // Settled twice in a row: a proposal published by the last batch is folded too.
      await waitFor('the group to settle', async () => (await settled()) && (await new Promise((r) => setTimeout(r, 300)), await settled()), 120_000);
      await Promise.all(subs.map((s) => s.stop()));
      await Promise.all(publishers.map((p) => p.close()));
    },
  };
}

/** Each node's router IDs in the store's documents ('' when it has no instance). */
async function routerIds(keys: StoreKeys, nodes: readonly string[]): Promise<Record<string, string>> {
  const redis = pool.client();
  const out: Record<string, string> = {};
  for (const n of nodes) {
    const doc = JSON.parse(await effectiveDoc(redis, keys, n)) as { instances: { routerID: string }[] };
    out[n] = doc.instances.map((i) => i.routerID).join(',');
  }
  return out;
}

interface Version {
  readonly position: string;
  readonly allocations: Record<string, string>;
}

/** Every allocation version on the topic, and those a fold keeps (each names the one kept before it), re-derived here. */
async function versionsOnTopic(topic: string): Promise<{ all: number; kept: Version[] }> {
  const events: ConsumedEvent[] = [];
  await readEvents(kafka, { topic, fromBeginning: true, follow: false, onEvent: (e) => events.push(e), onPoison: () => undefined });
  const mine = events
    .filter((e) => e.envelope.kind === 'RouterIDAllocation')
    .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
  expect(new Set(mine.map((e) => e.partition)).size).toBeLessThanOrEqual(1);
  const kept: Version[] = [];
  for (const e of mine) {
    const spec = (e.envelope as unknown as { object: { spec: { previous: string | null; allocations: Record<string, string> } } }).object.spec;
    const held = kept[kept.length - 1]?.position ?? null;
    if ((spec.previous ?? null) === held) kept.push({ position: `${e.partition}:${e.offset}`, allocations: spec.allocations });
  }
  return { all: mine.length, kept };
}

describe('ip-pool router IDs through the log', () => {
  it('three runners under a random stream: unique and stable in every version, and a clean replay ends with the same IDs', { timeout: 240_000 }, async () => {
    const seed = Number(process.env['BGPCAST_TEST_SEED'] ?? Date.now() % 100_000);
    const rnd = seededRandom(seed);
    const names = Array.from({ length: 12 }, (_, i) => `node-${String(i).padStart(2, '0')}`);
    const alive = new Set<string>();
    const history: EventEnvelope[] = [env(cluster)];
    for (let i = 0; i < 150; i++) {
      const n = names[Math.floor(rnd() * names.length)]!;
      if (alive.has(n) && rnd() < 0.4) {
        alive.delete(n);
        history.push(env(nodeObj(n), 'deleted'));
      } else {
        alive.add(n);
        history.push(env(nodeObj(n)));
      }
    }
    const topic = await freshTopic(kafka, 6);
    const settings = ipPool('10.255.0.0/27');
    const live = freshKeys();
    const group = await startGroup(topic, live, 3, settings, true);
    const publisher = new KafkaEventPublisher(kafka, topic);
    for (let i = 0; i < history.length; ) {
      const n = 1 + Math.floor(rnd() * 8);
      await publisher.publish(history.slice(i, i + n));
      i += n;
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 40)));
    }
    await publisher.close();
    await group.stop();

    const ids = await routerIds(live, names);
    const { all, kept } = await versionsOnTopic(topic);
    process.stderr.write(`[router-id-pool] seed ${seed}: ${all} versions published, ${kept.length} kept, ${alive.size} nodes at the end\n`);
    // Every node alive has an ID, its own; the store holds the last version the log keeps.
    for (const n of names) expect(ids[n] !== '', `seed ${seed}: ${n}`).toBe(alive.has(n));
    const given = Object.values(ids).filter((id) => id !== '');
    expect(new Set(given).size, `seed ${seed}`).toBe(given.length);
    const last = kept[kept.length - 1]!;
    for (const n of alive) expect(last.allocations[`${n}/main`], `seed ${seed}: ${n}`).toBe(ids[n]);
    // Every kept version is one-to-one, and a key in two versions in a row has one ID in both.
    for (const [i, v] of kept.entries()) {
      const values = Object.values(v.allocations);
      expect(new Set(values).size, `seed ${seed}: version ${v.position}`).toBe(values.length);
      const prev = kept[i - 1];
      if (prev) for (const [key, id] of Object.entries(v.allocations)) if (key in prev.allocations) expect(id, `seed ${seed}: ${key}`).toBe(prev.allocations[key]);
    }

    // A clean replay folds the same versions: the same IDs, in documents equal to the live ones.
    const replay = freshKeys();
    await (await startGroup(topic, replay, 1, settings, false)).stop();
    expect(await routerIds(replay, names), `seed ${seed}`).toEqual(ids);
    const redis = pool.client();
    for (const n of names) expect(await effectiveDoc(redis, replay, n)).toBe(await effectiveDoc(redis, live, n));

    // Runners restarted over the same store change nothing; a new node takes a free address.
    const again = await startGroup(topic, live, 2, settings, true);
    const more = new KafkaEventPublisher(kafka, topic);
    await more.publish([env(nodeObj('node-new'))]);
    await more.close();
    await again.stop();
    const after = await routerIds(live, [...names, 'node-new']);
    expect(Object.fromEntries(names.map((n) => [n, after[n]]))).toEqual(ids);
    expect(after['node-new']).not.toBe('');
    expect(given).not.toContain(after['node-new']);
  });

  it('a used-up pool: the node left over is reported, and takes the address of a node deleted later', { timeout: 120_000 }, async () => {
    const topic = await freshTopic(kafka, 6);
    const keys = freshKeys();
    const settings = ipPool('10.255.1.0/31');
    const group = await startGroup(topic, keys, 1, settings, true);
    const publisher = new KafkaEventPublisher(kafka, topic);
    await publisher.publish([env(cluster), env(nodeObj('a'))]);
    await waitFor('a allocated', async () => (await routerIds(keys, ['a'])).a === '10.255.1.0');
    await publisher.publish([env(nodeObj('b'))]);
    await waitFor('b allocated', async () => (await routerIds(keys, ['b'])).b === '10.255.1.1');
    await publisher.publish([env(nodeObj('c'))]);
    const conditions = async () => JSON.parse((await readConditions(pool.client(), keys))?.document ?? '[]') as { kind: string; name: string; type: string; status: string; message: string }[];
    const exhausted = await waitFor('the pool reported used up', async () => {
      const c = (await conditions()).find((x) => x.type === 'bgpcast.io/RouterIDPoolExhausted');
      return c?.status === 'True' ? c : false;
    });
    expect(exhausted.message).toBe('No router ID left in the pool 10.255.1.0/31 for 1 node instance(s): c/main');
    expect((await conditions()).find((x) => x.kind === 'CiliumBGPNodeConfig' && x.name === 'c')?.message).toBe(
      'main: no router ID left in the pool 10.255.1.0/31 (2 addresses, all allocated)\n',
    );
    expect(await routerIds(keys, ['a', 'b', 'c'])).toEqual({ a: '10.255.1.0', b: '10.255.1.1', c: '' });

    await publisher.publish([env(nodeObj('a'), 'deleted')]);
    await waitFor('c allocated', async () => (await routerIds(keys, ['c'])).c === '10.255.1.0');
    expect(await routerIds(keys, ['b'])).toEqual({ b: '10.255.1.1' });
    await waitFor('the condition cleared', async () => (await conditions()).find((x) => x.type === 'bgpcast.io/RouterIDPoolExhausted')?.status === 'False');
    await publisher.close();
    await group.stop();
  });
});
