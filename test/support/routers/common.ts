// Small pieces shared by the router harness: bounded polling, temp dirs, loopback address blocks
// and running a command with a timeout. No daemon knowledge here.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Named in the timeout error, e.g. "BIRD bgp1 Established". */
  what?: string;
  /** Extra text for the timeout error (e.g. a log tail), computed only on failure. */
  detail?: () => string | Promise<string>;
}

/**
 * Polls `probe` until it returns a value other than undefined/null/false and returns that value.
 * A probe that throws counts as "not yet" (the daemon may be restarting); the last value and the
 * last error are in the timeout error so a failing test says what it saw.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown = undefined;
  let lastError: unknown = undefined;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
      last = v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(opts.intervalMs ?? 100, Math.max(1, deadline - Date.now())));
  }
  const parts = [`${opts.what ?? 'condition'} not met within ${opts.timeoutMs} ms`];
  if (last !== undefined) parts.push(`last value: ${JSON.stringify(last)}`);
  if (lastError !== undefined) parts.push(`last error: ${(lastError as Error).message ?? String(lastError)}`);
  if (opts.detail) parts.push(await opts.detail());
  throw new Error(parts.join('\n'));
}

/** A fresh directory under the OS temp dir, e.g. /tmp/bgpcast-bird-XXXXXX. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `bgpcast-${prefix}-`));
}

/** Removes a temp dir unless BGPCAST_KEEP_ROUTER_DIRS is set (to read configs and logs after a run). */
export function removeTempDir(dir: string): void {
  if (process.env.BGPCAST_KEEP_ROUTER_DIRS) return;
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A random /24 inside 127.64.0.0–127.127.255.0 for one test: `addr(1)` → 127.A.B.1. Tests by
 * other people use 127.0.0.x and 127.5.5.5; a random block keeps parallel runs apart.
 */
export function loopbackBlock(): { base: string; addr(host: number): string } {
  const a = 64 + Math.floor(Math.random() * 64);
  const b = Math.floor(Math.random() * 256);
  const base = `127.${a}.${b}`;
  return {
    base,
    addr(host: number) {
      if (!Number.isInteger(host) || host < 1 || host > 254) throw new Error(`host ${host} out of 1..254`);
      return `${base}.${host}`;
    },
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (bounded by `timeoutMs`, killed after) and returns its output. */
export function run(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === -1 ? err.message : '') });
    });
  });
}

/** Like run() but throws with the command line and its stderr when the exit code is not 0. */
export async function runOk(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}
