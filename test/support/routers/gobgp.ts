// A GoBGP 3.10 test router: TOML config in a temp dir, `gobgpd` as a child of this process, the
// `gobgp` CLI on a unix socket for questions (JSON), and bulk loading through MRT (mrt-inject.ts).
//
//   const gobgp = await startGobgp({ as: 65002, routerId: '10.0.0.2', port: 1179, addresses: ['127.64.1.2'],
//     neighbors: [{ address: '127.64.1.1', peerAs: 65001, localAddress: '127.64.1.2', remotePort: 1179 }] });
//   await gobgp.waitEstablished('127.64.1.1', 20_000);   // its first connect comes ~5 s after start
//   await gobgp.adjIn('127.64.1.1', 'ipv4');
//
// Remember: GoBGP drops received IPv4 routes whose next hop is in 127/8 (peers.md).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spawned } from '../../../infra/local/procs.ts';
import { stopProcess, tail } from '../../../infra/local/procs.ts';
import { launchDaemon } from './daemon.ts';
import type { WaitOptions } from './common.ts';
import { makeTempDir, removeTempDir, run, runOk, waitFor } from './common.ts';
import type { GobgpOptions } from './gobgp-config.ts';
import { renderGobgpConfig } from './gobgp-config.ts';
import type { GobgpPath, GobgpSessionState } from './gobgp-parse.ts';
import { parseGobgpRib, parseRibSummary, sessionStateOf } from './gobgp-parse.ts';
import type { MrtExpect } from './mrt-inject.ts';
import { injectMrtThroughFifo } from './mrt-inject.ts';

export type { GobgpOptions, GobgpNeighborOptions, GobgpFamily } from './gobgp-config.ts';
export type { GobgpPath, GobgpSessionState } from './gobgp-parse.ts';

export type GobgpAfi = 'ipv4' | 'ipv6';

export interface StartGobgpOptions extends GobgpOptions {
  dir?: string;
  netns?: string;
  readyTimeoutMs?: number;
}

export interface GobgpRoute {
  nextHop: string;
  origin?: 'igp' | 'egp' | 'incomplete';
  asPath?: number[];
  med?: number;
  localPref?: number;
  communities?: string[];
  largeCommunities?: string[];
}

export interface RunningGobgp {
  readonly dir: string;
  readonly configFile: string;
  /** 'unix:///…/gobgp.sock', for `gobgp --target`. */
  readonly target: string;
  readonly logFile: string;
  readonly pid: number;
  readonly options: GobgpOptions;
  /** `gobgp --target T ARGS…`; stdout, throws on a non-zero exit. */
  cli(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** `gobgp neighbor ADDR -j`, as GoBGP prints it. */
  neighbor(address: string): Promise<Record<string, unknown>>;
  sessionState(address: string): Promise<GobgpSessionState>;
  waitEstablished(address: string, timeoutMs: number): Promise<void>;
  adjIn(address: string, afi: GobgpAfi): Promise<GobgpPath[]>;
  adjOut(address: string, afi: GobgpAfi): Promise<GobgpPath[]>;
  /** The global RIB (local routes and the best of the received ones). */
  rib(afi: GobgpAfi): Promise<GobgpPath[]>;
  /** Paths in the global RIB (`global rib summary`): cheap. */
  ribCount(afi: GobgpAfi): Promise<number>;
  /** `gobgp global rib add` (~9 ms per route: use injectMrt for bulk). */
  addRoute(prefix: string, route: GobgpRoute): Promise<void>;
  deleteRoute(prefix: string): Promise<void>;
  /** Loads an MRT TABLE_DUMP_V2 file into the global RIB and waits until the RIB holds `expect`. */
  injectMrt(file: string, expect: MrtExpect, timeoutMs?: number): Promise<void>;
  waitFor<T>(probe: (g: RunningGobgp) => Promise<T | undefined | null | false> | T | undefined | null | false, opts: WaitOptions): Promise<T>;
  restart(opts?: { hard?: boolean }): Promise<void>;
  logTail(lines?: number): string;
  /** SIGTERM, bounded, SIGKILL after `graceMs` (default 5 s); `hard`: SIGKILL at once. */
  stop(opts?: { graceMs?: number; keepDir?: boolean; hard?: boolean }): Promise<void>;
}

const afArg = (afi: GobgpAfi) => ['-a', afi];

function routeArgs(prefix: string, r: GobgpRoute): string[] {
  const a = [prefix, 'nexthop', r.nextHop];
  if (r.origin) a.push('origin', r.origin);
  if (r.asPath?.length) a.push('aspath', r.asPath.join(','));
  if (r.med !== undefined) a.push('med', String(r.med));
  if (r.localPref !== undefined) a.push('local-pref', String(r.localPref));
  if (r.communities?.length) a.push('community', r.communities.join(','));
  if (r.largeCommunities?.length) a.push('large-community', r.largeCommunities.join(','));
  return a;
}

export async function startGobgp(opts: StartGobgpOptions): Promise<RunningGobgp> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? makeTempDir('gobgp');
  const configFile = join(dir, 'gobgpd.toml');
  const socket = join(dir, 'gobgp.sock');
  const target = `unix://${socket}`;
  const logFile = join(dir, 'gobgpd.log');
  const options: GobgpOptions = { as: opts.as, routerId: opts.routerId, port: opts.port, addresses: opts.addresses, neighbors: opts.neighbors };
  writeFileSync(configFile, renderGobgpConfig(options));
  const log = (m: string) => process.stderr.write(`[gobgpd ${opts.routerId}] ${m}\n`);
  const cli = (args: readonly string[], timeoutMs = 30_000) => runOk('gobgp', ['--target', target, ...args], timeoutMs);

  const args = ['-f', configFile, '-p', '--pprof-disable', '--api-hosts', target];
  // A stale socket after a crash blocks the next start (peers.md); launchDaemon removes it.
  const launch = (): Promise<Spawned> =>
    launchDaemon({
      command: opts.netns ? ['ip', ['netns', 'exec', opts.netns, 'gobgpd', ...args]] : ['gobgpd', args],
      socket, logFile, log,
      name: 'gobgpd',
      missingHint: 'gobgpd not found: apt-get install -y gobgpd',
      ready: async () => (await run('gobgp', ['--target', target, 'global'], 3000)).code === 0,
      timeoutMs: opts.readyTimeoutMs ?? 15_000,
      intervalMs: 100,
      what: `gobgpd (${configFile})`,
    });

  let proc: Spawned;
  try {
    proc = await launch();
  } catch (err) {
    if (ownDir) removeTempDir(dir); // the error carries the log tail
    throw err;
  }
  const json = async (args: readonly string[]) => JSON.parse((await cli([...args, '-j'])) || 'null') as unknown;

  const g: RunningGobgp = {
    dir, configFile, target, logFile, options,
    get pid() {
      return proc.pid;
    },
    cli,
    async neighbor(address) {
      return (await json(['neighbor', address])) as Record<string, unknown>;
    },
    async sessionState(address) {
      return sessionStateOf(await g.neighbor(address));
    },
    async waitEstablished(address, timeoutMs) {
      await g.waitFor(async () => (await g.sessionState(address)) === 'established', {
        timeoutMs, what: `GoBGP neighbor ${address} established`,
      });
    },
    async adjIn(address, afi) {
      return parseGobgpRib(await json(['neighbor', address, 'adj-in', ...afArg(afi)]));
    },
    async adjOut(address, afi) {
      return parseGobgpRib(await json(['neighbor', address, 'adj-out', ...afArg(afi)]));
    },
    async rib(afi) {
      return parseGobgpRib(await json(['global', 'rib', ...afArg(afi)]));
    },
    async ribCount(afi) {
      return parseRibSummary(await cli(['global', 'rib', 'summary', ...afArg(afi)])).paths;
    },
    async addRoute(prefix, route) {
      await cli(['global', 'rib', ...afArg(prefix.includes(':') ? 'ipv6' : 'ipv4'), 'add', ...routeArgs(prefix, route)]);
    },
    async deleteRoute(prefix) {
      await cli(['global', 'rib', ...afArg(prefix.includes(':') ? 'ipv6' : 'ipv4'), 'del', prefix]);
    },
    async injectMrt(file, expect, timeoutMs = 120_000) {
      await injectMrtThroughFifo({ target, dir, file, expect, timeoutMs, ribCount: g.ribCount, logFile });
    },
    waitFor(probe, wopts) {
      return waitFor(() => probe(g), { detail: () => tail(logFile), ...wopts });
    },
    async restart(ropts = {}) {
      if (ropts.hard) {
        proc.child.kill('SIGKILL');
        await proc.exited;
      } else {
        await stopProcess(proc, 5000, log);
      }
      proc = await launch();
    },
    logTail(lines = 30) {
      return tail(logFile, lines);
    },
    async stop(sopts = {}) {
      if (sopts.hard && !proc.hasExited()) {
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
      await stopProcess(proc, sopts.graceMs ?? 5000, log);
      rmSync(socket, { force: true });
      if (ownDir && !sopts.keepDir) removeTempDir(dir);
    },
  };
  return g;
}
