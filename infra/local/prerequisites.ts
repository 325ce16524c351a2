// What `bgpcast up` needs on this machine, fetched when missing: Debian packages through apt-get
// when we run as root (otherwise we stop at once with the exact command to run), and the Kafka
// broker's jars through infra/local/fetch-kafka-jars.sh (Maven Central, cached per machine).
// Components that are reused from BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL need nothing here.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { kafkaLibsDir } from './kafka.ts';

export interface Needs {
  readonly kafka: boolean;
  readonly redis: boolean;
  readonly bird: boolean;
}

const repoRoot = resolve(import.meta.dirname, '../..');

/** A command on PATH (or an absolute path) that exists. */
export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (cmd.includes('/')) return existsSync(cmd);
  const dirs = (env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  return dirs.some((d) => d !== '' && existsSync(join(d, cmd)));
}

/** Debian packages missing for `needs` (pure apart from the PATH lookups). */
export function missingPackages(needs: Needs, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (needs.redis && !onPath('redis-server', env)) out.push('redis-server');
  if (needs.bird && !(onPath('bird', env) && onPath('birdc', env))) out.push('bird2');
  if (needs.kafka) {
    if (!env.JAVA_HOME && !onPath('java', env)) out.push('openjdk-17-jre-headless');
    if (!kafkaJarsPresent(env) && !onPath('mvn', env)) out.push('maven');
  }
  return out;
}

export function kafkaJarsPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(join(kafkaLibsDir(env), '..', 'COMPLETE'));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((done, fail) => {
    execFile(cmd, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (err, _out, stderr) => {
      if (err) fail(new Error(`${cmd} ${args.join(' ')} failed: ${String(stderr).trim().split('\n').slice(-5).join('\n') || err.message}`));
      else done();
    });
  });
}

/** Installs what is missing, or throws an error naming the command to run. */
export async function ensurePrerequisites(needs: Needs, say: (m: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const missing = missingPackages(needs, env);
  if (missing.length > 0) {
    const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
    if (process.getuid?.() !== 0) throw new Error(`missing Debian packages: ${missing.join(', ')}. Run as root: ${command}`);
    say(`installing Debian packages: ${missing.join(' ')} (apt-get)…`);
    const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], aptEnv, 300_000);
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], aptEnv, 600_000);
  }
  if (needs.kafka && !kafkaJarsPresent(env)) {
    say('fetching the Kafka broker jars from Maven Central (once per machine)…');
    await run('bash', [join(repoRoot, 'infra/local/fetch-kafka-jars.sh')], env, 600_000).catch((e: Error) => {
      throw new Error(`${e.message}\nRun: bash infra/local/fetch-kafka-jars.sh`);
    });
  }
}
