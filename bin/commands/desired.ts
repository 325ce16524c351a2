// `bgpcast desired [NODE]` and `bgpcast conditions`: what the functions wrote to Redis.
// A node without a desired document has no BGP configuration: {"node": NAME, "instances": []}.
// With --at, the same views of the state as of a moment: the events topic replayed up to it
// (bin/replay-session.ts), computed by the same pure functions, printed below a line naming the
// positions it reflects (on stderr with -o json, so the JSON has the shape of the live answer; a
// replayed document has no revision, which counts the store's writes).

import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import type { DesiredNodeState, DesiredPeer, DesiredRoute } from '../../events/desired-state.ts';
import type { Condition } from '../../functions/cilium/conditions.ts';
import { InvalidDesiredDocumentError, readDesiredDocument } from '../../events/desired-read.ts';
import { listDesiredNodes, readConditions } from '../../functions/store/desired-store.ts';
import { redisPrefixFromEnv, storeKeys } from '../../events/redis-keys.ts';
import { withCliRedis } from '../redis-session.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import { computeConditions } from '../../functions/cilium/conditions.ts';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { announcedPrefixes, desiredOfAll } from '../../functions/replay/replay-world.ts';
import { AT_OPTION_HELP, cliReplay, printReplayLine } from '../replay-session.ts';

type Output = { output: string; at?: string };

function checkOutput(o: string): 'json' | 'text' {
  if (o !== 'json' && o !== 'text') throw new CliError(`-o: expected text or json, got ${o}`, ExitCode.Usage);
  return o;
}

async function withRedis<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
  try {
    return await withCliRedis(use);
  } catch (e) {
    if (e instanceof InvalidDesiredDocumentError) throw new CliError(e.message, ExitCode.Failure);
    throw e;
  }
}

export function registerDesired(program: Command): void {
  program
    .command('desired')
    .description("print a node's desired BGP state as the functions wrote it (without NODE: list the nodes)")
    .argument('[node]', 'node name')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--at <moment>', AT_OPTION_HELP)
    .action(async (node: string | undefined, opts: Output) => {
      const format = checkOutput(opts.output);
      if (opts.at !== undefined) return desiredAt(node, opts.at, format);
      const keys = storeKeys(redisPrefixFromEnv());
      await withRedis(async (redis) => {
        if (node === undefined) {
          // Revisions only: a node can hold tens of thousands of routes, a listing should not read them.
          const nodes = await listDesiredNodes(redis, keys);
          const pipeline = redis.pipeline();
          for (const n of nodes) pipeline.hmget(keys.desired(n), 'revision', 'updatedAt');
          const heads = ((await pipeline.exec()) ?? []).map(([, v]) => v as (string | null)[]);
          const list = nodes.map((n, i) => ({ node: n, revision: Number(heads[i]?.[0] ?? 0), updatedAt: heads[i]?.[1] ?? null }));
          if (format === 'json') return print(list);
          if (list.length === 0) return void process.stdout.write('no desired state written yet\n');
          return printTable(['Node', 'Revision', 'Updated'], list.map((r) => [r.node, String(r.revision), r.updatedAt ?? '-']));
        }
        const stored = await readDesiredDocument(redis, keys.prefix, node);
        if (stored && stored.orphans.length > 0) {
          process.stderr.write(`warning: ${stored.orphans.length} stored route(s) of node ${node} belong to no peer family; not shown\n`);
        }
        const doc: DesiredNodeState = stored
          ? { node, revision: stored.revision, instances: stored.document.instances }
          : { node, instances: [] };
        if (format === 'json') return print(doc);
        process.stdout.write(describeNode(doc, stored?.updatedAt ?? null));
      });
    });
}

export function registerConditions(program: Command): void {
  program
    .command('conditions')
    .description('print the status conditions of the BGP objects (ClusterConfigs, PeerConfigs, invalid objects, nodes)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--at <moment>', AT_OPTION_HELP)
    .action(async (opts: Output) => {
      const format = checkOutput(opts.output);
      if (opts.at !== undefined) {
        const replay = await cliReplay(opts.at);
        printReplayLine(replay, format);
        return printConditions(computeConditions(replay.world), format);
      }
      const keys = storeKeys(redisPrefixFromEnv());
      await withRedis(async (redis) => {
        const stored = await readConditions(redis, keys);
        printConditions(stored ? (JSON.parse(stored.document) as Condition[]) : [], format);
      });
    });
}

function printConditions(conditions: readonly Condition[], format: 'json' | 'text'): void {
  if (format === 'json') return print(conditions);
  if (conditions.length === 0) return void process.stdout.write('no conditions\n');
  printTable(
    ['Kind', 'Name', 'Type', 'Status', 'Reason', 'Message'],
    conditions.map((c) => [
      c.kind,
      c.namespace ? `${c.namespace}/${c.name}` : c.name,
      c.type,
      c.status,
      c.reason,
      c.message.trim().replace(/\n/g, '; ') || '-',
    ]),
  );
}

async function desiredAt(node: string | undefined, at: string, format: 'json' | 'text'): Promise<void> {
  const replay = await cliReplay(at);
  printReplayLine(replay, format);
  if (node === undefined) {
    const list = [...desiredOfAll(replay.fold, replay.world)].map(([n, doc]) => ({
      node: n,
      instances: doc.instances.length,
      prefixes: announcedPrefixes(doc).size,
    }));
    if (format === 'json') return print(list);
    if (list.length === 0) return void process.stdout.write('no nodes\n');
    return printTable(['Node', 'Instances', 'Prefixes'], list.map((r) => [r.node, String(r.instances), String(r.prefixes)]));
  }
  const doc = computeDesiredNode(replay.world, node);
  if (format === 'json') return print(doc);
  process.stdout.write(describeNode(doc, null));
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ');
  process.stdout.write([header, ...rows].map(line).join('\n') + '\n');
}

const seconds = (n: number) => `${n}s`;

function describePeer(p: DesiredPeer): string[] {
  const c = p.config;
  const auth = c.authSecretRef ? `secret ${c.authSecretRef.namespace}/${c.authSecretRef.name}` : 'none';
  const gr = c.gracefulRestart.enabled ? `on (restart ${seconds(c.gracefulRestart.restartTimeSeconds)})` : 'off';
  const ad = p.autoDiscovery;
  const address =
    p.peerAddress ?? (ad?.mode === 'DefaultGateway' ? `(the node's ${ad.addressFamily} default gateway)` : ad ? `(the link-local peer on ${ad.interface})` : '-');
  const lines = [
    `  Peer ${p.name}: ${address} AS ${p.peerASN === 0 ? 'any' : p.peerASN}, local address ${p.localAddress ?? 'auto'}`,
    `    port ${c.peerPort}, hold ${seconds(c.holdTimeSeconds)}, keepalive ${seconds(c.keepAliveTimeSeconds)}, ` +
      `connect retry ${seconds(c.connectRetryTimeSeconds)}, eBGP multihop ${c.ebgpMultihop}, graceful restart ${gr}, auth ${auth}`,
    `    GTSM ${c.gtsm ? 'on' : 'off'}, max prefixes ${c.maxPrefixes ?? 'none'}, next hop ipv4 ${c.nextHop.ipv4}, ipv6 ${c.nextHop.ipv6} ` +
      `(node ${c.nextHop.nodeIPv4 ?? '-'}, ${c.nextHop.nodeIPv6 ?? '-'})`,
  ];
  for (const f of p.families) {
    lines.push(`    ${f.afi}/${f.safi}: ${f.routes.length} route${f.routes.length === 1 ? '' : 's'}`);
    for (const i of f.interfaces ?? []) lines.push(`      and the addresses of ${i.interface} on the node (Interface)`);
    lines.push(...routeTable(f.routes).map((l) => `      ${l}`));
  }
  return lines;
}

function routeTable(routes: readonly DesiredRoute[]): string[] {
  if (routes.length === 0) return [];
  const rows = routes.map((r) => [
    r.prefix,
    r.communities.join(' ') || '-',
    r.largeCommunities.join(' ') || '-',
    r.localPreference === null ? '-' : String(r.localPreference),
    r.origin,
  ]);
  const header = ['Prefix', 'Communities', 'Large communities', 'Local pref', 'Origin'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   '));
}

function describeNode(doc: DesiredNodeState, updatedAt: string | null): string {
  const head = doc.revision === undefined ? `Node ${doc.node}` : `Node ${doc.node}, revision ${doc.revision}${updatedAt ? ` (updated ${updatedAt})` : ''}`;
  if (doc.instances.length === 0) return `${head}\nno BGP configuration applies to this node\n`;
  const lines = [head];
  for (const i of doc.instances) {
    const listen = i.localPort === null ? 'connect out only' : `listens on port ${i.localPort}`;
    lines.push(`Instance ${i.name}: local AS ${i.localASN}, router ID ${i.routerID}, ${listen}`);
    if (i.peers.length === 0) lines.push('  no peers');
    for (const p of i.peers) lines.push(...describePeer(p));
  }
  return `${lines.join('\n')}\n`;
}
