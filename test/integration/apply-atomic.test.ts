// `apply` is all or nothing, against a real broker: every object is held to the topic's record
// limit (read from the broker) before anything is sent, and one publish is one Kafka transaction,
// which consumers reading committed records see whole or not at all.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTopic, groupCaughtUp, endOffsets } from '../../events/kafka/admin.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { subscribeEvents } from '../../events/kafka/consumer.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { readEvents } from '../../events/kafka/reader.ts';
import { objectEnvelope } from '../../events/envelope.ts';
import { createLogger } from '../../events/log.ts';
import type { ConsumedEvent } from '../../events/bus.ts';
import { runCli } from '../support/cli.ts';

const { ConfigResourceTypes } = kafkajs;
const brokers = inject('kafkaBrokers');
let kafka: Kafka;
let dir: string;

beforeAll(() => {
  kafka = createKafka({ brokers, clientId: 'apply-atomic-test' }, createLogger('kafka', 'fatal'));
  dir = mkdtempSync(join(tmpdir(), 'bgpcast-apply-atomic-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function topicWithLimit(maxMessageBytes: number, partitions = 3): Promise<string> {
  const topic = `test.atomic.${randomUUID()}`;
  await ensureTopic(kafka, topic, partitions);
  await setLimit(topic, maxMessageBytes);
  return topic;
}

/**
 * Waits until partition 0's stable end (what read-committed readers read to) is `end`: a
 * transaction's markers reach the partition shortly after commit() or abort() returns.
 */
async function stableEnd(topic: string, end: bigint): Promise<bigint | undefined> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (await endOffsets(kafka, topic)).get(0) !== end) await new Promise((r) => setTimeout(r, 50));
  return (await endOffsets(kafka, topic)).get(0);
}

/** Sets the topic's max.message.bytes and waits until the broker reports it. */
async function setLimit(topic: string, maxMessageBytes: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const resource = { type: ConfigResourceTypes.TOPIC, name: topic };
    await admin.alterConfigs({ validateOnly: false, resources: [{ ...resource, configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }] }] });
    for (let i = 0; i < 100; i++) {
      const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ ...resource, configNames: ['max.message.bytes'] }] });
      if (r.resources[0]?.configEntries[0]?.configValue === String(maxMessageBytes)) return;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error(`max.message.bytes of ${topic} never became ${maxMessageBytes}`);
  } finally {
    await admin.disconnect();
  }
}

async function keysOn(topic: string): Promise<string[]> {
  const keys: string[] = [];
  await readEvents(kafka, { topic, fromBeginning: true, follow: false, onEvent: (e) => keys.push(e.key!), onPoison: () => undefined });
  return keys.sort();
}

const service = (name: string, annotation = '') =>
  [
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: ${name}`,
    '  namespace: default',
    ...(annotation ? ['  annotations:', `    note: "${annotation}"`] : []),
    'spec:',
    '  type: ClusterIP',
    '  clusterIP: 10.96.0.10',
    '  ports: [{port: 80}]',
    '',
  ].join('\n');

describe('apply checks every object against the topic limit before it sends anything', () => {
  it('a file whose last object is too large publishes nothing, and names the object, its line and the limit', async () => {
    // The limit is the topic's, as the broker reports it: 20,000 bytes here, not Kafka's default.
    const topic = await topicWithLimit(20_000);
    const file = join(dir, 'services.yaml');
    writeFileSync(file, service('small-1') + service('small-2') + service('small-3') + service('huge', 'x'.repeat(30_000)));
    const r = await runCli(['apply', '-f', file], { BGPCAST_KAFKA_BROKERS: brokers, BGPCAST_EVENTS_TOPIC: topic });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('nothing was published');
    expect(r.stderr).toMatch(new RegExp(`${file}:32: Service/default/huge: \\d+ bytes as an event; Kafka accepts at most 20000 \\(max\\.message\\.bytes of topic ${topic.replaceAll('.', '\\.')}\\)`));
    expect(r.stderr).not.toContain('KafkaJS');
    expect(r.stdout).toBe('');
    expect(await keysOn(topic)).toEqual([]);
  });

  it('the same objects within the limit are published, in one transaction a read-committed reader sees whole', async () => {
    const topic = await topicWithLimit(60_000);
    const file = join(dir, 'fits.yaml');
    writeFileSync(file, service('small-1') + service('small-2') + service('small-3') + service('large', 'x'.repeat(30_000)));
    const r = await runCli(['apply', '-f', file], { BGPCAST_KAFKA_BROKERS: brokers, BGPCAST_EVENTS_TOPIC: topic });
    expect(r.code, r.stderr).toBe(0);
    expect(await keysOn(topic)).toEqual(['Service/default/large', 'Service/default/small-1', 'Service/default/small-2', 'Service/default/small-3']);
  });
});

describe('a transactional publish', () => {
  const envelope = (name: string, size: number) =>
    objectEnvelope(
      'added',
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', annotations: { note: 'x'.repeat(size) } }, spec: {} },
      'file:/atomic.yaml',
    );
  const envelopes = (n: number, size: number) => Array.from({ length: n }, (_, i) => envelope(`s${i}`, size));

  it('that fails after some records were sent leaves nothing a read-committed consumer can see', async () => {
    const topic = await topicWithLimit(50_000, 1);
    const publisher = new KafkaEventPublisher(kafka, topic, { transactional: true });
    try {
      // The publisher read 50,000; then the broker is told to refuse anything over 25,000. Records
      // of 20 and 35 kB go out in two sends (together they are over 50,000): the broker takes the
      // first and refuses the second.
      expect((await publisher.recordLimit()).maxBatchBytes).toBe(50_000);
      await setLimit(topic, 25_000);
      await expect(publisher.publish([envelope('first', 20_000), envelope('second', 35_000)])).rejects.toThrow(/larger than the max message size/);
    } finally {
      await publisher.close();
    }
    // Offset 0 is the topic's identity record (events/kafka/topic-identity.ts), 1 the first record, 2 the abort marker.
    expect(await stableEnd(topic, 3n), 'the first record and the abort marker are on the log').toBe(3n);
    expect(await keysOn(topic)).toEqual([]);
  });

  it('is consumed whole by a consumer group, which commits past commit markers and aborted transactions alike', async () => {
    const topic = await topicWithLimit(50_000, 1);
    const groupId = `atomic-${randomUUID()}`;
    const seen: ConsumedEvent[] = [];
    const sub = await subscribeEvents(kafka, { groupId, topic, fromBeginning: true }, {
      onEvents: async (events) => void seen.push(...events),
      onPoison: () => undefined,
    });
    const caughtUp = async () => {
      const end = await endOffsets(kafka, topic);
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !(await groupCaughtUp(kafka, groupId, topic, end))) await new Promise((r) => setTimeout(r, 100));
      return { end: end.get(0), caughtUp: await groupCaughtUp(kafka, groupId, topic, end) };
    };
    const publisher = new KafkaEventPublisher(kafka, topic, { transactional: true });
    try {
      // After the identity record at 0, five records and the commit marker: offsets 1–6, the end is 7.
      await publisher.publish(envelopes(5, 10));
      expect(await stableEnd(topic, 7n)).toBe(7n);
      expect(await caughtUp()).toEqual({ end: 7n, caughtUp: true });
      // Then a transaction that fails (as above): one record and the abort marker. The consumer's
      // next fetch brings nothing but them: the handler gets their offsets without an event.
      await setLimit(topic, 25_000);
      await expect(publisher.publish([envelope('first', 20_000), envelope('second', 35_000)])).rejects.toThrow();
      expect(await stableEnd(topic, 9n)).toBe(9n);
      expect(await caughtUp()).toEqual({ end: 9n, caughtUp: true });
    } finally {
      await publisher.close();
      await sub.stop();
    }
    expect(seen.map((e) => e.key)).toEqual(['s0', 's1', 's2', 's3', 's4'].map((n) => `Service/default/${n}`));
  });
});
