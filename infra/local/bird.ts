// The router of `bgpcast up --demo`: a BIRD 2 on a loopback address (127.5.5.5, AS 65000) that
// accepts the demo's nodes as eBGP neighbours (multihop, as 127/8 sessions need), is a graceful
// restart helper (a speaker restarting with GR loses no route at the router), and imports every
// route into its own tables only — no `protocol kernel`, nothing reaches the host's routing.
// Run in the foreground as our child with its own config, control socket, pid file and log;
// stopped by pid. What the config relies on: test/support/routers/README.md.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Spawned } from './procs.ts';
import { spawnToFile, stopProcess, waitUntil } from './procs.ts';
import { recordedProcess, removePidRecord, stopPid, writePidRecord } from './run-dir.ts';

export interface DemoNeighbor {
  /** BIRD protocol name (letters, digits, underscore). */
  readonly name: string;
  readonly address: string;
  readonly asn: number;
}

export interface DemoRouterOptions {
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly neighbors: readonly DemoNeighbor[];
  readonly holdTime?: number;
}

/** bird.conf for the demo router (pure). */
export function renderDemoBirdConfig(o: DemoRouterOptions): string {
  const lines = [
    '# Written by bgpcast up --demo (infra/local/bird.ts)',
    `router id ${o.address};`,
    'log stderr all;',
    'timeformat protocol "%s";',
    'ipv4 table igp4;',
    'ipv6 table igp6;',
    'protocol device { scan time 60; }',
    // Next hops of multihop sessions resolve through these tables: a default route via lo.
    'protocol static igp_default4 { ipv4 { table igp4; }; route 0.0.0.0/0 via "lo"; }',
    'protocol static igp_default6 { ipv6 { table igp6; }; route ::/0 via "lo"; }',
  ];
  for (const n of o.neighbors) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n.name)) throw new Error(`bad BIRD protocol name '${n.name}'`);
    lines.push(
      `protocol bgp ${n.name} {`,
      `  local ${o.address} port ${o.port} as ${o.asn};`,
      `  neighbor ${n.address} as ${n.asn};`,
      '  strict bind yes;',
      '  multihop;',
      // The nodes' speakers connect to us; they do not listen (localPort unset).
      '  passive on;',
      `  hold time ${o.holdTime ?? 9};`,
      '  error wait time 1,10;',
      '  graceful restart aware;',
      '  ipv4 { import all; export none; igp table igp4; };',
      '  ipv6 { import all; export none; igp table igp4; igp table igp6; extended next hop on; };',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface RunningDemoRouter {
  readonly pid: number;
  readonly dir: string;
  readonly socket: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(socket);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('error', () => done(false));
    s.on('data', (d) => done(d.toString().startsWith('0001')));
  });
}

/** Whether something accepts TCP connections on host:port (BIRD would start but not listen). */
export function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (taken: boolean) => {
      s.destroy();
      resolve(taken);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export interface DemoRouterPlace {
  /** Where BIRD keeps its config, control socket and log, kept after stop; default a temp dir, removed. */
  readonly dir?: string;
  /** Where its pid record goes (run-dir.ts), so a later run can take it over; default none. */
  readonly recordDir?: string;
}

const RECORD = 'bird';

/**
 * The BIRD a previous run started in `place` and left running (its process was killed, say), when
 * it is still that BIRD, answers on its control socket and runs this very config: taken over as
 * it is, sessions and routes untouched. Null otherwise (a stale record is removed; a BIRD running
 * another config is stopped, so a fresh one can start).
 */
export async function adoptDemoRouter(o: DemoRouterOptions, place: Required<DemoRouterPlace>, log: (m: string) => void): Promise<RunningDemoRouter | null> {
  const rec = recordedProcess(place.recordDir, RECORD);
  if (rec === null) {
    removePidRecord(place.recordDir, RECORD);
    return null;
  }
  const paths = routerPaths(place.dir);
  const same = existsSync(paths.conf) && readFileSync(paths.conf, 'utf8') === renderDemoBirdConfig(o);
  if (!same || !(await answers(paths.socket))) {
    log(`BIRD pid ${rec.pid} left by a previous run ${same ? 'does not answer' : 'runs another config'}; stopping it`);
    await stopPid(rec.pid, 5_000);
    removePidRecord(place.recordDir, RECORD);
    return null;
  }
  return {
    pid: rec.pid,
    dir: place.dir,
    socket: paths.socket,
    logFile: paths.logFile,
    async stop() {
      await stopPid(rec.pid, 5_000);
      removePidRecord(place.recordDir, RECORD);
    },
  };
}

function routerPaths(dir: string): { conf: string; socket: string; logFile: string; pidFile: string } {
  return { conf: join(dir, 'bird.conf'), socket: join(dir, 'bird.ctl'), logFile: join(dir, 'bird.log'), pidFile: join(dir, 'bird.pid') };
}

export async function startDemoRouter(o: DemoRouterOptions, log: (m: string) => void, place: DemoRouterPlace = {}): Promise<RunningDemoRouter> {
  if (await portTaken(o.address, o.port)) throw new Error(`something already listens on ${o.address}:${o.port} (another \`bgpcast up --demo\`?)`);
  const ownDir = place.dir === undefined;
  const dir = place.dir ?? mkdtempSync(join(tmpdir(), 'bgpcast-demo-bird-'));
  mkdirSync(dir, { recursive: true });
  const cleanup = () => ownDir && rmSync(dir, { recursive: true, force: true });
  const { conf, socket, logFile, pidFile } = routerPaths(dir);
  writeFileSync(conf, renderDemoBirdConfig(o));
  let proc: Spawned;
  try {
    proc = spawnToFile('bird', ['-f', '-c', conf, '-s', socket, '-P', pidFile], logFile, 'bird', 'bird not found: apt-get install -y bird2');
  } catch (e) {
    cleanup();
    throw e;
  }
  try {
    await waitUntil(() => answers(socket), { proc, timeoutMs: 10_000, intervalMs: 50, what: `bird on ${o.address}:${o.port}`, logFile });
  } catch (e) {
    await stopProcess(proc, 2_000, log);
    cleanup();
    throw e;
  }
  const p = proc;
  if (place.recordDir) writePidRecord(place.recordDir, RECORD, { pid: p.pid, address: `${o.address}:${o.port}`, command: 'bird' });
  return {
    pid: p.pid,
    dir,
    socket,
    logFile,
    async stop() {
      await stopProcess(p, 5_000, log);
      if (place.recordDir) removePidRecord(place.recordDir, RECORD);
      cleanup();
    },
  };
}

/** A demo BIRD a previous run left running in `recordDir`, if any (for `up` without --demo to mention). */
export function leftoverDemoRouter(recordDir: string): { pid: number; address: string } | null {
  const rec = recordedProcess(recordDir, RECORD);
  return rec && { pid: rec.pid, address: rec.address };
}
