// `bgpcast up --demo` as a user runs it, for the tests that drive it: the real binary as a child
// with the environment given, its output kept, ready once it printed the tables; and the demo
// BIRD's control socket, found from the log path `up` prints.

import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from './cli.ts';

export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host, port });
    s.setTimeout(500, () => (s.destroy(), done(false)));
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface RunningDemo {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** The demo BIRD's pid and control socket (after ready). */
  bird(): { pid: number; socket: string };
}

/** Spawns `bgpcast up --demo` and resolves once it printed both tables and `ready`. */
export async function startDemo(env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<RunningDemo> {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), 'up', '--demo'], { cwd: repoRoot, env });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no tables within ${timeoutMs / 1000} s:\n${stderr}\n${stdout}`)), timeoutMs);
    const check = () => {
      if (stderr.includes('ready; Ctrl-C') && stdout.includes('$ bgpcast routes advertised')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), check()));
    child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), check()));
    void exited.then((code) => (clearTimeout(timer), fail(new Error(`up exited early (${code}):\n${stderr}`))));
  }).catch((e: unknown) => {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw e;
  });
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    bird() {
      const m = /BIRD running, pid (\d+), log (\S+)/.exec(stderr);
      if (!m) throw new Error(`up printed no BIRD line:\n${stderr}`);
      return { pid: Number(m[1]), socket: join(dirname(m[2]!), 'bird.ctl') };
    },
  };
}
