// `bgpcast audit object KIND/[NAMESPACE/]NAME [--limit N] [-o json]`: the object's history on the
// events topic, oldest first — each step's time, position, type, source and resourceVersion, the
// fields it added, removed or changed, and the prefixes each node's desired state announced or
// withdrew because of it (functions/replay/object-history.ts). Reads the topic without a consumer
// group; writes nothing. No history: an empty timeline, exit 0.
//
// JSON, fields fixed: {object, positions, omitted, steps: [{time, partition, offset, type, source,
// resourceVersion, uid, folded, changes: [{op, path, before?, after?}], announced: [{node, prefix}],
// withdrawn: [{node, prefix}]}]}.

import type { Command } from 'commander';
import { kafkaEventLog } from '../../functions/replay/event-log.ts';
import { mergeByObservedAt, ObjectArgError, objectHistory, parseObjectArg, type ObjectStep, type RouteChange } from '../../functions/replay/object-history.ts';
import { readRecords } from '../../functions/replay/replay-at.ts';
import { positionsText } from '../../functions/replay/replay-point.ts';
import { settingsReadBy } from '../../functions/settings.ts';
import { Topics } from '../../events/topics.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import { reachKafka, unreachable } from '../kafka-session.ts';
import { settingsFromOptions } from './settings-options.ts';

interface AuditObjectOptions {
  output: string;
  limit: string;
}

/** A value as one short line of text. */
function shortValue(v: unknown): string {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** "172.20.0.77/32 on worker1, worker2; …": prefixes with the nodes that changed them. */
function byPrefix(routes: readonly RouteChange[]): string {
  const nodes = new Map<string, string[]>();
  for (const r of routes) nodes.set(r.prefix, [...(nodes.get(r.prefix) ?? []), r.node]);
  return [...nodes].map(([prefix, ns]) => `${prefix} on ${ns.join(', ')}`).join('; ');
}

/** Pure: one step as text lines. */
export function describeStep(s: ObjectStep): string[] {
  const rv = s.resourceVersion === null ? '' : `, resourceVersion ${s.resourceVersion}`;
  const lines = [`${s.time}  ${s.type.padEnd(8)}  ${s.partition}:${s.offset}  source ${s.source}${rv}${s.folded ? '' : ' (passed over by the fold: not newer than the version held)'}`];
  const sign = { add: '+', remove: '-', change: '~' } as const;
  for (const c of s.changes) {
    const value = c.op === 'add' ? shortValue(c.after) : c.op === 'remove' ? shortValue(c.before) : `${shortValue(c.before)} -> ${shortValue(c.after)}`;
    lines.push(`  ${sign[c.op]} ${c.path}: ${value}`);
  }
  if (s.announced.length > 0) lines.push(`  announced: ${byPrefix(s.announced)}`);
  if (s.withdrawn.length > 0) lines.push(`  withdrew:  ${byPrefix(s.withdrawn)}`);
  return lines;
}

export function registerAuditObject(audit: Command): void {
  audit
    .command('object')
    .description(
      "an object's history on the events topic: each change, the fields it added, removed or changed, and the prefixes it made each node announce or withdraw",
    )
    .argument('<object>', 'KIND/[NAMESPACE/]NAME, e.g. Service/default/web or CiliumBGPClusterConfig/cilium-bgp')
    .option('--limit <n>', 'show the newest N steps (each costs two replayed worlds)', '200')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (arg: string, opts: AuditObjectOptions) => {
      if (opts.output !== 'json' && opts.output !== 'text') throw new CliError(`-o: expected text or json, got ${opts.output}`, ExitCode.Usage);
      if (!/^[1-9]\d{0,6}$/.test(opts.limit)) throw new CliError(`--limit: expected a whole number from 1 to 9999999, got ${opts.limit}`, ExitCode.Usage);
      let key: string;
      try {
        key = parseObjectArg(arg);
      } catch (e) {
        if (e instanceof ObjectArgError) throw new CliError(e.message, ExitCode.Usage);
        throw e;
      }
      const settings = settingsFromOptions({}, settingsReadBy('functions'));
      const kafka = await reachKafka();
      let read: Awaited<ReturnType<typeof readRecords>>;
      try {
        read = await readRecords(kafkaEventLog(kafka, Topics.events, null));
      } catch (e) {
        throw unreachable(e);
      }
      if (read.poison > 0) process.stderr.write(`bgpcast: ${read.poison} record(s) of ${Topics.events} are not events; passed over\n`);
      const history = objectHistory(key, mergeByObservedAt(read.partitions, (e) => e.key === key), { settings, limit: Number(opts.limit) });
      const positions = positionsText(read.upTo);
      if (opts.output === 'json') {
        const out = { object: key, positions, omitted: history.omitted, steps: history.steps };
        return void process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      }
      const count = history.steps.length;
      const head = `${key}: ${count === 0 ? 'no history' : `${count} step${count === 1 ? '' : 's'}`} on ${Topics.events} up to ${positions || '(none)'} (${history.records} records read)`;
      const lines = [head];
      if (history.omitted > 0) lines.push(`(${history.omitted} older step(s) not shown: --limit ${opts.limit})`);
      for (const s of history.steps) lines.push(...describeStep(s));
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
