// The alert rules as Prometheus' own tool reads them: `promtool check rules` accepts the file and
// `promtool test rules` runs its cases, each alert firing where it should and quiet where it
// should not (infra/kubernetes/bgpcast/files/bgpcast-rules.test.yaml).

import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.ts';

const dir = resolve(repoRoot, 'infra/kubernetes/bgpcast/files');

function promtool(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile('promtool', args, { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('alert rules under promtool', () => {
  it('the rule file is valid', async () => {
    const r = await promtool('check', 'rules', 'bgpcast-rules.yaml');
    expect(r.out).toMatch(/SUCCESS: 8 rules found/);
    expect(r.code).toBe(0);
  });

  it('every case of the test file passes', async () => {
    const r = await promtool('test', 'rules', 'bgpcast-rules.test.yaml');
    expect(r.out, r.out).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });
});
