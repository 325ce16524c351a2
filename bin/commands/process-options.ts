// Options and signals shared by the long-lived commands.

import { CliError, ExitCode } from '../cli-error.ts';

/** "host:port" or "[v6]:port"; port 0 picks a free one. */
export function parseListen(flag: string, text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new CliError(`${flag}: expected host:port, got ${text}`, ExitCode.Usage);
  return { host: (m[1] ?? m[2])!, port };
}

/** Resolves with the first SIGINT / SIGTERM. */
export function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (s: string) => resolve(s);
    process.once('SIGINT', on).once('SIGTERM', on);
  });
}
