// The run folder of `bgpcast up`: $BGPCAST_RUN_DIR, else `${BGPCAST_CACHE_DIR:-~/.cache/bgpcast}/run`, where the local
// Kafka and Redis keep their data (so a restarted `up` finds the world it had), the demo's BIRD its
// config, control socket and log, and each process a pid record. A record outlives a killed `up`:
// the next one reads it, and takes the process over when it is still the one recorded (its command
// line says so) and answers, or stops it and starts another. Also the local secrets folder, the
// layout the speaker reads (<namespace>/<name>/password).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** `${BGPCAST_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/bgpcast}`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['BGPCAST_CACHE_DIR'] || join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'bgpcast');
}

export function runDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['BGPCAST_RUN_DIR'] || join(cacheDir(env), 'run');
}

/** Where `up`'s speakers read TCP MD5 passwords: $BGPCAST_SECRETS_DIR, else the cache folder's. */
export function localSecretsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['BGPCAST_SECRETS_DIR'] || join(cacheDir(env), 'secrets');
}

export interface PidRecord {
  readonly pid: number;
  /** What it serves, for messages: "127.0.0.1:19092". */
  readonly address: string;
  /** A word its command line must contain for the pid to still be it (a pid is reused after a reboot). */
  readonly command: string;
  readonly startedAt: string;
}

const pidFile = (dir: string, name: string) => join(dir, `${name}.pid.json`);

export function readPidRecord(dir: string, name: string): PidRecord | null {
  try {
    const r = JSON.parse(readFileSync(pidFile(dir, name), 'utf8')) as PidRecord;
    return Number.isInteger(r.pid) && r.pid > 0 ? r : null;
  } catch {
    return null;
  }
}

export function writePidRecord(dir: string, name: string, r: Omit<PidRecord, 'startedAt'>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(pidFile(dir, name), `${JSON.stringify({ ...r, startedAt: new Date().toISOString() })}\n`);
}

export function removePidRecord(dir: string, name: string): void {
  rmSync(pidFile(dir, name), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line ('' when it is gone or unreadable). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The recorded process, when it still runs and is still what was recorded. */
export function recordedProcess(dir: string, name: string): PidRecord | null {
  const r = readPidRecord(dir, name);
  if (r === null || !isAlive(r.pid) || !commandLine(r.pid).includes(r.command)) return null;
  return r;
}

/** SIGTERM, up to `graceMs` for it to go, then SIGKILL; resolves once it is gone. */
export async function stopPid(pid: number, graceMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
}
