// `bgpcast functions`: the stateless functions, either as a Kafka consumer group (default) or as
// an HTTP entry point for CloudEvents (--http, for Knative). Runs until SIGINT / SIGTERM, then
// lets the batch in hand finish and commit, and exits 0. --telemetry HOST:PORT (default
// 127.0.0.1:9963, Cilium operator's port): /metrics, /healthz, /readyz (consuming, Redis answering).

import type { Command } from 'commander';
import { brokersFromEnv, createKafka } from '../../events/kafka/client.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { defaultEventPartitions, Topics } from '../../events/topics.ts';
import { createLogger } from '../../events/log.ts';
import { redisPrefixFromEnv, redisUrlFromEnv, storeKeys } from '../../events/redis-keys.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import { redactRedisUrl } from '../../events/redis-keys.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { DEFAULT_GROUP_ID, KAFKA_RECOMPUTE_BUDGET_MS, runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { startHttpEntry } from '../../functions/runner/http-entry.ts';
import { kafkaEventLog } from '../../functions/replay/event-log.ts';
import { unreachable } from '../kafka-session.ts';
import type { EventSubscription } from '../../events/bus.ts';
import { createRegistry, type TelemetryEndpoint } from '../../events/telemetry.ts';
import { FunctionsTelemetry } from '../../functions/runner/functions-telemetry.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import { consumingCheck, parseListen, serveTelemetry, signalled, withLogOptions } from './process-options.ts';
import { addSettingOptions, settingsFromOptions } from './settings-options.ts';
import { settingsReadBy } from '../../functions/settings.ts';

interface FunctionsOptions {
  group: string;
  http?: string;
  host: string;
  telemetry: string;
  [setting: string]: unknown;
}

const SETTINGS_READ = settingsReadBy('functions');

export function registerFunctions(program: Command): void {
  const cmd = program
    .command('functions')
    .description("fold events into the world view in Redis and write each node's desired state")
    .option('--group <id>', 'Kafka consumer group', DEFAULT_GROUP_ID)
    .option('--http <port>', 'serve CloudEvents over HTTP on this port instead of consuming Kafka (0: any free port)')
    .option('--host <address>', 'address the HTTP entry point listens on', '127.0.0.1')
    .option('--telemetry <host:port>', '/metrics, /healthz, /readyz (port 0: any free port)', '127.0.0.1:9963');
  withLogOptions(addSettingOptions(cmd, SETTINGS_READ)).action((opts: FunctionsOptions) => runFunctions(opts));
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new CliError(`--http: not a port number: ${text}`, ExitCode.Usage);
  return port;
}

async function runFunctions(opts: FunctionsOptions): Promise<void> {
  const port = opts.http === undefined ? undefined : parsePort(opts.http);
  const listen = parseListen('--telemetry', opts.telemetry);
  const settings = settingsFromOptions(opts, SETTINGS_READ);
  const log = createLogger('functions');
  const url = redisUrlFromEnv();
  const redis = createStoreRedis({ url, role: 'service', log, name: 'bgpcast-functions' });
  let endpoint: TelemetryEndpoint | null = null;
  try {
    // Fail at start with a clear message; once running, outages are retried.
    await redis.ping().catch((e: Error) => {
      throw new CliError(
        `Redis at ${redactRedisUrl(url)} is not reachable (${e.message}). Start the local stack with \`bgpcast up\`, or set BGPCAST_REDIS_URL.`,
        ExitCode.Unavailable,
      );
    });
    const keys = storeKeys(redisPrefixFromEnv());
    const kafka = port === undefined ? createKafka({ brokers: brokersFromEnv(), clientId: 'bgpcast-functions' }, createLogger('kafka')) : null;
    let subscription: EventSubscription | null = null;
    let listening = false;
    const telemetry = new FunctionsTelemetry({
      registry: createRegistry({ component: 'functions' }),
      redis,
      keys,
      ...(kafka ? { kafka: { kafka, groupId: opts.group, topic: Topics.events } } : {}),
      consuming: kafka ? consumingCheck(() => subscription) : () => (listening ? { ok: true } : { ok: false, detail: 'HTTP entry not listening yet' }),
    });
    endpoint = await serveTelemetry('--telemetry', listen, { registry: telemetry.registry, ready: telemetry.ready });
    log.info({ url: endpoint.url }, 'serving /metrics, /healthz, /readyz');
    // Under Kafka a batch must end well inside the consumer's session timeout (10 s): recompute
    // for at most 3 s per batch and continue in a sweep. Over HTTP, answer once all is written.
    // The functions publish too: the ip-pool router-ID allocations (docs/router-id-pool.md); the
    // producer connects on its first record (over HTTP too: the events come from KafkaSource, but
    // an allocation is published like any other event).
    const allocations = new KafkaEventPublisher(kafka ?? createKafka({ brokers: brokersFromEnv(), clientId: 'bgpcast-functions' }, createLogger('kafka')), Topics.events);
    const handler = createFunctionsHandler({
      redis,
      keys,
      log,
      settings,
      recomputeBudgetMs: port === undefined ? KAFKA_RECOMPUTE_BUDGET_MS : undefined,
      observer: telemetry,
      publish: (envelopes) => allocations.publish(envelopes),
    });
    log.info({ settings }, 'settings');
    const stop = signalled();
    if (port !== undefined) {
      // With the brokers named, the store is checked against the topic (and rebuilt from it) as
      // under the consumer group, without committed offsets to compare: KafkaSource has its own.
      if (process.env['BGPCAST_KAFKA_BROKERS']) {
        handler.useLog(kafkaEventLog(createKafka({ brokers: brokersFromEnv(), clientId: 'bgpcast-functions' }, createLogger('kafka')), Topics.events, null));
      }
      const entry = await startHttpEntry({ handler, log, host: opts.host, port });
      listening = true;
      const signal = await stop;
      log.info({ signal }, 'stopping: finishing requests in flight');
      await entry.close();
    } else {
      subscription = await ensureTopic(kafka!, Topics.events, defaultEventPartitions)
        .then(() => runFunctionsConsumer({ kafka: kafka!, topic: Topics.events, groupId: opts.group, handler, log }))
        .catch((e: unknown) => {
          throw unreachable(e);
        });
      const outcome = await Promise.race([
        stop.then((signal) => ({ signal })),
        subscription.done.then(
          () => ({ signal: 'done' }),
          (e: Error) => ({ error: e }),
        ),
      ]);
      if ('error' in outcome) {
        throw new CliError(`the Kafka consumer stopped: ${outcome.error.message}`, ExitCode.Failure);
      }
      log.info({ signal: outcome.signal }, 'stopping: committing the batch in hand');
      await subscription.stop();
    }
    await handler.idle();
    await allocations.close().catch(() => undefined);
    log.info('stopped');
  } finally {
    await endpoint?.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}
