// `bgpcast audit prefix PREFIX [--node N] [--peer ADDR] [--since T] [--until T] [-o json]`: every
// announce and withdraw of PREFIX the speakers sent, oldest first, from the audit topic
// (events/audit-records.ts; a bounded read that joins no consumer group), each with the attributes
// sent, the desired revision and the events that caused it (<p>:{<node>}:causes in Redis). JSON:
// [{time, node, peer, action, prefix, attributes, revision, causes: [{key, type, source,
// resourceVersion, partition, offset, observedAt}]}]. No history: an empty timeline, exit 0.

import type { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { AuditRecord } from '../../events/audit-records.ts';
import { parseCausesEntry, type CausesEntry } from '../../events/causes.ts';
import { readAuditRecords } from '../../events/kafka/audit-reader.ts';
import { nodeKeys, redisPrefixFromEnv } from '../../events/redis-keys.ts';
import { Topics } from '../../events/topics.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import { reachKafka, unreachable } from '../kafka-session.ts';
import { withCliRedis } from '../redis-session.ts';
import { formatTimeline, gapsIn, parseAuditPeer, parseAuditPrefix, parseAuditTime, timeline, type AuditQuery } from '../views/audit-timeline.ts';

interface AuditPrefixOptions {
  node?: string;
  peer?: string;
  since?: string;
  until?: string;
  output: string;
}

/** Pure: the query the arguments ask for (CliError, exit 2, when one cannot be read). */
export function auditQuery(prefix: string, opts: AuditPrefixOptions, now: number): { query: AuditQuery; output: 'text' | 'json' } {
  if (opts.output !== 'text' && opts.output !== 'json') throw new CliError(`-o: expected text or json, got ${opts.output}`, ExitCode.Usage);
  const query: AuditQuery = {
    prefix: parseAuditPrefix(prefix),
    ...(opts.node !== undefined ? { node: opts.node } : {}),
    ...(opts.peer !== undefined ? { peer: parseAuditPeer(opts.peer) } : {}),
    ...(opts.since !== undefined ? { since: parseAuditTime('--since', opts.since, now) } : {}),
    ...(opts.until !== undefined ? { until: parseAuditTime('--until', opts.until, now) } : {}),
  };
  if (query.since !== undefined && query.until !== undefined && query.since > query.until) throw new CliError('--since is after --until', ExitCode.Usage);
  return { query, output: opts.output };
}

export function registerAuditPrefix(audit: Command): void {
  audit
    .command('prefix')
    .argument('<prefix>', 'the prefix, e.g. 172.20.0.10/32')
    .description('every announce and withdraw of PREFIX the speakers sent, oldest first, with the attributes, the revision and its causes')
    .option('--node <name>', 'only what this node sent')
    .option('--peer <address>', 'only what was sent to this peer')
    .option('--since <time>', 'from this time on (RFC 3339, or a duration ago: 90s, 15m, 2h, 1d)')
    .option('--until <time>', 'up to this time')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (prefix: string, opts: AuditPrefixOptions) => runAuditPrefix(prefix, opts));
}

async function runAuditPrefix(prefix: string, opts: AuditPrefixOptions): Promise<void> {
  const { query, output } = auditQuery(prefix, opts, Date.now());
  const kafka = await reachKafka();
  const { records, firstAt } = await readAudit(kafka);
  if (query.since !== undefined && (firstAt === null || query.since < firstAt)) {
    process.stderr.write(
      firstAt === null
        ? `the audit topic ${Topics.audit} holds no record yet\n`
        : `--since ${new Date(query.since).toISOString()} is before the audit topic's first record (${new Date(firstAt).toISOString()}): nothing earlier was recorded\n`,
    );
  }
  const nodes = [...new Set(records.filter((r) => r.kind === 'routes' && (query.node === undefined || r.node === query.node)).map((r) => r.node))];
  const causes = nodes.length === 0 ? new Map<string, CausesEntry[]>() : await withCliRedis((redis) => readCauses(redis, nodes));
  const rows = timeline(records, causes, query);
  for (const g of gapsIn(records, query)) {
    process.stderr.write(`history incomplete on ${g.node} from ${g.from} to ${g.to}: ${g.routes === null ? 'an unknown number of' : g.routes} routes not recorded (${g.reason})\n`);
  }
  process.stdout.write(output === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : formatTimeline(rows));
}

async function readAudit(kafka: Kafka): Promise<{ records: AuditRecord[]; firstAt: number | null }> {
  try {
    const admin = kafka.admin();
    await admin.connect();
    const exists = await admin.listTopics().then((t) => t.includes(Topics.audit)).finally(() => admin.disconnect());
    if (!exists) return { records: [], firstAt: null };
    const read = await readAuditRecords(kafka, Topics.audit);
    for (const bad of read.invalid) process.stderr.write(`skipped a record that is not an audit record at partition ${bad.position.partition} offset ${bad.position.offset}: ${bad.error}\n`);
    const firstAt = read.records.reduce<number | null>((min, r) => (min === null || r.timestamp < min ? r.timestamp : min), null);
    return { records: read.records.map((r) => r.record), firstAt };
  } catch (e) {
    throw unreachable(e);
  }
}

async function readCauses(redis: Redis, nodes: readonly string[]): Promise<Map<string, CausesEntry[]>> {
  const prefix = redisPrefixFromEnv();
  const out = new Map<string, CausesEntry[]>();
  for (const node of nodes) {
    const entries = await redis.xrange(nodeKeys(prefix, node).causes, '-', '+');
    out.set(node, entries.flatMap(([, fields]) => parseCausesEntry(fields) ?? []));
  }
  return out;
}
