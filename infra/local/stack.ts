// The local stack: one Kafka broker and one Redis, started together, or external ones named by
// BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL (used as-is and never stopped by us).
import { describeCluster, kafkaLibsDir, startKafka } from './kafka.ts';
import type { RunningKafka, StartKafkaOptions } from './kafka.ts';
import { ping, startRedis } from './redis.ts';
import type { RunningRedis, StartRedisOptions } from './redis.ts';

/**
 * Fixed ports for the long-running stack (`bgpcast up`): off the standard 9092/6379 so a
 * developer's own Kafka or Redis keeps working. Tests leave ports unset and get free ones.
 */
export const LOCAL_STACK_PORTS = { kafka: 19092, kafkaController: 19093, redis: 16379 } as const;

export interface StartStackOptions {
  kafka?: Omit<StartKafkaOptions, 'log'>;
  redis?: Omit<StartRedisOptions, 'log'>;
  /** Where BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL / BGPCAST_CACHE_DIR are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  log?: (msg: string) => void;
}

export interface RunningStack {
  kafkaBrokers: string;
  redisUrl: string;
  /** Start-up time in ms of what this call started; absent for external components. */
  started: { kafkaMs?: number; redisMs?: number };
  /** Process ids of what this call started (benchmarks account their CPU); absent for external components. */
  pids: { kafka?: number; redis?: number };
  /** Stops only what this call started. */
  stop(): Promise<void>;
}

export async function startStack(opts: StartStackOptions = {}): Promise<RunningStack> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const kafkaEnv = env.BGPCAST_KAFKA_BROKERS;
  const redisEnv = env.BGPCAST_REDIS_URL;

  // In parallel: the JVM dominates, Redis is ready long before it.
  const [k, r] = await Promise.allSettled([
    kafkaEnv ? checkExternalKafka(kafkaEnv) : startKafka({ libsDir: kafkaLibsDir(env), ...opts.kafka, log: prefixed(log, 'kafka') }),
    redisEnv ? checkExternalRedis(redisEnv) : startRedis({ ...opts.redis, log: prefixed(log, 'redis') }),
  ]);
  const kafka = k.status === 'fulfilled' ? k.value : undefined;
  const redis = r.status === 'fulfilled' ? r.value : undefined;
  if (!kafka || !redis) {
    // Don't leak the half that did start.
    await Promise.allSettled([kafka?.stop(), redis?.stop()]);
    const errors = [k, r].flatMap((x) => (x.status === 'rejected' ? [x.reason as Error] : []));
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, errors.map((e) => e.message).join('\n'));
  }
  return {
    kafkaBrokers: kafka.brokers,
    redisUrl: redis.url,
    started: { kafkaMs: kafka.startupMs || undefined, redisMs: redis.startupMs || undefined },
    pids: { kafka: kafka.pid || undefined, redis: redis.pid || undefined },
    stop: async () => {
      await Promise.all([kafka.stop(), redis.stop()]);
    },
  };
}

// External components: check they answer, so a typo in the env var fails here with a clear
// message instead of as a hanging test. startupMs 0 = not started by us.
async function checkExternalKafka(brokers: string): Promise<RunningKafka> {
  await describeCluster(brokers).catch((err: Error) => {
    throw new Error(`${err.message} (from BGPCAST_KAFKA_BROKERS; unset it to start a local broker)`);
  });
  return { brokers, pid: 0, dataDir: '', startupMs: 0, stop: async () => {} };
}

async function checkExternalRedis(url: string): Promise<RunningRedis> {
  const u = new URL(url);
  // Any reply will do: a password-protected Redis answers -NOAUTH, which still proves it is there.
  if ((await ping(Number(u.port || 6379), u.hostname)) === null) {
    throw new Error(`redis: ${url} does not answer (from BGPCAST_REDIS_URL; unset it to start a local redis-server)`);
  }
  return { url, pid: 0, startupMs: 0, stop: async () => {} };
}

function prefixed(log: (m: string) => void, component: string): (m: string) => void {
  return (m) => log(`${component}: ${m}`);
}
