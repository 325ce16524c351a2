// `--at`: the state as of a moment, replayed from the events topic (functions/replay/replay-at.ts).
// While a random stream of changes runs through the real functions runner, the live documents
// (every node's desired state and the conditions) are recorded at several moments with the time
// and the topic's positions; a replay to each moment — by time and by positions — gives exactly
// them. Then the CLI: `desired NODE --at T` before and after a Service's LoadBalancer IP moves.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { objectEnvelope, type KubeObject } from '../../events/envelope.ts';
import { logBounds } from '../../events/kafka/log-reader.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { computeConditions } from '../../functions/cilium/conditions.ts';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { conditionsDocument, nodeDocument } from '../../functions/runner/document.ts';
import { normaliseObject } from '../../functions/model/normalise.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { kafkaEventLog } from '../../functions/replay/event-log.ts';
import { replayAt } from '../../functions/replay/replay-at.ts';
import { positionsText } from '../../functions/replay/replay-point.ts';
import { desiredOfAll } from '../../functions/replay/replay-world.ts';
import { bgpcast, captureLog, caughtUp, freshKeys, freshTopic, redisPool, snapshot, testKafka, waitFor } from './functions-support.ts';
import { history, NODES } from './random-history.ts';

const pool = redisPool(inject('redisUrl'));
let kafka: Kafka;
beforeAll(() => {
  kafka = testKafka(inject('kafkaBrokers'));
});
afterAll(() => pool.closeAll());

interface Moment {
  readonly ms: number;
  readonly upTo: ReadonlyMap<number, bigint>;
  readonly documents: Record<string, string>;
}

describe('a replay to a moment', () => {
  it('gives the documents the functions had written at that moment, by time and by positions', { timeout: 180_000 }, async () => {
    const seed = Number(process.env['BGPCAST_TEST_SEED'] ?? Date.now() % 100_000);
    const topic = await freshTopic(kafka, 3);
    const publisher = new KafkaEventPublisher(kafka, topic);
    const live = freshKeys();
    const redis = pool.client();
    const groupId = `replay-at-${randomUUID()}`;
    const handler = createFunctionsHandler({ redis: pool.client(), keys: live, log: captureLog('warn').log });
    const sub = await runFunctionsConsumer({ kafka, topic, groupId, handler, log: captureLog('warn').log, sweepEveryMs: 250 });
    const moments: Moment[] = [];
    try {
      // Without invalid versions: the runner folds a batch's versions of one object as its last
      // alone, so which valid version stays in effect behind an invalid one depends on where its
      // batches broke (a valid and an invalid version in one batch keep the version before both);
      // the replay holds the rule version by version. That divergence is the runner's, not tested here.
      const events = history(seed, 300).filter((e) => (e.type !== 'added' && e.type !== 'modified') || normaliseObject(e.object).status !== 'invalid');
      // The stream goes in runs of random length; after each, once the functions caught up, the
      // live documents are recorded with the time and the topic's end offsets.
      for (let i = 0, run = 0; i < events.length; run++) {
        const length = 10 + ((seed + run * 37) % 50);
        await publisher.publish(events.slice(i, i + length));
        i += length;
        await waitFor('the group to catch up', () => caughtUp(kafka, groupId, topic), 60_000);
        await waitFor('no pending recomputation', async () => (await redis.hlen(live.pending)) === 0);
        const documents = await snapshot(redis, live, NODES);
        const ms = Date.now();
        const upTo = new Map([...(await logBounds(kafka, topic))].map(([p, b]) => [p, b.high]));
        moments.push({ ms, upTo, documents });
      }
    } finally {
      await sub.stop();
      await publisher.close();
    }
    expect(moments.length, `seed ${seed}`).toBeGreaterThanOrEqual(4);
    // The moments differ: the replay is held to states that change.
    expect(new Set(moments.map((m) => JSON.stringify(m.documents))).size).toBeGreaterThan(1);

    const log = kafkaEventLog(kafka, topic, null);
    for (const [i, m] of moments.entries()) {
      const byTime = await replayAt(log, { kind: 'time', ms: m.ms, text: new Date(m.ms).toISOString() });
      expect(positionsText(byTime.upTo), `seed ${seed}, moment ${i}: positions of the time`).toBe(positionsText(m.upTo));
      const byPositions = await replayAt(log, { kind: 'positions', upTo: m.upTo });
      for (const replay of [byTime, byPositions]) {
        const replayed: Record<string, string> = {};
        for (const node of Object.keys(m.documents)) {
          if (node !== '(conditions)') replayed[node] = nodeDocument(computeDesiredNode(replay.world, node)).text;
        }
        replayed['(conditions)'] = conditionsDocument(computeConditions(replay.world)).text;
        expect(replayed, `seed ${seed}, moment ${i} (${replay.point.kind})`).toEqual(m.documents);
        // Every node at once (routes available --at) goes the runner's incremental road: the same documents.
        for (const [node, doc] of desiredOfAll(replay.fold.objects, replay.world)) {
          expect(nodeDocument(doc).text, `seed ${seed}, moment ${i}, ${node}`).toBe(m.documents[node] ?? nodeDocument({ node, instances: [] }).text);
        }
      }
    }

    // The CLI prints the same document, below the positions it reflects.
    const m = moments[Math.floor(moments.length / 2)]!;
    const env = { BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'), BGPCAST_EVENTS_TOPIC: topic };
    const at = new Date(m.ms).toISOString();
    const cli = await bgpcast(['desired', 'n1', '--at', at, '-o', 'json'], env);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain(`positions ${positionsText(m.upTo)}`);
    expect(nodeDocument(JSON.parse(cli.stdout)).text).toBe(m.documents['n1']);
  });
});
