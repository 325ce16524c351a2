// Debian's redis-server on its own loopback port, configured entirely on the command line so
// nothing depends on /etc/redis. Tests run it without persistence; `bgpcast up` with an append-only
// file in its run folder (appendfsync everysec: a crash loses at most a second of writes).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnToFile, stderrLogger, stopProcess, waitUntil } from './procs.ts';

export interface StartRedisOptions {
  /** 0/undefined picks a free port. */
  port?: number;
  /** Working dir (logs, and the append-only file); kept on stop when given, otherwise a temp dir removed on stop. */
  dataDir?: string;
  /** Keep the data in an append-only file in dataDir (AOF, fsync every second). Default off. */
  appendOnly?: boolean;
  startTimeoutMs?: number;
  log?: (msg: string) => void;
}

export interface RunningRedis {
  /** e.g. 'redis://127.0.0.1:16379' */
  url: string;
  pid: number;
  startupMs: number;
  stop(): Promise<void>;
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RunningRedis> {
  const log = opts.log ?? stderrLogger('redis');
  const t0 = Date.now();
  const port = opts.port || (await freePort());
  const ownDir = !opts.dataDir;
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'bgpcast-redis-'));
  mkdirSync(dir, { recursive: true });
  const cleanup = () => ownDir && rmSync(dir, { recursive: true, force: true });
  const logFile = join(dir, 'redis.log');
  // A Redis loading a large append-only file answers -LOADING until it is done: wait for PONG.

  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '', // no RDB snapshots
    ...(opts.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
    '--dir', dir,
    '--daemonize', 'no', // we own the pid and its lifetime
    '--logfile', '', // stdout, which spawnToFile sends to redis.log
    '--loglevel', 'warning',
  ];
  let proc;
  try {
    proc = spawnToFile('redis-server', args, logFile, 'redis', 'redis-server not found: apt-get install -y redis-server');
  } catch (err) {
    cleanup();
    throw err;
  }
  try {
    await waitUntil(async () => (await ping(port)) === '+PONG', {
      proc,
      timeoutMs: opts.startTimeoutMs ?? 10_000,
      intervalMs: 50,
      what: `redis (port ${port})`,
      logFile,
    });
  } catch (err) {
    await stopProcess(proc, 2_000, log);
    cleanup();
    throw err;
  }
  const startupMs = Date.now() - t0;
  const url = `redis://127.0.0.1:${port}`;
  log(`started pid ${proc.pid} on ${url} in ${startupMs} ms`);
  const p = proc;
  return {
    url,
    pid: p.pid,
    startupMs,
    stop: async () => {
      await stopProcess(p, 10_000, log);
      cleanup();
    },
  };
}

/**
 * One RESP PING over a fresh socket; resolves to the first reply line ('+PONG', '-LOADING ...',
 * '-NOAUTH ...') or null when nothing answers. Raw rather than ioredis so a not-yet-listening
 * server costs one refused connect, with no client reconnect loop to tear down.
 */
export function ping(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    let buf = '';
    const done = (reply: string | null) => {
      sock.destroy();
      resolve(reply);
    };
    sock.setTimeout(timeoutMs, () => done(null));
    sock.once('error', () => done(null));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const eol = buf.indexOf('\r\n');
      if (eol >= 0) done(buf.slice(0, eol));
    });
  });
}
