// Kafka away from the audit publisher: BGP goes on — the session stays up and every route change
// reaches BIRD — while the audit records wait in the publisher's buffer; past its bound (tiny here)
// the oldest are dropped, and when the broker is back a gap record saying what was lost (from/to,
// routes) goes out before the records kept, so the history in Kafka is complete but for an
// explicit gap. A broker of the test's own is stopped and started again on the same port and data.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { GapRecord, RoutesRecord } from '../../events/audit-records.ts';
import { routeCount } from '../../events/audit-records.ts';
import { KafkaAuditSink } from '../../events/kafka/audit-producer.ts';
import { readAuditRecords } from '../../events/kafka/audit-reader.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { createLogger } from '../../events/log.ts';
import { startKafka, type RunningKafka } from '../../infra/local/kafka.ts';
import { freePort } from '../../infra/local/procs.ts';
import { AuditPublisher } from '../../speaker/audit/audit-publisher.ts';
import { WireTaps } from '../../speaker/tap/wire-taps.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock, waitFor } from '../support/routers/common.ts';
import { established, peer, route, startSpeaker, waitSession } from '../support/speaker.ts';
import { quiet } from './pipeline-support.ts';

const running: { stop(): Promise<void> }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('keeps BGP going while Kafka is away, and writes a gap record for what its buffer could not hold', { timeout: 240_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bgpcast-audit-kafka-'));
  dirs.push(dataDir);
  const [port, controllerPort] = [await freePort(), await freePort()];
  const log = (m: string) => process.stderr.write(`[audit-gap kafka] ${m}\n`);
  let broker: RunningKafka = await startKafka({ port, controllerPort, dataDir, log });
  running.push({ stop: () => broker.stop() });
  const kafka = createKafka({ brokers: broker.brokers, clientId: 'audit-gap-test' }, createLogger('kafka', 'silent'));
  const topic = `test.audit-gap.${randomUUID().slice(0, 8)}`;

  const taps = new WireTaps();
  const publisher = new AuditPublisher({
    taps,
    sink: new KafkaAuditSink(kafka, topic, 1),
    nodes: ['worker1'],
    log: quiet('audit'),
    buffer: { maxRecords: 3 },
    lingerMs: 20,
    retryMs: { initial: 100, max: 1_000 },
  });
  publisher.start();
  running.push({ stop: () => publisher.stop(2_000) });

  const blk = loopbackBlock();
  const [theirs, ours] = [blk.addr(1), blk.addr(2)];
  const birdPort = 20000 + Math.floor(Math.random() * 20000);
  const bird = await startBird({
    routerId: '10.255.0.1',
    address: theirs,
    port: birdPort,
    protocols: [{ name: 'speaker', localAs: 65000, neighborAddress: ours, neighborPort: 1, neighborAs: 65001, passive: true, holdTime: 9 }],
  });
  running.push(bird);
  let revision = 1;
  const speaker = await startSpeaker({ localASN: 65001, wire: { taps, node: 'worker1', instance: 'default', revision: () => revision, epoch: () => 'e1' } });
  running.push(speaker);
  await speaker.setPeers([peer({ peerAddress: theirs, peerPort: birdPort, peerASN: 65000, localAddress: ours, ipv4: [route('10.20.0.0/24')] })]);
  await bird.waitEstablished('speaker', 15_000);
  await waitFor(() => publisher.sent >= 2, { timeoutMs: 30_000, what: 'the session up and the first routes in Kafka' });

  await broker.stop();
  const changes = 8;
  for (let i = 1; i <= changes; i++) {
    revision = i + 1;
    speaker.updateRoutes('router', 'ipv4', [route(`10.20.${i}.0/24`)], []);
    // BGP never waits on Kafka: each change reaches BIRD while the broker is down.
    await bird.waitFor(async (b) => ((await b.routes('master4', 'speaker')).length === i + 1 ? true : false), { timeoutMs: 10_000, what: `route ${i} at BIRD` });
    await new Promise((r) => setTimeout(r, 60)); // past the linger: one record per change
  }
  await waitFor(() => publisher.dropped > 0, { timeoutMs: 10_000, what: 'the buffer overflowing' });
  expect(speaker.session('router')!.status().state).toBe('Established');
  await waitSession(speaker, 'router', established, 1_000);

  broker = await startKafka({ port, controllerPort, dataDir, log });
  await waitFor(() => publisher.buffered === 0, { timeoutMs: 60_000, what: 'the buffer sent once Kafka is back' });

  const { records, invalid } = await readAuditRecords(kafka, topic);
  expect(invalid).toEqual([]);
  const kinds = records.map((r) => r.record.kind);
  expect(kinds.slice(0, 2)).toEqual(['session', 'routes']);
  const gapAt = kinds.indexOf('gap');
  expect(gapAt, kinds.join(',')).toBeGreaterThan(1);
  const gap = records[gapAt]!.record as GapRecord;
  expect(gap).toMatchObject({ node: 'worker1', reason: 'buffer-overflow', messages: publisher.dropped, sessions: 0 });
  const summary = JSON.stringify(records.map(({ record: r }) => (r.kind === 'routes' ? [r.revision, routeCount(r)] : r.kind === 'gap' ? ['gap', r.routes, r.messages] : r.kind)));
  // Every change (revisions 2 … changes + 1, one route each) is either in a routes record or
  // counted by the gap; the records kept are in order, and the gap sits where the lost ones were
  // (a send already under way when Kafka went away may deliver its record before the gap).
  const kept = records.slice(2).filter((r) => r.record.kind === 'routes').map((r) => r.record as RoutesRecord);
  expect(kept.every((r) => routeCount(r) === 1), summary).toBe(true);
  const revisions = kept.map((r) => r.revision!);
  expect(revisions, summary).toEqual([...revisions].sort((a, b) => a - b));
  expect(gap.routes! + kept.length, summary).toBe(changes);
  const lost = Array.from({ length: changes }, (_, k) => k + 2).filter((rev) => !revisions.includes(rev));
  expect(lost, summary).toHaveLength(gap.routes!);
  const before = kept.filter((r) => r.revision! < lost[0]!);
  const after = kept.filter((r) => r.revision! > lost.at(-1)!);
  expect(before.length + after.length, `the lost revisions are one run: ${summary}`).toBe(kept.length);
  const prior = before.at(-1) ?? (records[1]!.record as RoutesRecord);
  expect(Date.parse(gap.from)).toBeGreaterThanOrEqual(Date.parse(prior.until));
  expect(Date.parse(gap.to)).toBeLessThanOrEqual(Date.parse(after[0]!.at));
  expect(speaker.session('router')!.status().state).toBe('Established');
});
