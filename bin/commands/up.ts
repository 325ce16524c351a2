// `bgpcast up`: the local stack on one machine. Starts a real Kafka broker and Redis on loopback
// (or reuses ones already answering on the local ports, or the ones named by
// BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL), creates the events topic, applies --config, and runs
// until Ctrl-C / SIGTERM, then stops exactly what it started.

import type { Command } from 'commander';
import { LOCAL_STACK_PORTS, startStack } from '../../infra/local/stack.ts';
import { describeCluster } from '../../infra/local/kafka.ts';
import { ping } from '../../infra/local/redis.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { defaultEventPartitions, Topics } from '../../events/topics.ts';
import { createLogger } from '../../events/log.ts';
import { printApplied, readFiles } from './apply.ts';
import { CliError, ExitCode } from '../cli-error.ts';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start the local stack (Kafka, Redis), apply --config, run until interrupted')
    .option('--config <dir>', 'Kubernetes YAML to apply once the stack is up')
    .action(async (opts: { config?: string }) => runUp(opts.config));
}

async function runUp(config: string | undefined): Promise<void> {
  const t0 = performance.now();
  const say = (m: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
  // Validate the configuration before starting anything: a typo should not cost a broker start.
  const prepared = config ? await readFiles([config], 'apply') : undefined;

  const env = { ...process.env, ...(await reusableLocalStack()) };
  if (env['BGPCAST_KAFKA_BROKERS']) say(`using Kafka at ${env['BGPCAST_KAFKA_BROKERS']}`);
  else say(`starting Kafka on 127.0.0.1:${LOCAL_STACK_PORTS.kafka} (the JVM takes a while)…`);
  if (env['BGPCAST_REDIS_URL']) say(`using Redis at ${env['BGPCAST_REDIS_URL']}`);
  else say(`starting Redis on 127.0.0.1:${LOCAL_STACK_PORTS.redis}…`);

  const stack = await startStack({
    env,
    kafka: { port: LOCAL_STACK_PORTS.kafka, controllerPort: LOCAL_STACK_PORTS.kafkaController },
    redis: { port: LOCAL_STACK_PORTS.redis },
    log: (m) => say(m),
  }).catch((e: Error) => {
    throw new CliError(`the local stack did not start: ${e.message}`, ExitCode.Unavailable);
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stack.stop());
  try {
    say(`Kafka ready at ${stack.kafkaBrokers}${started(stack.started.kafkaMs)}`);
    say(`Redis ready at ${stack.redisUrl}${started(stack.started.redisMs)}`);
    const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'bgpcast-up' }, createLogger('kafka'));
    await ensureTopic(kafka, Topics.events, defaultEventPartitions);
    say(`topic ${Topics.events} ready`);
    if (prepared) {
      const publisher = new KafkaEventPublisher(kafka, Topics.events);
      await publisher.publish(prepared.events).finally(() => publisher.close());
      printApplied(prepared, 'apply', 'text');
      say(`applied ${prepared.events.length} objects from ${config}`);
    }
    say('ready; Ctrl-C stops what was started here. Read the history with: npx bgpcast events dump --from-beginning');
    await interrupted();
    say('stopping…');
  } finally {
    await stop();
  }
  say('stopped');
}

function started(ms: number | undefined): string {
  return ms === undefined ? ' (already running)' : ` (started in ${ms} ms)`;
}

/** A previous `bgpcast up` still running on the local ports is reused, not fought over. */
async function reusableLocalStack(): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  if (!process.env['BGPCAST_KAFKA_BROKERS']) {
    const brokers = `127.0.0.1:${LOCAL_STACK_PORTS.kafka}`;
    const alive = await describeCluster(brokers).then(() => true, () => false);
    if (alive) found['BGPCAST_KAFKA_BROKERS'] = brokers;
  }
  if (!process.env['BGPCAST_REDIS_URL'] && (await ping(LOCAL_STACK_PORTS.redis)) !== null) {
    found['BGPCAST_REDIS_URL'] = `redis://127.0.0.1:${LOCAL_STACK_PORTS.redis}`;
  }
  return found;
}

/** Resolves on Ctrl-C or SIGTERM; signal listeners alone don't keep Node running, the timer does. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, 60_000);
    const done = () => {
      clearInterval(keepAlive);
      resolve();
    };
    process.once('SIGINT', done).once('SIGTERM', done);
  });
}
