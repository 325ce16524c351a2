// What the audit topic costs per route. Prints figures; asserts nothing.
//
//   node test/bench/audit-bytes.ts [--routes 100000] [--changes 1000]
//
// The Adj-RIB-Out sender (the speaker's own) sends a table of IPv4 /32s with a few attribute sets,
// then one-route changes (a LoadBalancer IP moving: the old /32 withdrawn, a new one announced, one
// revision each). The wire tap's events go through the audit batcher (speaker/audit/audit-batch.ts)
// as the publisher does. Baseline: the UPDATE octets written on the wire for the same routes.
// Audit figures: the records' JSON, and gzip-compressed as the producer sends them (one batch of
// records per send; gzip of each record alone is an upper bound).
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import type { DesiredRoute } from '../../events/desired-state.ts';
import { encodeAuditRecord, routeCount } from '../../events/audit-records.ts';
import { auditRecords } from '../../speaker/audit/audit-batch.ts';
import type { FamilyKey } from '../../speaker/codec/context.ts';
import type { WireEvent } from '../../speaker/tap/wire-events.ts';
import { route } from '../support/speaker.ts';
import { manualTaps, tappedSender } from '../support/tapped-sender.ts';
import { benchPrefixes } from './gobgp-baseline.ts';

const { values } = parseArgs({ options: { routes: { type: 'string', default: '100000' }, changes: { type: 'string', default: '1000' } } });
const routes = Number(values.routes);
const changes = Number(values.changes);

const events: WireEvent[] = [];
const m = manualTaps({ consumer: { deliver: (b) => void events.push(...b) } });
let revision = 1;
let octets = 0;
const { sender } = tappedSender(m.taps, { node: 'worker1', instance: 'default', revision: () => revision, send: (b) => (octets += b.length) });

function measure(what: string, run: () => void, unit: number, unitName: string) {
  events.length = 0;
  octets = 0;
  run();
  m.deliver();
  const t = performance.now();
  const records = auditRecords(events, { nodes: ['worker1'] });
  const batchMs = performance.now() - t;
  const values = records.map(encodeAuditRecord);
  const json = values.reduce((n, v) => n + v.length, 0);
  const gzipEach = values.reduce((n, v) => n + gzipSync(v).length, 0);
  // The producer compresses a send of up to 64 records / 768 KiB at once.
  let gzipBatched = 0;
  for (let i = 0; i < values.length; i += 64) gzipBatched += gzipSync(Buffer.concat(values.slice(i, i + 64))).length;
  const carried = records.reduce((n, r) => n + routeCount(r), 0);
  const per = (v: number) => (v / unit).toFixed(1).padStart(8);
  console.log(`${what}: ${records.length} records carrying ${carried} routes, batched in ${batchMs.toFixed(1)} ms`);
  console.log(`  bytes per ${unitName}: UPDATEs on the wire ${per(octets)} (baseline) | audit JSON ${per(json)} | gzip per record ${per(gzipEach)} | gzip per send ${per(gzipBatched)}`);
  return { json, gzipEach, gzipBatched, octets };
}

const p = benchPrefixes({ ipv4: routes, ipv6: 0 });
const table: DesiredRoute[] = p.ipv4.map((x, i) => route(x, { communities: [`65000:${i % 4}`] }));
console.log(`audit bytes: a table of ${routes} IPv4 /32s (4 attribute sets), then ${changes} one-route changes`);
measure(`table of ${routes}`, () => sender.initial(new Map<FamilyKey, readonly DesiredRoute[]>([['1/1', table]]), false), routes, 'route');
const change = measure(
  `${changes} changes`,
  () => {
    for (let k = 0; k < changes; k++) {
      revision += 1;
      const moved = `172.${16 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}/32`;
      sender.update('1/1', [route(moved)], [p.ipv4[k % routes]!]);
      m.deliver(); // one revision per delivery, as the worker applies them
    }
  },
  changes,
  'change (one /32 withdrawn, one announced)',
);
const nodes = 100;
const perDay = (bytes: number) => ((bytes / changes) * nodes * 86_400) / 1e9;
// One change a second is one record per send (the publisher lingers 200 ms): gzip per record is
// what Kafka stores then, plus its record-batch header (61 bytes, Kafka's RecordBatch v2).
console.log(
  `at ${nodes} nodes, one such change per second toward one peer each: ${perDay(change.json).toFixed(2)} GB/day of JSON, ` +
    `${perDay(change.gzipEach + 61 * changes).toFixed(2)} GB/day as stored (gzip, one record per batch) — ` +
    `the UPDATEs themselves: ${perDay(change.octets).toFixed(2)} GB/day`,
);
