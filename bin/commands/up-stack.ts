// `bgpcast up`'s Kafka and Redis, and what a killed `up` left of them. Each is, in this order:
// - named by BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL: used as it is, never stopped;
// - recorded in the run folder (infra/local/run-dir.ts) by an earlier `up` and still running and
//   answering: taken over — it is this run's now, supervised and stopped like one it started; one
//   that runs but does not answer is stopped and replaced;
// - answering on the local port without a record (someone else's): used as it is, never stopped;
// - otherwise started, with its data in the run folder (Kafka's log, Redis's append-only file), so
//   a restarted `up` finds the world it had.
// The run folder belongs to one `up` at a time (claimRunDir).

import { join } from 'node:path';
import { describeCluster, kafkaLibsDir, startKafka } from '../../infra/local/kafka.ts';
import { ping, startRedis } from '../../infra/local/redis.ts';
import { commandLine, isAlive, readPidRecord, recordedProcess, removePidRecord, stopPid, writePidRecord } from '../../infra/local/run-dir.ts';
import { CliError, ExitCode } from '../cli-error.ts';

export interface LocalPorts {
  readonly kafka: number;
  readonly kafkaController: number;
  readonly redis: number;
}

export type How = 'started' | 'taken over' | 'external';

export interface StackPart {
  readonly name: 'Kafka' | 'Redis';
  /** host:port for Kafka, the URL for Redis. */
  readonly address: string;
  readonly how: How;
  /** The process, when it is this run's (started or taken over); null for an external one. */
  pid(): number | null;
  startupMs: number | undefined;
  alive(): boolean;
  /** Starts it again, same port and data (for the supervisor). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  readonly env: NodeJS.ProcessEnv;
  /** The run folder. */
  readonly dir: string;
  readonly ports: LocalPorts;
  readonly say: (m: string) => void;
}

export interface LocalStack {
  readonly kafka: StackPart;
  readonly redis: StackPart;
  stop(): Promise<void>;
}

export async function localStack(o: LocalStackOptions): Promise<LocalStack> {
  const [k, r] = await Promise.allSettled([kafkaPart(o), redisPart(o)]);
  if (k.status === 'rejected' || r.status === 'rejected') {
    await Promise.allSettled([k.status === 'fulfilled' ? k.value.stop() : null, r.status === 'fulfilled' ? r.value.stop() : null]);
    const errors = [k, r].flatMap((x) => (x.status === 'rejected' ? [x.reason as Error] : []));
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, errors.map((e) => e.message).join('\n'));
  }
  return {
    kafka: k.value,
    redis: r.value,
    stop: async () => {
      await Promise.all([k.value.stop(), r.value.stop()]);
    },
  };
}

function external(name: StackPart['name'], address: string): StackPart {
  return {
    name,
    address,
    how: 'external',
    pid: () => null,
    startupMs: undefined,
    alive: () => true,
    restart: async () => undefined,
    stop: async () => undefined,
  };
}

interface Started {
  readonly pid: number;
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** A part this run owns: taken over (pid) or started (start()), recorded under `record` in the run folder. */
async function owned(
  o: LocalStackOptions,
  name: StackPart['name'],
  record: string,
  command: string,
  address: string,
  answers: () => Promise<boolean>,
  start: () => Promise<Started>,
): Promise<StackPart> {
  const say = (m: string) => o.say(`${name}: ${m}`);
  let current: Started | null = null;
  const recorded = recordedProcess(o.dir, record);
  if (recorded !== null) {
    if (await answers()) {
      say(`taking over pid ${recorded.pid}, left running by an earlier \`bgpcast up\`, on ${address}`);
      current = { pid: recorded.pid, startupMs: 0, stop: () => stopPid(recorded.pid, 20_000) };
    } else {
      say(`pid ${recorded.pid}, left by an earlier \`bgpcast up\`, does not answer on ${address}; stopping it`);
      await stopPid(recorded.pid, 20_000);
    }
  } else {
    const stale = readPidRecord(o.dir, record);
    if (stale !== null && isAlive(stale.pid) && commandLine(stale.pid) !== '') say(`pid ${stale.pid} of the record is another program now; not touched`);
    removePidRecord(o.dir, record);
    if (await answers()) return external(name, address);
  }
  const launch = async () => {
    current = await start();
    writePidRecord(o.dir, record, { pid: current.pid, address, command });
  };
  const how: How = current === null ? 'started' : 'taken over';
  if (current === null) await launch();
  const part: StackPart = {
    name,
    address,
    how,
    pid: () => current?.pid ?? null,
    startupMs: current?.startupMs,
    alive: () => current !== null && isAlive(current.pid),
    restart: async () => {
      if (current && isAlive(current.pid)) await current.stop();
      current = null;
      await launch();
      part.startupMs = current!.startupMs;
    },
    stop: async () => {
      const c = current;
      current = null;
      if (c) await c.stop();
      removePidRecord(o.dir, record);
    },
  };
  return part;
}

async function kafkaPart(o: LocalStackOptions): Promise<StackPart> {
  const named = o.env['BGPCAST_KAFKA_BROKERS'];
  if (named) {
    await describeCluster(named).catch((e: Error) => {
      throw new Error(`${e.message} (from BGPCAST_KAFKA_BROKERS; unset it to start a local broker)`);
    });
    return external('Kafka', named);
  }
  const address = `127.0.0.1:${o.ports.kafka}`;
  const answers = () => describeCluster(address).then(() => true, () => false);
  return owned(o, 'Kafka', 'kafka', 'kafka.Kafka', address, answers, () =>
    startKafka({
      port: o.ports.kafka,
      controllerPort: o.ports.kafkaController,
      dataDir: join(o.dir, 'kafka'),
      libsDir: kafkaLibsDir(o.env),
      log: (m) => o.say(`kafka: ${m}`),
    }),
  );
}

async function redisPart(o: LocalStackOptions): Promise<StackPart> {
  const named = o.env['BGPCAST_REDIS_URL'];
  if (named) {
    const u = new URL(named);
    // Any reply will do: a password-protected Redis answers -NOAUTH, which still proves it is there.
    if ((await ping(Number(u.port || 6379), u.hostname)) === null) {
      throw new Error(`redis: ${named} does not answer (from BGPCAST_REDIS_URL; unset it to start a local redis-server)`);
    }
    return external('Redis', named);
  }
  const url = `redis://127.0.0.1:${o.ports.redis}`;
  // -LOADING: a Redis reading its append-only file is alive and will answer shortly.
  const answers = async () => {
    for (let i = 0; i < 100; i++) {
      const reply = await ping(o.ports.redis);
      if (reply === null || !reply.startsWith('-LOADING')) return reply !== null;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  return owned(o, 'Redis', 'redis', 'redis-server', url, answers, () =>
    startRedis({ port: o.ports.redis, dataDir: join(o.dir, 'redis'), appendOnly: true, log: (m) => o.say(`redis: ${m}`) }),
  );
}

/**
 * The run folder is this `up`'s until release(): another `up` still running (its record names a
 * live bgpcast process) is an error that names it.
 */
export function claimRunDir(dir: string): { release(): void } {
  const other = recordedProcess(dir, 'up');
  if (other !== null && other.pid !== process.pid) {
    throw new CliError(
      `another \`bgpcast up\` (pid ${other.pid}) is running with the run folder ${dir}; stop it first (Ctrl-C there, or kill ${other.pid})`,
      ExitCode.Failure,
    );
  }
  writePidRecord(dir, 'up', { pid: process.pid, address: '', command: 'bgpcast' });
  return { release: () => removePidRecord(dir, 'up') };
}
