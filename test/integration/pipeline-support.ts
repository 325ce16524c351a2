// The whole pipeline on one machine for the worker tests: the loopback example (moved to a random
// 127.A.B.0/24 block and a free BGP port, so runs never collide with `up --demo` or each other),
// published to a fresh Kafka topic, folded by the functions runner in-process into a fresh Redis
// keyspace, spoken by the speaker worker to a real BIRD.

import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { parseAllDocuments } from 'yaml';
import { objectEnvelope, type KubeObject } from '../../events/envelope.ts';
import type { EventSubscription } from '../../events/bus.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createLogger } from '../../events/log.ts';
import type { Registry } from 'prom-client';
import { createRegistry, startTelemetry, type Check, type TelemetryEndpoint } from '../../events/telemetry.ts';
import { FunctionsTelemetry } from '../../functions/runner/functions-telemetry.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { storeKeys } from '../../events/redis-keys.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import { freePort } from '../../infra/local/procs.ts';
import type { SpeakerWorker, SpeakerWorkerOptions } from '../../speaker/worker/speaker-worker.ts';
import { startSpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { SpeakerTelemetry } from '../../speaker/worker/speaker-telemetry.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import { loopbackBlock, startBird, type RunningBird } from '../support/routers/index.ts';
import { testBackoff } from '../support/speaker.ts';
import { examplesDir } from '../support/cli.ts';

export const quiet = (name: string) => createLogger(name, process.env['BGPCAST_LOG_LEVEL'] ?? 'warn');

export interface LabAddresses {
  readonly router: string;
  readonly worker1: string;
  readonly worker2: string;
  readonly controlPlane: string;
}

/** The loopback example's objects on `addr`, the router on `port`, graceful restart on. */
export function loopbackObjects(addr: LabAddresses, port: number): KubeObject[] {
  const dir = join(examplesDir, 'loopback');
  const text = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n---\n')
    .replaceAll('127.5.5.5', addr.router)
    .replaceAll('127.0.1.1', addr.worker1)
    .replaceAll('127.0.2.1', addr.worker2)
    .replaceAll('127.0.0.10', addr.controlPlane);
  const objects = parseAllDocuments(text)
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
  for (const o of objects) {
    if (o.kind === 'CiliumBGPPeerConfig') {
      const spec = o['spec'] as Record<string, unknown>;
      spec['transport'] = { peerPort: port };
      spec['gracefulRestart'] = { enabled: true, restartTimeSeconds: 60 };
    }
  }
  return objects;
}

/** BIRD's side of the lab: one passive, graceful-restart-aware session per worker (`extra`: more lines in each). */
export function routerProtocols(addr: LabAddresses, extra: string[] = []) {
  return (['worker1', 'worker2'] as const).map((n) => ({
    name: n,
    localAs: 65000,
    neighborAddress: addr[n],
    neighborAs: 64000,
    passive: true,
    holdTime: 9,
    keepaliveTime: 3,
    gracefulRestartAware: true,
    ipv6: false as const,
    extra,
  }));
}

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return structuredClone(o);
}

export interface Lab {
  readonly addr: LabAddresses;
  readonly port: number;
  readonly prefix: string;
  readonly topic: string;
  readonly redisUrl: string;
  readonly kafka: Kafka;
  readonly bird: RunningBird;
  readonly objects: KubeObject[];
  worker: SpeakerWorker | null;
  /** With `telemetry`: the functions' and (once started) the speakers' /metrics, /healthz, /readyz. */
  readonly endpoints: { functions: TelemetryEndpoint | null; speakers: TelemetryEndpoint | null };
  publish(objects: readonly KubeObject[], type?: 'added' | 'deleted'): Promise<void>;
  startWorker(extra?: Partial<SpeakerWorkerOptions>): Promise<SpeakerWorker>;
  close(): Promise<void>;
}

export async function startLab(opts: {
  brokers: string;
  redisUrl: string;
  workerOptions?: Partial<SpeakerWorkerOptions>;
  /** Serve the functions' and the speakers' telemetry on free ports, as `up` does. */
  telemetry?: boolean;
}): Promise<Lab> {
  ensureSockopt();
  const block = loopbackBlock();
  const addr: LabAddresses = { router: block.addr(5), worker1: block.addr(11), worker2: block.addr(12), controlPlane: block.addr(10) };
  const port = await freePort();
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  const topic = `test.worker.${randomUUID()}`;
  // 'fatal': the Redis outage test makes kafkajs log every failed batch as an error, as designed.
  const kafka = createKafka({ brokers: opts.brokers, clientId: 'worker-test' }, createLogger('kafka', 'fatal'));
  await ensureTopic(kafka, topic, 3);
  const bird = await startBird({
    routerId: addr.router,
    address: addr.router,
    port,
    protocols: routerProtocols(addr),
  });
  const redis = createStoreRedis({ url: opts.redisUrl, role: 'service', log: quiet('functions-redis') });
  let functions: EventSubscription | null = null;
  const functionsTelemetry = opts.telemetry
    ? new FunctionsTelemetry({
        registry: createRegistry({ component: 'functions' }),
        redis,
        keys: storeKeys(prefix),
        kafka: { kafka, groupId: `g-${prefix}`, topic },
        consuming: () => ({ ok: functions?.consuming() === true }),
      })
    : null;
  const handler = createFunctionsHandler({ redis, keys: storeKeys(prefix), log: quiet('functions'), ...(functionsTelemetry ? { observer: functionsTelemetry } : {}) });
  const subscription = await runFunctionsConsumer({
    kafka,
    topic,
    groupId: `g-${prefix}`,
    handler,
    log: quiet('functions'),
    sweepEveryMs: 2_000,
  });
  functions = subscription;
  let speakerTelemetry: SpeakerTelemetry | null = null;
  const serve = (t: { registry: Registry; ready: readonly Check[] }) => startTelemetry({ host: '127.0.0.1', port: 0, registry: t.registry, ready: t.ready });
  const publisher = new KafkaEventPublisher(kafka, topic);
  const lab: Lab = {
    addr,
    port,
    prefix,
    topic,
    redisUrl: opts.redisUrl,
    kafka,
    bird,
    objects: loopbackObjects(addr, port),
    worker: null,
    endpoints: { functions: functionsTelemetry ? await serve(functionsTelemetry) : null, speakers: null },
    async publish(objects, type = 'added') {
      await publisher.publish(objects.map((o) => objectEnvelope(type, o, 'test:worker')));
    },
    async startWorker(extra = {}) {
      // One endpoint for the lab; a restarted worker reports to it.
      if (opts.telemetry && !speakerTelemetry) {
        speakerTelemetry = new SpeakerTelemetry({ registry: createRegistry({ component: 'speaker' }, { processMetrics: false }), prefix });
        lab.endpoints.speakers = await serve(speakerTelemetry);
      }
      lab.worker = await startSpeakerWorker({
        redisUrl: opts.redisUrl,
        prefix,
        nodes: [{ name: 'worker1' }, { name: 'worker2' }],
        log: quiet('speaker'),
        speaker: { backoff: testBackoff },
        statusCheckMs: 200,
        heartbeatMs: 1_000,
        routesStatusMinIntervalMs: 200,
        ...(speakerTelemetry ? { observer: speakerTelemetry } : {}),
        ...opts.workerOptions,
        ...extra,
      });
      speakerTelemetry?.attach(lab.worker);
      return lab.worker;
    },
    async close() {
      await lab.worker?.stop().catch(() => undefined);
      await subscription.stop().catch(() => undefined);
      await Promise.all([lab.endpoints.functions?.close(), lab.endpoints.speakers?.close()]);
      await publisher.close().catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
      await bird.stop();
    },
  };
  return lab;
}

/** BIRD's routes of one protocol, prefix → route. */
export async function birdRoutes(bird: RunningBird, protocol: string) {
  return new Map((await bird.routes('master4', protocol)).map((r) => [r.prefix, r]));
}
