// `--at`: the state as of a moment, replayed from the events topic (functions/replay/replay-at.ts).
// While a random stream of changes runs through the real functions runner, the live documents
// (every node's desired state and the conditions) are recorded at several moments with the time
// and the topic's positions; a replay to each moment — by time and by positions — gives exactly
// them. And documents read while the functions are still working through a run are what a replay
// to the world positions they were computed from gives. Then the CLI: `desired NODE --at T` before and after a Service's LoadBalancer IP moves.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { assembleDocument } from '../../events/desired-delta.ts';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import { CONDITIONS_FIELDS, DESIRED_FIELDS, type StoreKeys } from '../../events/redis-keys.ts';
import { parsePositions, type Positions } from '../../functions/store/positions.ts';
import { objectEnvelope, type KubeObject } from '../../events/envelope.ts';
import { logBounds } from '../../events/kafka/log-reader.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { computeConditions } from '../../functions/cilium/conditions.ts';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { conditionsDocument, nodeDocument } from '../../functions/runner/document.ts';
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

interface Written {
  /** A node's name, or '(conditions)'. */
  readonly target: string;
  readonly text: string;
  /** The world positions the functions computed it from (partition → last offset folded). */
  readonly positions: Positions;
}

/**
 * A node's document or the conditions with the world positions they were computed from, in one
 * MULTI: what the functions had written at that instant, while they go on writing.
 */
async function readWritten(redis: Redis, keys: StoreKeys, target: string): Promise<Written | null> {
  if (target === '(conditions)') {
    const [document, positions] = await redis.hmget(keys.conditions, CONDITIONS_FIELDS.document, CONDITIONS_FIELDS.positions);
    return document == null ? null : { target, text: document, positions: parsePositions(positions) };
  }
  const replies = await redis.multi().hmget(keys.desired(target), DESIRED_FIELDS.sessions, DESIRED_FIELDS.positions).hgetall(keys.desiredRoutes(target)).exec();
  const [[, head], [, routes]] = replies as [[null, (string | null)[]], [null, Record<string, string>]];
  const [sessions, positions] = head;
  if (sessions == null) return null;
  const { document } = assembleDocument(JSON.parse(sessions) as DesiredNodeState, Object.entries(routes));
  return { target, text: nodeDocument(document).text, positions: parsePositions(positions) };
}

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
    const written: Written[] = [];
    try {
      // Invalid versions included: the store keeps an object's last valid version beside an
      // invalid latest one (OBJ-5), so the state does not depend on how the runner's batches fell.
      const events = history(seed, 300);
      // The stream goes in runs of random length; after each, once the functions caught up, the
      // live documents are recorded with the time and the topic's end offsets.
      for (let i = 0, run = 0; i < events.length; run++) {
        const length = 10 + ((seed + run * 37) % 50);
        await publisher.publish(events.slice(i, i + length));
        i += length;
        // While the functions work through the run: documents as written at this instant.
        for (const target of ['n1', 'n2', '(conditions)']) {
          const w = await readWritten(redis, live, target);
          if (w !== null && Object.keys(w.positions).length > 0) written.push(w);
        }
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
        for (const [node, doc] of desiredOfAll(replay.fold, replay.world)) {
          expect(nodeDocument(doc).text, `seed ${seed}, moment ${i}, ${node}`).toBe(m.documents[node] ?? nodeDocument({ node, instances: [] }).text);
        }
      }
    }

    // Each document read mid-stream is what a replay to the positions it was computed from gives.
    expect(written.length, `seed ${seed}`).toBeGreaterThanOrEqual(6);
    for (const [i, w] of written.entries()) {
      const upTo = new Map(Object.entries(w.positions).map(([p, o]) => [Number(p), BigInt(o) + 1n]));
      const replay = await replayAt(log, { kind: 'positions', upTo });
      const text = w.target === '(conditions)' ? conditionsDocument(computeConditions(replay.world)).text : nodeDocument(computeDesiredNode(replay.world, w.target)).text;
      expect(text, `seed ${seed}, written document ${i} (${w.target} at ${positionsText(upTo)})`).toBe(w.text);
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
