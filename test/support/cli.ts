// Runs the real `bgpcast` binary as a child process, the way a user does.

import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
/** The built-in examples (infra/examples/seed, infra/examples/loopback). */
export const examplesDir = resolve(repoRoot, 'infra/examples');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(repoRoot, 'bin/bgpcast.ts'), ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, cwd: repoRoot },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
