// Under `bgpcast up` the local stack's children (Kafka, Redis, BIRD) live in their own process
// groups, so a Ctrl-C in the terminal — which signals the whole foreground group — reaches `up`
// only, and `up` stops them itself, in order (functions before the broker). Without this, the
// broker died first and `up` hung stopping a Kafka consumer that could no longer reach it.
// Elsewhere (tests, benchmarks) children share the caller's group and die with a Ctrl-C.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnToFile, stopProcess, useOwnProcessGroups } from '../../infra/local/procs.ts';

const dir = mkdtempSync(join(tmpdir(), 'bgpcast-procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Field 5 of /proc/<pid>/stat: the process group (the command may hold spaces, so after ')'). */
function processGroup(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('spawnToFile', () => {
  it("starts the child in the caller's process group by default", async () => {
    const p = spawnToFile('sleep', ['30'], join(dir, 'sleep0.log'), 'sleep');
    try {
      expect(processGroup(p.pid)).toBe(processGroup('self'));
    } finally {
      await stopProcess(p, 2_000, () => undefined);
    }
  });

  it('after useOwnProcessGroups, in a process group of its own, and stopProcess still stops it', async () => {
    useOwnProcessGroups();
    const p = spawnToFile('sleep', ['30'], join(dir, 'sleep.log'), 'sleep');
    try {
      expect(processGroup(p.pid)).toBe(p.pid);
      expect(processGroup(p.pid)).not.toBe(processGroup('self'));
    } finally {
      await stopProcess(p, 2_000, () => undefined);
    }
    expect(p.hasExited()).toBe(true);
  });
});
