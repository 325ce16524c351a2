// `bgpcast peers [--node N] [-o wide|json]` (alias `neighbors`): every node's BGP sessions as its
// speaker reports them in Redis, in the columns of `cilium bgp peers` (bin/views/peers-view.ts).

import type { Command } from 'commander';
import type { PeersDocument } from '../../events/speaker-status.ts';
import { peersDocumentSchema } from '../../events/speaker-status.ts';
import { peersJson, peersTable, unsentNotes } from '../views/peers-view.ts';
import { checkOutput, readReports, reportProblems } from '../views/status-cli.ts';

export function registerPeers(program: Command): void {
  program
    .command('peers')
    .alias('neighbors')
    .description("list each node's BGP peers: session state, uptime, families, routes received and advertised")
    .option('--node <name>', 'only this node')
    .option('-o, --output <format>', 'summary, wide (with each family\'s next hop and why it is not sent) or json', 'summary')
    .action(async (opts: { node?: string; output: string }) => {
      const wide = opts.output === 'wide';
      const format = wide ? 'text' : checkOutput(opts.output);
      const parse = (text: string) => peersDocumentSchema.parse(JSON.parse(text)) as unknown as PeersDocument;
      const collected = await readReports('peers', opts.node, parse);
      reportProblems(collected);
      const now = Date.now();
      if (format === 'json') process.stdout.write(`${JSON.stringify(peersJson(collected.documents, now), null, 1)}\n`);
      else if (collected.documents.size > 0 || collected.problems.length === 0) {
        process.stdout.write(peersTable(collected.documents, now, wide));
        if (!wide) for (const note of unsentNotes(collected.documents)) process.stderr.write(`bgpcast: ${note} (see -o wide)\n`);
      }
    });
}
