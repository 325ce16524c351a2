// Small helpers for tests that run `bgpcast up` and the processes it leaves: is a pid alive, does
// something listen on host:port, and a bounded wait for a condition.

import { connect } from 'node:net';
import { waitFor } from './routers/common.ts';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host, port });
    s.setTimeout(500, () => (s.destroy(), done(false)));
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
  });
}

/** Resolves once `check` holds; throws naming `what` after `ms` (routers/common.ts waitFor). */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000, everyMs = 200): Promise<void> {
  await waitFor(async () => (await check()) || undefined, { what, timeoutMs: ms, intervalMs: everyMs });
}
