// The router of `bgpcast up --demo`: a BIRD 2 on a loopback address (127.5.5.5, AS 65000) that
// accepts the demo's nodes as eBGP neighbours (multihop, as 127/8 sessions need), is a graceful
// restart helper (a speaker restarting with GR loses no route at the router), and imports every
// route into its own tables only — no `protocol kernel`, nothing reaches the host's routing.
// Run in the foreground as our child with its own config, control socket, pid file and log;
// stopped by pid. What the config relies on: test/support/routers/README.md.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Spawned } from './procs.ts';
import { spawnToFile, stopProcess, waitUntil } from './procs.ts';

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

export async function startDemoRouter(o: DemoRouterOptions, log: (m: string) => void): Promise<RunningDemoRouter> {
  if (await portTaken(o.address, o.port)) throw new Error(`something already listens on ${o.address}:${o.port} (another \`bgpcast up --demo\`?)`);
  const dir = mkdtempSync(join(tmpdir(), 'bgpcast-demo-bird-'));
  const conf = join(dir, 'bird.conf');
  const socket = join(dir, 'bird.ctl');
  const logFile = join(dir, 'bird.log');
  writeFileSync(conf, renderDemoBirdConfig(o));
  let proc: Spawned;
  try {
    proc = spawnToFile('bird', ['-f', '-c', conf, '-s', socket, '-P', join(dir, 'bird.pid')], logFile, 'bird', 'bird not found: apt-get install -y bird2');
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  try {
    await waitUntil(() => answers(socket), { proc, timeoutMs: 10_000, intervalMs: 50, what: `bird on ${o.address}:${o.port}`, logFile });
  } catch (e) {
    await stopProcess(proc, 2_000, log);
    throw e;
  }
  const p = proc;
  return {
    pid: p.pid,
    dir,
    socket,
    logFile,
    async stop() {
      await stopProcess(p, 5_000, log);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
