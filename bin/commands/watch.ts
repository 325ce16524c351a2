// `bgpcast watch`: Kubernetes → the events topic. Lists and watches the kinds bgpcast consumes,
// publishes what the functions read when it changed, sync markers after every listing, and serves
// /metrics, /healthz and /readyz. With --leader-elect only the holder of a Lease publishes.

import type { Command } from 'commander';
import { brokersFromEnv, createKafka } from '../../events/kafka/client.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { defaultEventPartitions, Topics } from '../../events/topics.ts';
import { createLogger } from '../../events/log.ts';
import { redisPrefixFromEnv, redisUrlFromEnv, watchCheckpointKey } from '../../events/redis-keys.ts';
import { Series } from '../../events/metrics-catalogue.ts';
import { kafkaReachable, redisReachable } from '../../events/probes.ts';
import { counter, createRegistry, gauge, startTelemetry } from '../../events/telemetry.ts';
import { CheckpointStore } from '../../events/kube/checkpoint-store.ts';
import { startWatchService } from '../../events/kube/watch-service.ts';
import { createRedisClient } from '../../events/redis-client.ts';
import { unreachable } from '../kafka-session.ts';
import { addLeaseOptions, kubeApiFromFlags, leaseOptions, seconds, type LeaseFlags } from './kube-options.ts';
import { parseListen, requireRedis, runUntilSignalled, withLogOptions } from './process-options.ts';
import { addSettingOptions, settingsFromOptions } from './settings-options.ts';

interface WatchOptions extends LeaseFlags {
  kubeconfig?: string;
  context?: string;
  source?: string;
  /** The older spelling of --bgp-secrets-namespace. */
  secretsNamespace?: string;
  bgpSecretsNamespace?: string;
  telemetry: string;
  discoveryInterval: string;
}

export function registerWatch(program: Command): void {
  const cmd = program
    .command('watch')
    .description('watch the Kubernetes API and publish the changes bgpcast reads to the events topic')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--source <name>', 'the source named in every envelope; stable across restarts and replicas (default kube:<context>)')
    .option('--secrets-namespace <ns>', 'the same as --bgp-secrets-namespace');
  addLeaseOptions(cmd, 'publish', 'bgpcast-watch')
    .option('--telemetry <host:port>', '/metrics, /healthz, /readyz (port 0: any free port)', '127.0.0.1:9964')
    .option('--discovery-interval <s>', 'seconds between looks for kinds not served yet (a CRD installed later)', '10');
  withLogOptions(addSettingOptions(cmd, ['bgpSecretsNamespace'])).action((opts: WatchOptions) => runWatch(opts));
}

async function runWatch(opts: WatchOptions): Promise<void> {
  const lease = leaseOptions(opts);
  const { bgpSecretsNamespace: secretsNamespace } = settingsFromOptions(
    { bgpSecretsNamespace: opts.bgpSecretsNamespace ?? opts.secretsNamespace },
    ['bgpSecretsNamespace'],
  );
  const listen = parseListen('--telemetry', opts.telemetry);
  const discoveryIntervalMs = seconds('--discovery-interval', opts.discoveryInterval);
  const api = kubeApiFromFlags(opts);
  const source = opts.source ?? `kube:${api.context || 'in-cluster'}`;
  const log = createLogger('watch');

  const url = redisUrlFromEnv();
  const redis = createRedisClient({ url, role: 'service', log, name: 'bgpcast-watch' });
  const kafka = createKafka({ brokers: brokersFromEnv(), clientId: 'bgpcast-watch' }, createLogger('kafka'));
  const publisher = new KafkaEventPublisher(kafka, Topics.events);
  const registry = createRegistry({ component: 'watch' });
  const published = counter(registry, Series.watcherPublished);
  const filtered = counter(registry, Series.watcherFiltered);
  gauge(registry, Series.redisUp, async function () {
    this.set((await redisReachable(redis)).ok ? 1 : 0);
  });
  gauge(registry, Series.kafkaUp, async function () {
    this.set((await kafkaReachable(kafka)).ok ? 1 : 0);
  });
  try {
    await requireRedis(redis, url);
    await ensureTopic(kafka, Topics.events, defaultEventPartitions).catch((e: unknown) => {
      throw unreachable(e);
    });
    const service = await startWatchService({
      api,
      publisher,
      checkpoint: new CheckpointStore(redis, watchCheckpointKey(redisPrefixFromEnv(), source)),
      source,
      secretsNamespace,
      log,
      discoveryIntervalMs,
      metrics: { published: (kind, n) => published.inc({ kind }, n), filtered: (kind, n) => filtered.inc({ kind }, n) },
      leaderElection: lease,
    });
    log.info({ server: api.server, source, leaderElect: Boolean(opts.leaderElect), secretsNamespace }, 'watch started');
    const telemetry = await startTelemetry({
      ...listen,
      registry,
      ready: [
        {
          name: 'informers',
          run: () => {
            const s = service.status();
            if (s === 'standby') return { ok: true, detail: 'standby' };
            const waiting = s.kinds.filter((k) => k.served && !k.synced).map((k) => k.kind);
            return s.synced ? { ok: true } : { ok: false, detail: s.kafkaError ?? `not synced yet: ${waiting.join(', ') || 'discovery'}` };
          },
        },
        { name: 'kafka', run: () => kafkaReachable(kafka) },
      ],
    });
    log.info({ url: telemetry.url }, 'telemetry');
    await runUntilSignalled(log, () => service.stop(), () => telemetry.close());
  } finally {
    await publisher.close().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
  }
}
