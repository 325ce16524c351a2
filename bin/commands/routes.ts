// `bgpcast routes available|advertised|received [ipv4|ipv6] [unicast] [--node N] [--peer ADDR]
// [--vrouter ASN] [-o json]`: the routes each node's speaker originates, sent or received, in the
// columns of `cilium bgp routes` (bin/views/routes-view.ts). Missing arguments default to
// `available ipv4 unicast`, with a note on stderr as cilium-cli prints one (not with -o json).
// `routes available --at MOMENT`: the routes each node would originate as of that moment, from the
// events topic replayed up to it (bin/replay-session.ts) — the desired state, as the speakers would
// load it; what went on the wire is not on the events topic, so advertised and received take no
// --at. A replayed route's age is not known: it shows as 0s.

import type { Command } from 'commander';
import type { RoutesDocument } from '../../events/speaker-status.ts';
import { parseIp } from '../../events/ip.ts';
import { routesDocumentSchema } from '../../events/speaker-status.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import type { RouteQuery, RouteTable } from '../views/routes-view.ts';
import { routesJson, routesTable } from '../views/routes-view.ts';
import { checkOutput, readReports, reportProblems } from '../views/status-cli.ts';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { desiredOfAll } from '../../functions/replay/replay-world.ts';
import { buildRoutesDocument, RouteAges } from '../../speaker/worker/status-routes.ts';
import { AT_OPTION_HELP, cliReplay, cliReplayPoint, printReplayLine } from '../replay-session.ts';

interface RoutesOptions {
  at?: string;
  node?: string;
  peer?: string;
  vrouter?: string;
  output: string;
}

const TABLES: readonly RouteTable[] = ['available', 'advertised', 'received'];

/** Pure: the query from the positional arguments and options, and the defaulting note if any. */
export function parseRoutesArgs(args: readonly string[], o: Pick<RoutesOptions, 'peer' | 'vrouter'>): { query: RouteQuery; note: string | null } {
  const [table = 'available', afi = 'ipv4', safi = 'unicast', ...rest] = args;
  if (rest.length > 0) throw new CliError(`unexpected argument: ${rest[0]}`, ExitCode.Usage);
  if (!TABLES.includes(table as RouteTable)) {
    throw new CliError(`invalid argument: \`${table}\`, expected \`available\` / \`advertised\` / \`received\``, ExitCode.Usage);
  }
  if (afi !== 'ipv4' && afi !== 'ipv6') throw new CliError(`unknown AFI \`${afi}\` (ipv4 or ipv6)`, ExitCode.Usage);
  if (safi !== 'unicast') throw new CliError(`unknown SAFI \`${safi}\` (unicast)`, ExitCode.Usage);
  if (o.peer !== undefined && parseIp(o.peer) === null) throw new CliError(`--peer: not an IP address: ${o.peer}`, ExitCode.Usage);
  if (o.peer !== undefined && table === 'available') throw new CliError('--peer applies to advertised and received routes', ExitCode.Usage);
  if (o.vrouter !== undefined && !/^\d+$/.test(o.vrouter)) throw new CliError(`--vrouter: not an AS number: ${o.vrouter}`, ExitCode.Usage);
  const note =
    args.length === 0
      ? '(Defaulting to `available ipv4 unicast` routes, please see help for more options)'
      : args.length === 1
        ? '(Defaulting to `ipv4 unicast` AFI & SAFI, please see help for more options)'
        : args.length === 2
          ? '(Defaulting to `unicast` SAFI, please see help for more options)'
          : null;
  const query: RouteQuery = {
    table: table as RouteTable,
    afi,
    safi: 'unicast',
    ...(o.peer !== undefined ? { peer: o.peer } : {}),
    ...(o.vrouter !== undefined ? { vrouter: Number(o.vrouter) } : {}),
  };
  return { query, note };
}

export function registerRoutes(program: Command): void {
  program
    .command('routes')
    .description('list BGP routes: available (originated), advertised (sent to each peer) or received')
    .argument('[args...]', 'available|advertised|received [ipv4|ipv6] [unicast]')
    .option('--node <name>', 'only this node')
    .option('--peer <address>', 'only this peer (advertised, received)')
    .option('--vrouter <asn>', 'only this local AS')
    .option('-o, --output <format>', 'summary or json', 'summary')
    .option('--at <moment>', `available only: ${AT_OPTION_HELP}`)
    .action(async (args: string[], opts: RoutesOptions) => {
      const format = checkOutput(opts.output);
      const { query, note } = parseRoutesArgs(args, opts);
      if (opts.at !== undefined && query.table !== 'available') {
        throw new CliError(`--at applies to available routes (the ${query.table} routes are not on the events topic)`, ExitCode.Usage);
      }
      if (opts.at !== undefined) cliReplayPoint(opts.at);
      if (note && format !== 'json') process.stderr.write(`${note}\n\n`);
      if (opts.at !== undefined) return routesAt(opts.at, opts.node, query, format);
      const parse = (text: string) => routesDocumentSchema.parse(JSON.parse(text)) as unknown as RoutesDocument;
      const collected = await readReports('routes', opts.node, parse);
      reportProblems(collected);
      const now = Date.now();
      if (format === 'json') process.stdout.write(`${JSON.stringify(routesJson(collected.documents, query, now), null, 1)}\n`);
      else if (collected.documents.size > 0 || collected.problems.length === 0) process.stdout.write(routesTable(collected.documents, query, now));
    });
}

/** The available routes as of a moment: each node's replayed desired state as its speaker would originate it. */
async function routesAt(at: string, node: string | undefined, query: RouteQuery, format: 'json' | 'text'): Promise<void> {
  const replay = await cliReplay(at);
  printReplayLine(replay, format);
  const desired = node !== undefined ? new Map([[node, computeDesiredNode(replay.world, node)]]) : desiredOfAll(replay.fold, replay.world);
  const now = Date.now();
  const docs = new Map<string, RoutesDocument>();
  for (const [n, doc] of desired) {
    if (doc.instances.length === 0) continue;
    docs.set(n, buildRoutesDocument(n, 0, doc.instances.map((instance) => ({ instance, peers: [] })), new RouteAges(), now));
  }
  if (format === 'json') process.stdout.write(`${JSON.stringify(routesJson(docs, query, now), null, 1)}\n`);
  else process.stdout.write(routesTable(docs, query, now));
}
