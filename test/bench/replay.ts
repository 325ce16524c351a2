// Replay benchmark: prints figures, asserts nothing. `node test/bench/replay.ts [--nodes 100] [--services 2000] [--changes 20000]`
//
// What `--at` and `audit object` cost: a topic of N nodes, S LoadBalancer Services with their
// EndpointSlices, then C changes (a Service's LoadBalancer IP moved back and forth, round robin).
// For the whole topic and for its first half: the replay (read + the in-memory fold + the world),
// then one node's desired state (`desired NODE --at`) and every node's (`routes available --at`).
// Baseline measured in the same run: the same records read from Kafka without folding (three
// rounds each, alternating; medians). Then
// `audit object` of one Service: all records read and merged, the history with its route diffs.
// Starts its own Kafka and Redis (infra/local) unless BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL
// are set, and stops only what it started.

import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import { objectEnvelope, type EventEnvelope, type KubeObject } from '../../events/envelope.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createLogger } from '../../events/log.ts';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { kafkaEventLog } from '../../functions/replay/event-log.ts';
import { mergeByObservedAt, objectHistory } from '../../functions/replay/object-history.ts';
import { readRecords, replayAt } from '../../functions/replay/replay-at.ts';
import { desiredOfAll } from '../../functions/replay/replay-world.ts';
import { startStack } from '../../infra/local/stack.ts';
import { config, node, nodeName, service, slice } from './support/bench-cluster.ts';

const { values: args } = parseArgs({
  options: { nodes: { type: 'string', default: '100' }, services: { type: 'string', default: '2000' }, changes: { type: 'string', default: '20000' } },
});
const N = Number(args.nodes);
const S = Number(args.services);
const C = Number(args.changes);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const say = (line = '') => process.stdout.write(`${line}\n`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t };
}

async function main(kafka: Kafka): Promise<void> {
  const objects = [...config, ...Array.from({ length: N }, (_, j) => node(j)), ...Array.from({ length: S }, (_, i) => service(i)), ...Array.from({ length: S }, (_, i) => slice(i, N))];
  const changes = Array.from({ length: C }, (_, k) => service(k % S, Math.floor(k / S) % 2 === 0 ? '172.21' : '172.20'));
  const total = objects.length + changes.length;
  say(`== replay: ${fmt(N)} nodes, ${fmt(S)} Services + EndpointSlices (${fmt(objects.length)} objects), then ${fmt(C)} changes: ${fmt(total)} records`);
  const topic = `bench.replay.${randomUUID()}`;
  await ensureTopic(kafka, topic, 6);
  try {
    const publisher = new KafkaEventPublisher(kafka, topic);
    const all = [...objects, ...changes];
    for (let i = 0; i < all.length; i += 500) {
      await publisher.publish(all.slice(i, i + 500).map((o) => objectEnvelope('modified', o as KubeObject, 'bench') as EventEnvelope));
    }
    await publisher.close();
    const log = kafkaEventLog(kafka, topic, null);
    const bounds = await log.bounds();
    const end = new Map([...bounds].map(([p, b]) => [p, b.high]));
    const half = new Map([...bounds].map(([p, b]) => [p, b.low + (b.high - b.low) / 2n]));
    const count = (upTo: ReadonlyMap<number, bigint>) => [...upTo].reduce((n, [p, o]) => n + Number(o - bounds.get(p)!.low), 0);

    for (const [label, upTo] of [
      ['the whole topic', end],
      ['its first half', half],
    ] as const) {
      // Three rounds, alternating, medians: each read joins Kafka afresh and the machine is shared.
      let read = 0;
      const baselines: number[] = [];
      const replays: number[] = [];
      let replay!: Awaited<ReturnType<typeof timed<Awaited<ReturnType<typeof replayAt>>>>>;
      for (let round = 0; round < 3; round++) {
        read = 0;
        baselines.push((await timed(() => log.read(bounds, upTo, (b) => (read += b.events.length)))).ms);
        replay = await timed(() => replayAt(log, { kind: 'positions', upTo }));
        replays.push(replay.ms);
      }
      const baseline = { ms: median(baselines) };
      replay = { ...replay, ms: median(replays) };
      const one = await timed(() => computeDesiredNode(replay.value.world, nodeName(0)));
      const every = await timed(() => desiredOfAll(replay.value.fold, replay.value.world));
      say(`-- ${label}: ${fmt(count(upTo))} records`);
      say(`baseline, the records read without folding, median of 3: ${fmt(read)} events in ${fmt(baseline.ms)} ms (${fmt((read / baseline.ms) * 1000)} records/s)`);
      say(
        `replay (read + fold + world), median of 3: ${fmt(replay.ms)} ms (${fmt(replay.value.fold.events)} events, ${fmt(replay.value.fold.objects.size)} objects; ` +
          `${fmt(replay.ms / baseline.ms, 2)} × the baseline)`,
      );
      say(`then one node's desired state (desired NODE --at): ${fmt(one.ms, 1)} ms; every node's (routes available --at): ${fmt(every.ms)} ms for ${fmt(every.value.size)} nodes`);
    }

    const read = await timed(() => readRecords(log));
    const merged = await timed(() => mergeByObservedAt(read.value.partitions, (e) => e.key === 'Service/ns-0/svc-0'));
    const history = await timed(() => objectHistory('Service/ns-0/svc-0', merged.value));
    say(`-- audit object Service/ns-0/svc-0 (${fmt(history.value.steps.length)} steps)`);
    say(
      `records read and held ${fmt(read.ms)} ms, merged ${fmt(merged.ms)} ms, history ${fmt(history.ms)} ms ` +
        `(${fmt(history.value.worlds)} worlds with every node's desired state: ${fmt(history.ms / Math.max(1, history.value.worlds), 1)} ms each)`,
    );
  } finally {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

const stack = await startStack({ log: (m) => process.stderr.write(`[stack] ${m}\n`) });
const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'bench-replay' }, createLogger('kafka', 'error'));
try {
  say(`replay benchmark — Node ${process.version}, Kafka ${stack.kafkaBrokers}`);
  await main(kafka);
} finally {
  await stack.stop();
}
