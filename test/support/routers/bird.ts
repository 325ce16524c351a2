// A BIRD 2 test router: writes its own config in a temp dir, runs `bird -f` as a child of this
// process (output to bird.log), and answers questions through the control socket.
//
//   const bird = await startBird({ routerId: '10.0.0.1', address: '127.64.1.1', port: 1179,
//     protocols: [{ name: 'speaker', localAs: 65000, neighborAddress: '127.64.1.2', neighborPort: 1180, neighborAs: 65001 }] });
//   await bird.waitEstablished('speaker', 10_000);
//   const routes = await bird.routes('master4', 'speaker');
//   await bird.stop();
//
// BIRD is run in a network namespace when `netns` is given (`ip netns exec NS bird ...`); the
// control socket is a file, so birdc-style queries work from the host all the same.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spawned } from '../../../infra/local/procs.ts';
import { stopProcess, tail } from '../../../infra/local/procs.ts';
import { launchDaemon } from './daemon.ts';
import { BirdCommandError, birdCommand } from './bird-control.ts';
import type { BirdOptions } from './bird-config.ts';
import { renderBirdConfig } from './bird-config.ts';
import type { BirdProtocol, BirdRoute } from './bird-parse.ts';
import { parseProtocol, parseRouteCount, parseRoutes } from './bird-parse.ts';
import type { WaitOptions } from './common.ts';
import { makeTempDir, removeTempDir, waitFor } from './common.ts';

export type { BirdOptions, BirdBgpOptions, BirdChannelOptions, BirdStaticRoute } from './bird-config.ts';
export type { BirdProtocol, BirdRoute, BirdChannel } from './bird-parse.ts';
export { BirdCommandError } from './bird-control.ts';

export interface StartBirdOptions extends BirdOptions {
  /** Directory for bird.conf, bird.ctl, bird.pid, bird.log (default: a fresh temp dir, removed on stop). */
  dir?: string;
  /** Run inside this network namespace. */
  netns?: string;
  /** How long to wait for the control socket to answer (default 10 s). */
  readyTimeoutMs?: number;
}

export type BirdTable = 'master4' | 'master6';

export interface RunningBird {
  readonly dir: string;
  readonly configFile: string;
  readonly socket: string;
  readonly logFile: string;
  /** pid of the current bird process (changes on restart()). */
  readonly pid: number;
  /** The options of the running config (updated by configure()). */
  readonly options: BirdOptions;
  /** Any birdc command; the reply as birdc prints it. Throws BirdCommandError on 8xxx/9xxx. */
  birdc(command: string): Promise<string>;
  /** `show protocols all NAME`, parsed. */
  protocol(name: string): Promise<BirdProtocol>;
  /** `show route all table T [protocol P]`, parsed. */
  routes(table: BirdTable, protocol?: string): Promise<BirdRoute[]>;
  /** The paths of one prefix (exact match, `show route PREFIX all`), in master4 or master6 by its family. */
  routesFor(prefix: string, protocol?: string): Promise<BirdRoute[]>;
  /** `show route table T [protocol P] count`: cheap, for large tables. */
  routeCount(table: BirdTable, protocol?: string): Promise<number>;
  /** Polls `probe` (given this router) until it returns a value; the log tail is in the timeout error. */
  waitFor<T>(probe: (bird: RunningBird) => Promise<T | undefined | null | false> | T | undefined | null | false, opts: WaitOptions): Promise<T>;
  /** Waits until protocol `name` is Established; returns it. */
  waitEstablished(name: string, timeoutMs: number): Promise<BirdProtocol>;
  /** Stops BIRD (SIGTERM, or SIGKILL when `hard`, which sends no Cease) and starts it again with the same config. */
  restart(opts?: { hard?: boolean }): Promise<void>;
  /** Writes a new config (options or raw text) and runs `configure`; throws when BIRD rejects it. */
  configure(next: BirdOptions | string): Promise<void>;
  /** Last lines of bird.log. */
  logTail(lines?: number): string;
  /**
   * SIGTERM (BIRD sends Cease to its peers), bounded; SIGKILL after `graceMs` (default 5 s).
   * `hard`: SIGKILL at once (a crash: no Cease, the peer's graceful restart helper kicks in).
   */
  stop(opts?: { graceMs?: number; keepDir?: boolean; hard?: boolean }): Promise<void>;
}

function birdArgs(conf: string, sock: string, pidFile: string, netns?: string): [string, string[]] {
  const args = ['-f', '-c', conf, '-s', sock, '-P', pidFile];
  return netns ? ['ip', ['netns', 'exec', netns, 'bird', ...args]] : ['bird', args];
}

export async function startBird(opts: StartBirdOptions): Promise<RunningBird> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? makeTempDir('bird');
  const configFile = join(dir, 'bird.conf');
  const socket = join(dir, 'bird.ctl');
  const pidFile = join(dir, 'bird.pid');
  const logFile = join(dir, 'bird.log');
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  let options: BirdOptions = { ...opts };
  writeFileSync(configFile, renderBirdConfig(options));
  const log = (m: string) => process.stderr.write(`[bird ${opts.routerId}] ${m}\n`);

  const launch = (): Promise<Spawned> =>
    launchDaemon({
      command: birdArgs(configFile, socket, pidFile, opts.netns),
      socket, logFile, log,
      name: 'bird',
      missingHint: 'bird not found: apt-get install -y bird2',
      ready: () => birdCommand(socket, 'show status', 2000).then(() => true, () => false),
      timeoutMs: readyTimeoutMs,
      intervalMs: 50,
      what: `bird (${configFile})`,
    });

  let proc: Spawned;
  try {
    proc = await launch();
  } catch (err) {
    if (ownDir) removeTempDir(dir); // the error carries the log tail
    throw err;
  }
  const text = async (cmd: string) => (await birdCommand(socket, cmd)).lines;

  const bird: RunningBird = {
    dir, configFile, socket, logFile,
    get pid() {
      return proc.pid;
    },
    get options() {
      return options;
    },
    async birdc(command) {
      return (await text(command)).join('\n');
    },
    async protocol(name) {
      return parseProtocol(await text(`show protocols all ${name}`));
    },
    async routes(table, protocol) {
      return parseRoutes(await text(`show route all table ${table}${protocol ? ` protocol ${protocol}` : ''}`));
    },
    async routesFor(prefix, protocol) {
      const table = prefix.includes(':') ? 'master6' : 'master4';
      const cmd = `show route ${prefix} all table ${table}${protocol ? ` protocol ${protocol}` : ''}`;
      try {
        return parseRoutes(await text(cmd));
      } catch (err) {
        if (err instanceof BirdCommandError && err.code === 8001) return []; // "Network not found"
        throw err;
      }
    },
    async routeCount(table, protocol) {
      return parseRouteCount(await text(`show route table ${table}${protocol ? ` protocol ${protocol}` : ''} count`));
    },
    waitFor(probe, wopts) {
      return waitFor(() => probe(bird), { detail: () => tail(logFile), ...wopts });
    },
    async waitEstablished(name, timeoutMs) {
      return waitFor(async () => {
        const p = await bird.protocol(name);
        return p.bgpState === 'Established' ? p : false;
      }, { timeoutMs, what: `BIRD protocol ${name} Established`, detail: async () => `${await bird.birdc(`show protocols all ${name}`).catch((e: Error) => e.message)}\n${tail(logFile)}` });
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
    async configure(next) {
      const textConfig = typeof next === 'string' ? next : renderBirdConfig(next);
      const previous = readFileSync(configFile, 'utf8');
      writeFileSync(configFile, textConfig);
      try {
        const reply = await birdCommand(socket, 'configure');
        // 0003 Reconfigured, 0004 Reconfiguration in progress, 0020 Configuration OK (no change)...
        if (!reply.lines.some((l) => /Reconfigur|Configuration OK/i.test(l))) {
          throw new Error(`birdc configure: ${reply.lines.join('\n')}`);
        }
      } catch (err) {
        writeFileSync(configFile, previous); // restart() must still find a config BIRD accepts
        throw err;
      }
      if (typeof next !== 'string') options = next;
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
      if (ownDir && !sopts.keepDir) removeTempDir(dir);
    },
  };
  return bird;
}
