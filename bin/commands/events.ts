// `bgpcast events dump`: the events topic read back, one envelope per line.

import type { Command } from 'commander';
import { readEvents } from '../../events/kafka/reader.ts';
import { Topics } from '../../events/topics.ts';
import { objectKey } from '../../events/object-key.ts';
import { reachKafka, unreachable } from '../kafka-session.ts';
import type { ConsumedEvent } from '../../events/bus.ts';

export function registerEvents(program: Command): void {
  const events = program.command('events').description('read the event history on Kafka');
  events
    .command('dump')
    .description('print the events topic, one envelope per line (oldest first per partition)')
    .option('--from-beginning', 'start at the oldest record instead of the end', false)
    .option('--follow', 'keep printing new records until interrupted', false)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { fromBeginning: boolean; follow: boolean; output: string }) => {
      if (!opts.fromBeginning && !opts.follow) {
        process.stderr.write('nothing to read: add --from-beginning for the history, --follow for new events\n');
        return;
      }
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop).once('SIGTERM', stop);
      const print = opts.output === 'json' ? jsonLine : textLine;
      try {
        await readEvents(await reachKafka(), {
          topic: Topics.events,
          fromBeginning: opts.fromBeginning,
          follow: opts.follow,
          signal: abort.signal,
          onEvent: (e) => process.stdout.write(`${print(e)}\n`),
          onPoison: (p) =>
            process.stderr.write(`skipped invalid record at partition ${p.partition} offset ${p.offset}: ${p.error.message}\n`),
        });
      } catch (e) {
        throw unreachable(e);
      } finally {
        process.off('SIGINT', stop).off('SIGTERM', stop);
      }
    });
}

/** The envelope itself, with its position on the topic added. */
function jsonLine(e: ConsumedEvent): string {
  return JSON.stringify({ partition: e.partition, offset: e.offset, key: e.key, ...e.envelope });
}

function textLine(e: ConsumedEvent): string {
  const what = e.envelope.type === 'synced' ? `${e.envelope.kind} (resync ${e.envelope.syncId})` : objectKey(e.envelope);
  return [e.envelope.observedAt, `${e.partition}@${e.offset}`, e.envelope.type.padEnd(8), what, e.envelope.source].join('  ');
}
