// The event contract against a real Kafka broker: what `apply -f` / `delete -f` publish, what a
// malformed file does not publish, and a consumer group that commits what it processed (on a timer
// and on stop) and resumes where it committed.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../events/kafka/client.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { readEvents } from '../../events/kafka/reader.ts';
import { COMMIT_INTERVAL_MS, subscribeEvents } from '../../events/kafka/consumer.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { objectEnvelope } from '../../events/envelope.ts';
import { createLogger } from '../../events/log.ts';
import type { ConsumedEvent, PoisonRecord } from '../../events/bus.ts';
import { runCli, examplesDir } from '../support/cli.ts';

const brokers = inject('kafkaBrokers');
let kafka: Kafka;

beforeAll(() => {
  kafka = createKafka({ brokers, clientId: 'events-test' }, createLogger('kafka', 'error'));
});

function freshTopic(): string {
  return `test.events.${randomUUID()}`;
}

async function readAll(topic: string): Promise<{ events: ConsumedEvent[]; poison: PoisonRecord[] }> {
  const events: ConsumedEvent[] = [];
  const poison: PoisonRecord[] = [];
  await readEvents(kafka, {
    topic,
    fromBeginning: true,
    follow: false,
    onEvent: (e) => events.push(e),
    onPoison: (p) => poison.push(p),
  });
  events.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  return { events, poison };
}

const seedKeys = [
  'CiliumBGPAdvertisement.cilium.io/bgp-advertisements',
  'CiliumBGPClusterConfig.cilium.io/cilium-bgp',
  'CiliumBGPPeerConfig.cilium.io/cilium-peer',
  'Node/control-plane',
  'Node/worker1',
  'Node/worker2',
  'Service/default/api',
  'Service/default/web',
];

describe('apply -f and delete -f against a real broker', () => {
  const seed = join(examplesDir, 'seed');

  it('apply -f of the seed publishes one record per object, keyed by its identity', async () => {
    const topic = freshTopic();
    const r = await runCli(['apply', '-f', seed], { BGPCAST_KAFKA_BROKERS: brokers, BGPCAST_EVENTS_TOPIC: topic });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { events, poison } = await readAll(topic);
    expect(poison).toEqual([]);
    expect(events.map((e) => e.key).sort()).toEqual(seedKeys);
    for (const e of events) {
      expect(e.envelope.type).toBe('added');
      expect(e.envelope.source).toMatch(/^file:.*seed\/(bgp|cluster)\.yaml$/);
    }
    // The same key always maps to the same partition: re-applying lands beside the first record.
    await runCli(['apply', '-f', seed], { BGPCAST_KAFKA_BROKERS: brokers, BGPCAST_EVENTS_TOPIC: topic });
    const again = await readAll(topic);
    const partitionsOf = new Map<string, Set<number>>();
    for (const e of again.events) partitionsOf.set(e.key!, (partitionsOf.get(e.key!) ?? new Set()).add(e.partition));
    expect([...partitionsOf.values()].every((s) => s.size === 1)).toBe(true);
    expect(again.events).toHaveLength(2 * seedKeys.length);
  });

  it('events dump reads the topic back, one envelope per line', async () => {
    const topic = freshTopic();
    const env = { BGPCAST_KAFKA_BROKERS: brokers, BGPCAST_EVENTS_TOPIC: topic };
    expect((await runCli(['apply', '-f', seed], env)).code).toBe(0);
    const json = await runCli(['events', 'dump', '--from-beginning', '-o', 'json'], env);
    expect(json.code).toBe(0);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['key']).sort()).toEqual(seedKeys);
    for (const l of lines) {
      expect(l).toMatchObject({ schema: 'bgpcast.event/v2', type: 'added' });
      expect(typeof l['partition']).toBe('number');
      expect(l['offset']).toMatch(/^\d+$/);
    }
    const text = await runCli(['events', 'dump', '--from-beginning'], env);
    expect(text.stdout.trim().split('\n')).toHaveLength(seedKeys.length);
    expect(text.stdout).toMatch(/\d+@\d+ +added +Service\/default\/web +file:/);
  });

  it('delete -f publishes a delete carrying the last known object', async () => {
    const topic = freshTopic();
    const env = { BGPCAST_KAFKA_BROKERS: brokers, BGPCAST_EVENTS_TOPIC: topic };
    expect((await runCli(['apply', '-f', seed], env)).code).toBe(0);
    const d = await runCli(['delete', '-f', join(seed, 'bgp.yaml')], env);
    expect(d.code).toBe(0);
    const { events } = await readAll(topic);
    const deletes = events.filter((e) => e.envelope.type === 'deleted');
    expect(deletes.map((e) => e.key).sort()).toEqual(seedKeys.filter((k) => k.includes('cilium.io')));
    const peer = deletes.find((e) => e.key === 'CiliumBGPPeerConfig.cilium.io/cilium-peer')!;
    expect(peer.envelope.type === 'deleted' && peer.envelope.object['spec']).toMatchObject({ ebgpMultihop: 5 });
  });

  it('a malformed file publishes nothing and exits non-zero naming the file and line', async () => {
    const topic = freshTopic();
    const { mkdtemp, writeFile, copyFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'bgpcast-bad-'));
    await copyFile(join(seed, 'bgp.yaml'), join(dir, 'a-good.yaml'));
    await writeFile(join(dir, 'b-bad.yaml'), 'apiVersion: v1\nkind: Node\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: [unclosed\n');
    const r = await runCli(['apply', '-f', dir], { BGPCAST_KAFKA_BROKERS: brokers, BGPCAST_EVENTS_TOPIC: topic });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`${join(dir, 'b-bad.yaml')}:[5-9]: invalid YAML`));
    expect(r.stderr).toMatch(/nothing was published/);
    await ensureTopic(kafka, topic, 1);
    expect((await readAll(topic)).events).toEqual([]);
  });

  it('a consumer restarted mid-stream resumes from its committed offset without loss', async () => {
    const topic = freshTopic();
    await ensureTopic(kafka, topic, 3);
    const publisher = new KafkaEventPublisher(kafka, topic);
    const node = (i: number) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `n${i}` } });
    await publisher.publish(Array.from({ length: 30 }, (_, i) => objectEnvelope('added', node(i), 'test')));

    const groupId = `g-${randomUUID()}`;
    const seen: string[] = [];
    const consumeUntil = async (count: number) => {
      let reached!: () => void;
      const enough = new Promise<void>((r) => (reached = r));
      const sub = await subscribeEvents(kafka, { groupId, topic, fromBeginning: true }, {
        onEvents: async (events) => {
          for (const e of events) seen.push(`${e.envelope.type === 'synced' ? '' : e.envelope.name}`);
          if (seen.length >= count) reached();
        },
        onPoison: () => undefined,
      });
      await enough;
      await sub.stop();
    };

    // Stop mid-stream: right after the first batch, with most of the 30 records not yet read.
    await consumeUntil(1);
    const firstRun = seen.length;
    expect(firstRun).toBeGreaterThan(0);
    // More records arrive while nobody consumes; a new consumer of the group resumes where the
    // first one committed: every record exactly once, nothing lost, nothing read twice.
    await publisher.publish(Array.from({ length: 10 }, (_, i) => objectEnvelope('modified', node(100 + i), 'test')));
    await publisher.close();
    await consumeUntil(40);
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
  });

  it('processed offsets are committed within the commit interval, without a stop', async () => {
    const topic = freshTopic();
    await ensureTopic(kafka, topic, 2);
    const publisher = new KafkaEventPublisher(kafka, topic);
    const node = (i: number) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `c${i}` } });
    const groupId = `g-${randomUUID()}`;
    let seen = 0;
    const sub = await subscribeEvents(kafka, { groupId, topic, fromBeginning: true }, {
      onEvents: async (events) => void (seen += events.length),
      onPoison: () => undefined,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // One record at a time: each its own batch, each processed before the next is produced.
      for (let i = 0; i < 12; i++) {
        await publisher.publish([objectEnvelope('added', node(i), 'test')]);
        await expect.poll(() => seen, { timeout: 10_000, interval: 5 }).toBe(i + 1);
      }
      const end = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.offset), 0);
      const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      await expect.poll(committed, { timeout: COMMIT_INTERVAL_MS + 5_000, interval: 50 }).toBe(end);
    } finally {
      await admin.disconnect();
      await publisher.close();
      await sub.stop();
    }
  });

  it('a poison record is reported with its offset and skipped; the partition keeps flowing', async () => {
    const topic = freshTopic();
    await ensureTopic(kafka, topic, 1);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'x', value: 'not an envelope' }] });
    await producer.disconnect();
    const publisher = new KafkaEventPublisher(kafka, topic);
    await publisher.publish([objectEnvelope('added', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'after' } }, 'test')]);
    await publisher.close();
    const { events, poison } = await readAll(topic);
    expect(poison).toHaveLength(1);
    // Offset 0 is the topic's identity record, which is no event and no poison.
    expect(poison[0]).toMatchObject({ partition: 0, offset: '1', key: 'x' });
    expect(events.map((e) => e.key)).toEqual(['Node/after']);
  });
});
