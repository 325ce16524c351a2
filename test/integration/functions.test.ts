// The functions against a real Kafka broker and a real Redis: the seed example end to end, a node
// relabelled out, a batch delivered again, a poison record — through the in-process runner and
// through the `bgpcast functions` / `desired` / `conditions` commands.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { readEvents } from '../../events/kafka/reader.ts';
import { objectEnvelope, type KubeObject } from '../../events/envelope.ts';
import type { ConsumedEvent } from '../../events/bus.ts';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import { sessionsOf, type DesiredRouteChange } from '../../events/desired-delta.ts';
import { readDesiredDocument } from '../../events/desired-read.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { readNodeHeads } from '../../functions/store/desired-store.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import {
  bgpcast,
  captureLog,
  caughtUp,
  cliEntry,
  freshKeys,
  freshTopic,
  parseDelta,
  redisPool,
  seedEvents,
  sortedChanges,
  testKafka,
  waitFor,
} from './functions-support.ts';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');
let kafka: Kafka;
const pool = redisPool(redisUrl);

beforeAll(() => {
  kafka = testKafka(brokers);
});
afterAll(() => pool.closeAll());

const SERVICE_ROUTES = ['10.100.67.164/32', '10.103.112.96/32', '172.20.0.10/32', '172.20.0.20/32'];

function expectSeedWorker(doc: DesiredNodeState, podCIDR: string): void {
  expect(doc.instances).toHaveLength(1);
  const [instance] = doc.instances;
  expect(instance).toMatchObject({ name: 'instance-64000', localASN: 64000 });
  expect(instance!.peers).toHaveLength(1);
  const [peer] = instance!.peers;
  expect(peer).toMatchObject({ name: 'peer-65000-r1', peerAddress: '5.5.5.5', peerASN: 65000 });
  expect(peer!.families.map((f) => `${f.afi}/${f.safi}`)).toEqual(['ipv4/unicast']);
  const routes = peer!.families[0]!.routes;
  expect(routes.map((r) => r.prefix).sort()).toEqual([...SERVICE_ROUTES, podCIDR].sort());
  expect(routes.find((r) => r.prefix === podCIDR)).toMatchObject({ communities: ['65000:99'], localPreference: 99 });
}

async function docOf(redis: Redis, keys: StoreKeys, node: string): Promise<DesiredNodeState & { revision?: number }> {
  const stored = await readDesiredDocument(redis, keys.prefix, node);
  return stored ? stored.document : { node, instances: [] };
}

/** Both hashes of a node, raw: what a write would change. */
async function rawNode(redis: Redis, keys: StoreKeys, node: string): Promise<{ head: Record<string, string>; routes: Record<string, string> }> {
  return { head: await redis.hgetall(keys.desired(node)), routes: await redis.hgetall(keys.desiredRoutes(node)) };
}

/** Counts the change notifications of one keyspace. */
async function notifications(keys: StoreKeys): Promise<{ count(): number; byChannel(): Map<string, string[]>; stop(): Promise<void> }> {
  const sub = pool.client();
  const seen = new Map<string, string[]>();
  sub.on('pmessage', (_pattern: string, channel: string, message: string) => {
    seen.set(channel, [...(seen.get(channel) ?? []), message]);
  });
  await sub.psubscribe(`${keys.prefix}:*:changed`);
  return {
    count: () => [...seen.values()].reduce((n, l) => n + l.length, 0),
    byChannel: () => seen,
    stop: async () => void (await sub.punsubscribe()),
  };
}

async function readAll(topic: string): Promise<ConsumedEvent[]> {
  const events: ConsumedEvent[] = [];
  await readEvents(kafka, { topic, fromBeginning: true, follow: false, onEvent: (e) => events.push(e), onPoison: () => undefined });
  return events.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

describe('functions over the seed (Kafka runner in process)', () => {
  const keys = freshKeys();
  const groupId = `functions-test-${randomUUID()}`;
  let topic: string;
  let redis: Redis;
  let publisher: KafkaEventPublisher;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    topic = await freshTopic(kafka, 6);
    redis = pool.client();
    publisher = new KafkaEventPublisher(kafka, topic);
    const handler = createFunctionsHandler({ redis: pool.client(), keys, log: captureLog().log });
    const sub = await runFunctionsConsumer({ kafka, topic, groupId, handler, log: captureLog().log, sweepEveryMs: 0 });
    stop = () => sub.stop();
  });
  afterAll(async () => {
    await stop?.();
    await publisher?.close();
  });

  it('(a) the labelled nodes get the peer, their pod CIDR with 65000:99 and the four Service addresses; control-plane gets nothing', async () => {
    await publisher.publish(await seedEvents());
    await waitFor('the seed to be consumed', () => caughtUp(kafka, groupId, topic));
    expectSeedWorker(await docOf(redis, keys, 'worker1'), '192.168.1.0/24');
    expectSeedWorker(await docOf(redis, keys, 'worker2'), '192.168.2.0/24');
    expect(await docOf(redis, keys, 'control-plane')).toEqual({ node: 'control-plane', instances: [] });
    expect((await docOf(redis, keys, 'worker1')).revision).toBeGreaterThanOrEqual(1);
    // The stored state carries the Kafka positions it reflects, and counts its routes.
    const [head] = await readNodeHeads(redis, keys, ['worker1'], (await redis.hget(keys.log, 'epoch'))!);
    expect(Object.keys(head!.positions).length).toBeGreaterThan(0);
    expect(await redis.hget(keys.desired('worker1'), 'routeCount')).toBe('5');
    expect(await redis.hlen(keys.desiredRoutes('worker1'))).toBe(5);
  });

  it('(b) relabelling a node out empties its state with exactly one new revision, whose delta withdraws every route', async () => {
    const watch = await notifications(keys);
    const before = await docOf(redis, keys, 'worker2');
    const w1Before = await rawNode(redis, keys, 'worker1');
    const node = (await seedEvents()).find((e) => e.kind === 'Node' && e.name === 'worker2')!.object;
    const labels = { ...(node.metadata['labels'] as Record<string, string>) };
    delete labels['bgp'];
    const relabelled = { ...node, metadata: { ...node.metadata, labels } } as KubeObject;
    await publisher.publish([objectEnvelope('modified', relabelled, 'test')]);
    await waitFor('the relabel to be consumed', () => caughtUp(kafka, groupId, topic));
    const after = await docOf(redis, keys, 'worker2');
    expect(after.instances).toEqual([]);
    expect(after.revision).toBe(before.revision! + 1);
    expect(await redis.hlen(keys.desiredRoutes('worker2'))).toBe(0);
    // worker1 is not touched, and exactly one delta went out, for worker2: the new (empty)
    // sessions part and a withdrawal of each of its five routes.
    expect(await rawNode(redis, keys, 'worker1')).toEqual(w1Before);
    await new Promise((r) => setTimeout(r, 200));
    const channels = [...watch.byChannel()];
    expect(channels.map(([c, m]) => [c, m.length])).toEqual([[keys.desiredChanged('worker2'), 1]]);
    const delta = parseDelta(channels[0]![1][0]!);
    const withdrawn: DesiredRouteChange[] = before.instances.flatMap((i) =>
      i.peers.flatMap((p) => p.families.flatMap((f) => f.routes.map((r) => ({ instance: i.name, peer: p.name, afi: f.afi, prefix: r.prefix, route: null })))),
    );
    expect(withdrawn).toHaveLength(5);
    expect({ ...delta, routes: sortedChanges(delta.routes) }).toEqual({
      node: 'worker2',
      epoch: await redis.hget(keys.log, 'epoch'),
      revision: after.revision,
      previous: before.revision,
      sessions: sessionsOf(after),
      routes: sortedChanges(withdrawn),
      truncated: false,
      writtenAt: expect.any(Number),
    });
    await watch.stop();
  });

  it('(d) delivering every batch again changes nothing: no revision, no document, no notification', async () => {
    const events = await readAll(topic);
    const nodes = ['worker1', 'worker2', 'control-plane'];
    // What a reader sees; a confirmation may advance `positions` (the document is known to
    // reflect later events) and the compare-and-set counter, nothing else.
    const visible = async (n: string) => ({
      node: n,
      head: await redis.hmget(keys.desired(n), 'revision', 'sessions', 'updatedAt', 'routeCount'),
      routes: await redis.hgetall(keys.desiredRoutes(n)),
    });
    const before = await Promise.all(nodes.map(visible));
    const conditionsBefore = await redis.hgetall(keys.conditions);
    const watch = await notifications(keys);
    // A second instance (its own mirror) gets the whole history again, then the seed alone: the
    // seed's old "worker2 is labelled" must not come back over the later relabel.
    const again = createFunctionsHandler({ redis: pool.client(), keys, log: captureLog().log });
    const first = await again.process(events);
    const seedOnly = await again.process(events.filter((e) => e.envelope.source.startsWith('file:')));
    for (const report of [first, seedOnly]) expect(report).toMatchObject({ applied: 0, written: 0 });
    await new Promise((r) => setTimeout(r, 200));
    expect(watch.count()).toBe(0);
    expect(await Promise.all(nodes.map(visible))).toEqual(before);
    const conditionsAfter = await redis.hgetall(keys.conditions);
    expect(conditionsAfter['revision']).toBe(conditionsBefore['revision']);
    expect(conditionsAfter['document']).toBe(conditionsBefore['document']);
    expect((await docOf(redis, keys, 'worker2')).instances).toEqual([]);
    expect(await redis.hlen(keys.pending)).toBe(0);
    await watch.stop();
  });
});

/** The environment of the commands for a fresh topic and keyspace, with `extra` variables. */
async function commandEnv(partitions: number, extra: Record<string, string> = {}) {
  const topic = await freshTopic(kafka, partitions);
  const keys = freshKeys();
  const env = {
    BGPCAST_KAFKA_BROKERS: brokers,
    BGPCAST_REDIS_URL: redisUrl,
    BGPCAST_REDIS_PREFIX: keys.prefix,
    BGPCAST_EVENTS_TOPIC: topic,
    BGPCAST_LOG_LEVEL: 'info',
    ...extra,
  };
  return { topic, env };
}

/** `bgpcast functions` in a consumer group of its own; its stderr collected. */
function spawnFunctions(env: Record<string, string>, args: string[] = []) {
  const group = `cli-${randomUUID()}`;
  const child = spawn(process.execPath, [cliEntry(), 'functions', '--group', group, '--telemetry', '127.0.0.1:0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, group, exited, stderr: () => stderr };
}

describe('bgpcast functions, desired and conditions (the commands)', () => {
  it('(a, e) the seed end to end; a poison record is logged with its offset and skipped, later records apply; SIGTERM exits 0', async () => {
    const { topic, env } = await commandEnv(6);
    const publisher = new KafkaEventPublisher(kafka, topic);
    await publisher.publish(await seedEvents());
    // A raw value that is no envelope, then a valid event with the same key (same partition, later offset).
    const late = objectEnvelope(
      'added',
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'default' }, spec: { clusterIPs: ['10.100.9.9'] } },
      'test',
    );
    const producer = kafka.producer();
    await producer.connect();
    const [sent] = await producer.send({ topic, messages: [{ key: 'Service/default/late', value: 'this is not an envelope' }] });
    await producer.disconnect();
    await publisher.publish([late]);
    await publisher.close();

    const { child, exited, stderr } = spawnFunctions(env);
    try {
      let last = '';
      const shown = await waitFor(
        'worker1 with the late Service',
        async () => {
          const r = await bgpcast(['desired', 'worker1', '-o', 'json'], env);
          last = r.stdout + r.stderr;
          const doc = r.code === 0 ? (JSON.parse(r.stdout) as DesiredNodeState) : null;
          return doc?.instances[0]?.peers[0]?.families[0]?.routes.some((x) => x.prefix === '10.100.9.9/32') ? doc : null;
        },
        45_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\nlast desired output: ${last}\nfunctions stderr:\n${stderr().slice(-4000)}`);
      });
      expect(shown.revision).toBeGreaterThanOrEqual(1);
      expect(Object.keys(shown)).toEqual(['node', 'revision', 'instances']);

      const poison = stderr()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l['msg'] === 'skipped a record that is not a valid event envelope');
      expect(poison).toMatchObject({ partition: sent!.partition, offset: sent!.baseOffset, key: 'Service/default/late' });

      const cp = await bgpcast(['desired', 'control-plane', '-o', 'json'], env);
      expect(JSON.parse(cp.stdout)).toEqual({ node: 'control-plane', instances: [] });
      const text = await bgpcast(['desired', 'worker2'], env);
      expect(text.stdout).toMatch(/Peer peer-65000-r1: 5\.5\.5\.5 AS 65000/);
      expect(text.stdout).toMatch(/192\.168\.2\.0\/24\s+65000:99\s+-\s+99\s+igp/);
      const list = await bgpcast(['desired', '-o', 'json'], env);
      expect((JSON.parse(list.stdout) as { node: string }[]).map((n) => n.node)).toEqual(['worker1', 'worker2']);

      const conditions = await bgpcast(['conditions', '-o', 'json'], env);
      const parsed = JSON.parse(conditions.stdout) as Record<string, string>[];
      expect(parsed).toContainEqual(
        expect.objectContaining({ kind: 'CiliumBGPClusterConfig', name: 'cilium-bgp', type: 'cilium.io/NoMatchingNode', status: 'False' }),
      );
      for (const c of parsed) expect(Object.keys(c)).toEqual(expect.arrayContaining(['kind', 'name', 'type', 'status', 'reason', 'message']));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr()).toMatch(/"msg":"stopped"/);
  });

  it('the settings reach the computation: flags and variables of `bgpcast functions`; a bad one is a usage error', async () => {
    const { topic, env } = await commandEnv(3, {
      // As variables: the secrets namespace and routable-without-endpoints.
      BGPCAST_BGP_SECRETS_NAMESPACE: 'bgp-secrets',
      BGPCAST_ENABLE_NO_SERVICE_ENDPOINTS_ROUTABLE: 'false',
      // Overridden by its flag below.
      BGPCAST_IPAM: 'kubernetes',
    });
    const lb = (name: string, ip: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { type: 'LoadBalancer' },
      status: { loadBalancer: { ingress: [{ ip }] } },
    });
    const objects = [
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDRs: ['10.1.0.0/24'] }, status: { addresses: [{ type: 'InternalIP', address: '172.16.0.1' }] } },
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumBGPClusterConfig',
        metadata: { name: 'c' },
        spec: { bgpInstances: [{ name: 'i', localASN: 64000, peers: [{ name: 'p', peerASN: 65000, peerAddress: '5.5.5.5', peerConfigRef: { name: 'pc' } }] }] },
      },
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumBGPPeerConfig',
        metadata: { name: 'pc' },
        spec: { authSecretRef: 'md5', families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { a: 'b' } } }] },
      },
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumBGPAdvertisement',
        metadata: { name: 'a', labels: { a: 'b' } },
        spec: {
          advertisements: [
            { advertisementType: 'PodCIDR' },
            { advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, selector: { matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] } },
          ],
        },
      },
      lb('served', '198.51.100.1'),
      lb('idle', '198.51.100.2'),
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'served-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'served' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.1.0.5'], nodeName: 'n1', conditions: { ready: true } }],
      },
    ];
    const publisher = new KafkaEventPublisher(kafka, topic);
    await publisher.publish(objects.map((o) => objectEnvelope('added', o as KubeObject, 'test')));
    await publisher.close();

    const bad = await bgpcast(['functions', '--ipam', 'static'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ipam: expected one of kubernetes, cluster-pool/);

    const { child, group, exited, stderr } = spawnFunctions(env, ['--ipam', 'multi-pool', '--enable-bgp-legacy-origin-attribute', 'true']);
    try {
      const doc = await waitFor('every event folded and n1 written', async () => {
        if (!(await caughtUp(kafka, group, topic))) return null;
        const r = await bgpcast(['desired', 'n1', '-o', 'json'], env);
        return r.code === 0 ? (JSON.parse(r.stdout) as DesiredNodeState) : null;
      }, 45_000).catch((e: Error) => {
        throw new Error(`${e.message}\nfunctions stderr:\n${stderr().slice(-4000)}`);
      });
      const peer = doc.instances[0]!.peers[0]!;
      // ipam multi-pool (flag, over the variable): no PodCIDR route; no endpoints → not routable
      // (variable); legacy origin (flag): INCOMPLETE; the secret reference in the namespace set.
      expect(peer.families[0]!.routes).toEqual([{ prefix: '198.51.100.1/32', communities: [], largeCommunities: [], localPreference: null, origin: 'incomplete' }]);
      expect(peer.config.authSecretRef).toEqual({ namespace: 'bgp-secrets', name: 'md5' });
      expect(stderr()).toMatch(/"ipamMode":"multi-pool"/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('a Redis that does not answer is a clear error with exit code 4', async () => {
    const env = { BGPCAST_REDIS_URL: 'redis://127.0.0.1:1' };
    const r = await bgpcast(['desired', 'worker1'], env);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1 \(from BGPCAST_REDIS_URL\) is not reachable: connection refused/);
    const f = await bgpcast(['functions'], env);
    expect(f.code).toBe(4);
    expect((await bgpcast(['conditions', '-o', 'yaml'], env)).code).toBe(2);
  });
});
