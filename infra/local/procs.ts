// Process plumbing shared by the local Kafka and Redis launchers: free ports, spawning with
// output to a file, readiness polling and the stop discipline (SIGTERM → bounded wait → SIGKILL).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Ask the kernel for a free loopback port. Racy in theory (freed before the child binds), fine for tests. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not read a free port'))));
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Resolves once the process has exited (code or signal). */
  exited: Promise<void>;
  /** True after exit. */
  hasExited(): boolean;
}

// Children still running when this Node process exits (crash, Ctrl-C in vitest) are killed
// here, so a broken test run never leaves a JVM holding a port and 500 MB.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

let ownGroups = false;

/**
 * From now on, children start in process groups of their own. For a long-running command that
 * handles Ctrl-C itself (`bgpcast up`): a Ctrl-C in the terminal (or `timeout -s INT`) signals the
 * whole foreground group, and Kafka, Redis or BIRD dying with it would leave `up` stopping the
 * functions against a broker already gone; it stops them itself, in order, by pid. Tests and
 * benchmarks keep the default: their children share their group and die with a Ctrl-C, since an
 * interrupted script does not run its stop code.
 */
export function useOwnProcessGroups(): void {
  ownGroups = true;
}

/**
 * Spawn with stdout+stderr appended to `outFile` (not piped: nothing to drain, nothing lost if we
 * are slow to read). `ifMissing` is the error text when the binary cannot be spawned (ENOENT).
 */
export function spawnToFile(
  cmd: string,
  args: string[],
  outFile: string,
  component: string,
  ifMissing = `could not spawn ${cmd}`,
): Spawned {
  const fd = openSync(outFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: ownGroups });
  closeSync(fd);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      live.delete(child);
      resolve();
    });
    // ENOENT etc. arrive as 'error' without 'exit'.
    child.once('error', () => {
      done = true;
      live.delete(child);
      resolve();
    });
  });
  if (child.pid === undefined) {
    throw new Error(`${component}: ${ifMissing}`);
  }
  live.add(child);
  return { child, pid: child.pid, exited, hasExited: () => done };
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL and wait for the exit to be reaped. */
export async function stopProcess(p: Spawned, graceMs: number, log: (m: string) => void): Promise<void> {
  if (p.hasExited()) return;
  p.child.kill('SIGTERM');
  // Unref'd timer: a pending grace timer must not keep the caller (e.g. vitest) alive after exit.
  const graceful = await Promise.race([
    p.exited.then(() => true),
    sleep(graceMs, false, { ref: false }),
  ]);
  if (!graceful) {
    log(`pid ${p.pid} still running ${graceMs} ms after SIGTERM; sending SIGKILL`);
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

/** Poll `check` every `intervalMs` until it returns true; fail when the process exits or time runs out. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  opts: { proc: Spawned; timeoutMs: number; intervalMs?: number; what: string; logFile: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check()) return;
    if (opts.proc.hasExited()) {
      const { exitCode, signalCode } = opts.proc.child;
      throw new Error(
        `${opts.what}: process exited (code ${exitCode}, signal ${signalCode}) before it was ready.\n` +
          tail(opts.logFile),
      );
    }
    if (Date.now() > deadline) {
      throw new Error(`${opts.what}: not ready after ${opts.timeoutMs} ms.\n` + tail(opts.logFile));
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

/** Last lines of a log file, for error messages. */
export function tail(file: string, lines = 30): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return `--- last lines of ${file} ---\n${text}`;
  } catch {
    return `(no log at ${file})`;
  }
}

export function stderrLogger(component: string): (m: string) => void {
  return (m) => process.stderr.write(`${component}: ${m}\n`);
}
