// The shared edge of `bgpcast peers` and `bgpcast routes`: a fail-fast Redis connection, the
// collected reports, problems on stderr (the other nodes still print, cilium-cli#3041), and the
// exit code: 0 when something could be shown or nothing was expected, 1 when every node failed.

import { redisPrefixFromEnv } from '../../events/redis-keys.ts';
import { withCliRedis } from '../redis-session.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import type { Collected } from './node-status.ts';
import { collectReports } from './node-status.ts';

export function checkOutput(o: string): 'json' | 'text' {
  if (o !== 'json' && o !== 'text' && o !== 'summary') throw new CliError(`-o: expected summary or json, got ${o}`, ExitCode.Usage);
  return o === 'json' ? 'json' : 'text';
}

export async function readReports<T>(field: 'peers' | 'routes', node: string | undefined, parse: (text: string) => T): Promise<Collected<T>> {
  return withCliRedis((redis) => collectReports(redis, redisPrefixFromEnv(), node, field, parse, () => Date.now()));
}

/** Problems to stderr; an exit code of 1 when nothing could be shown because of them. */
export function reportProblems(c: Collected<unknown>): void {
  for (const p of c.problems) process.stderr.write(`bgpcast: ${p}\n`);
  if (c.problems.length > 0 && c.documents.size === 0) process.exitCode = ExitCode.Failure;
}
