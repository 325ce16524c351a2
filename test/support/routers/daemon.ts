// Starting a router daemon the way both harnesses need it: remove a control socket a killed run
// left behind, spawn with output to a log file, wait (bounded) until it answers, and stop it
// again if it never does — so a failed start leaves no process behind.

import { rmSync } from 'node:fs';
import type { Spawned } from '../../../infra/local/procs.ts';
import { spawnToFile, stopProcess, waitUntil } from '../../../infra/local/procs.ts';

export interface DaemonLaunch {
  /** [command, args]; `ip netns exec …` when the daemon runs in a namespace. */
  readonly command: readonly [string, readonly string[]];
  readonly socket: string;
  readonly logFile: string;
  /** Program name, and the hint printed when it is not installed. */
  readonly name: string;
  readonly missingHint: string;
  /** True once the daemon answers on its control socket. */
  readonly ready: () => Promise<boolean>;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly what: string;
  readonly log: (m: string) => void;
}

export async function launchDaemon(l: DaemonLaunch): Promise<Spawned> {
  rmSync(l.socket, { force: true });
  const [cmd, args] = l.command;
  const p = spawnToFile(cmd, [...args], l.logFile, l.name, l.missingHint);
  try {
    await waitUntil(l.ready, { proc: p, timeoutMs: l.timeoutMs, intervalMs: l.intervalMs, what: l.what, logFile: l.logFile });
  } catch (err) {
    await stopProcess(p, 2000, l.log);
    throw err;
  }
  return p;
}
