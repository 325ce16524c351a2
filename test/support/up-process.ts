// `bgpcast up` as a user runs it, for the tests of the real binary: spawned with the test run's
// Kafka and Redis (through the variables a user would set), its output kept, and a wait until it
// says it is ready (or it exits first, or the time is up — the error carries what it printed).
// `up --demo` is ready once it printed the tables; its BIRD's control socket is found from the log
// path it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { recordedProcess, stopPid } from '../../infra/local/run-dir.ts';
import { repoRoot } from './cli.ts';

const RUN_DIR_STEM = join(tmpdir(), 'bgpcast-up-');

/**
 * After `up` exited: what a killed `up` left running (its pid records say what, and the command
 * line confirms it is still that process) is stopped, then the folder goes.
 */
async function removeRunDir(dir: string): Promise<void> {
  const names = readdirSync(dir).filter((f) => f.endsWith('.pid.json')).map((f) => f.slice(0, -'.pid.json'.length));
  for (const name of names) {
    const left = recordedProcess(dir, name);
    if (left !== null && left.pid !== process.pid) await stopPid(left.pid, 5_000);
  }
  rmSync(dir, { recursive: true, force: true });
}



/**
 * The environment a user would set to run `up` on the test run's Kafka and Redis, on a topic and
 * prefix of its own, with a run folder of its own (BIRD's files, the pid records) apart from a
 * developer's; startUp removes it when up exits.
 */
export function upEnv(kafkaBrokers: string, redisUrl: string, stem: string): NodeJS.ProcessEnv {
  const id = `${stem}-${randomUUID().slice(0, 8)}`;
  return {
    ...process.env,
    BGPCAST_KAFKA_BROKERS: kafkaBrokers,
    BGPCAST_REDIS_URL: redisUrl,
    BGPCAST_EVENTS_TOPIC: `test.${id}`,
    BGPCAST_REDIS_PREFIX: id,
    BGPCAST_LOG_LEVEL: 'warn',
    BGPCAST_RUN_DIR: mkdtempSync(RUN_DIR_STEM),
  };
}

export interface UpProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/**
 * Stops an `up` a test gave up on: SIGTERM first, so that it stops what it started (BIRD, etcd and
 * kube-apiserver run in process groups of their own and outlive a SIGKILL of `up`), and SIGKILL
 * only when it has not exited within `graceMs`.
 */
export async function stopUp(up: Pick<UpProcess, 'child' | 'exited'>, graceMs = 30_000): Promise<void> {
  if (up.child.exitCode !== null || up.child.signalCode !== null) return;
  up.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([up.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
  clearTimeout(timer);
  if (late) up.child.kill('SIGKILL');
}

/** Spawns `bgpcast up ARGS` and resolves once `ready(stdout, stderr)` holds. */
export async function startUp(args: string[], env: NodeJS.ProcessEnv, ready: (stdout: string, stderr: string) => boolean, timeoutMs: number): Promise<UpProcess> {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), 'up', ...args], { cwd: repoRoot, env });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const run = env['BGPCAST_RUN_DIR'];
  if (run?.startsWith(RUN_DIR_STEM)) void exited.then(() => removeRunDir(run));
  const up: UpProcess = { child, exited, stdout: () => stdout, stderr: () => stderr };
  try {
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`not ready within ${timeoutMs / 1000} s:\n${stderr}\n${stdout}`)), timeoutMs);
      const check = () => {
        if (ready(stdout, stderr)) {
          clearTimeout(timer);
          done();
        }
      };
      child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), check()));
      child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), check()));
      void exited.then((code) => (clearTimeout(timer), fail(new Error(`up exited early (${code}):\n${stderr}`))));
    });
  } catch (e) {
    await stopUp(up);
    throw e;
  }
  return up;
}

export interface RunningDemo extends UpProcess {
  /** The demo BIRD's pid and control socket. */
  bird(): { pid: number; socket: string };
}

/** Spawns `bgpcast up --demo ARGS` and resolves once it printed both tables and `ready`. */
export async function startDemo(env: NodeJS.ProcessEnv, args: string[] = [], timeoutMs = 90_000): Promise<RunningDemo> {
  const up = await startUp(['--demo', ...args], env, (out, err) => err.includes('ready; Ctrl-C') && out.includes('$ bgpcast routes advertised'), timeoutMs);
  return {
    ...up,
    bird() {
      const m = /BIRD running, pid (\d+), log (\S+)/.exec(up.stderr());
      if (!m) throw new Error(`up printed no BIRD line:\n${up.stderr()}`);
      return { pid: Number(m[1]), socket: join(dirname(m[2]!), 'bird.ctl') };
    },
  };
}
