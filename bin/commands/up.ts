// `bgpcast up [--config DIR] [--demo]`: the whole control plane on one machine. Starts a real Kafka
// broker and Redis on loopback (or reuses ones already answering on the local ports, or the ones
// named by BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL), the functions runner (in-process), one
// speaker worker for every applied node whose InternalIP is an address of this machine, applies
// DIR, and runs until Ctrl-C / SIGTERM. Then the speakers stop for graceful restart (the routers
// keep the routes), and exactly what was started here is stopped.
//
// --demo: also a BIRD router on 127.5.5.5 (AS 65000, infra/local/bird.ts) and, without --config,
// the built-in loopback example; waits until both sessions are established and prints
// `bgpcast peers` and `bgpcast routes advertised`.
//
// --kube: also a local etcd + kube-apiserver with the CRDs, the watcher and the status writer; the
// objects are written through the API server instead of published (bin/commands/up-kube.ts).
//
// What is missing on the machine is fetched first (infra/local/prerequisites.ts). Every step is
// shown with the elapsed time; an error names the component and the fix.
//
// Telemetry: the speakers serve /metrics, /healthz, /readyz on 127.0.0.1:9962 and the functions on
// 127.0.0.1:9963 (Cilium's agent and operator ports; --speakers-telemetry, --functions-telemetry).
//
// A killed `up` is recovered from: the next one takes over the Kafka, Redis and demo BIRD it left
// (pid records in the run folder, bin/commands/up-stack.ts), and starts speakers for the local
// nodes of the stored world as well as of the files it applies. Kafka and Redis are supervised
// (up-supervise.ts), and so is the functions' consumer. Passwords of Secrets applied from files are
// kept in the local secrets folder, where the speakers read them (bin/local-secrets.ts).

import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { EventSubscription } from '../../events/bus.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createLogger } from '../../events/log.ts';
import { redisPrefixFromEnv } from '../../events/redis-keys.ts';
import { defaultAuditPartitions, defaultEventPartitions, Topics } from '../../events/topics.ts';
import { KafkaAuditSink } from '../../events/kafka/audit-producer.ts';
import { createRegistry, type TelemetryEndpoint } from '../../events/telemetry.ts';
import { FunctionsTelemetry } from '../../functions/runner/functions-telemetry.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { DEFAULT_GROUP_ID, KAFKA_RECOMPUTE_BUDGET_MS, runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import { storeKeys } from '../../events/redis-keys.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import type { RunningDemoRouter } from '../../infra/local/bird.ts';
import { adoptDemoRouter, leftoverDemoRouter, startDemoRouter } from '../../infra/local/bird.ts';
import { ensurePrerequisites } from '../../infra/local/prerequisites.ts';
import { LOCAL_STACK_PORTS } from '../../infra/local/stack.ts';
import { useOwnProcessGroups } from '../../infra/local/procs.ts';
import { localSecretsDir, runDir } from '../../infra/local/run-dir.ts';
import { directoryPasswords } from '../../speaker/worker/secrets.ts';
import { keepSecrets } from '../local-secrets.ts';
import { claimRunDir, localStack } from './up-stack.ts';
import type { StackPart } from './up-stack.ts';
import { keepRunning, supervise } from './up-supervise.ts';
import type { BmpStation, SpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { startSpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { SpeakerTelemetry } from '../../speaker/worker/speaker-telemetry.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import { libraryLogger } from '../verbosity.ts';
import { printApplied, publishManifests, readFiles } from './apply.ts';
import { DEMO_ROUTER, printTables, waitApplied, waitEstablished } from './up-demo.ts';
import { LocalKube, UP_KUBE_SOURCE } from './up-kube.ts';
import { localNodes, storedNodeObjects, storedObjectsFrom } from './up-nodes.ts';
import { parseBmpStation } from './speaker.ts';
import { consumingCheck, parseListen, serveTelemetry, withLogOptions } from './process-options.ts';
import { addSettingOptions, settingsFromOptions } from './settings-options.ts';
import { settingsReadBy, type Settings } from '../../functions/settings.ts';

const BUILTIN_EXAMPLE = resolve(import.meta.dirname, '../../infra/examples/loopback');

/** Where `up` serves the speakers' and the functions' /metrics, /healthz, /readyz. */
export interface UpEndpoints {
  readonly speakers: { host: string; port: number };
  readonly functions: { host: string; port: number };
}

interface UpCliOptions {
  config?: string;
  demo?: boolean;
  bmp?: string[];
  speakersTelemetry: string;
  functionsTelemetry: string;
  kube?: boolean;
  [setting: string]: unknown;
}

// The functions' settings, and with --kube the status writer's.
const SETTINGS_READ = [...settingsReadBy('functions'), ...settingsReadBy('status-writer')];

export function registerUp(program: Command): void {
  const cmd = program
    .command('up')
    .description('run the control plane on this machine: Kafka, Redis, the functions, the speakers of local nodes; apply --config')
    .option('--config <dir>', 'Kubernetes YAML to apply once the stack is up (with --demo: default the built-in loopback example)')
    .option('--demo', 'also start a BIRD router on 127.5.5.5 and show the sessions and routes once established')
    .option('--bmp <host:port>', "export the speakers' sessions to this BMP station (repeatable; see `bgpcast speaker --bmp`)", (v: string, all: string[] = []) => [...all, v])
    .option('--speakers-telemetry <host:port>', "the speakers' /metrics, /healthz, /readyz (port 0: any free port)", '127.0.0.1:9962')
    .option('--functions-telemetry <host:port>', "the functions' /metrics, /healthz, /readyz (port 0: any free port)", '127.0.0.1:9963')
    .option('--kube', 'also a local Kubernetes API (etcd + kube-apiserver, the CRDs), the watcher and the status writer; objects go through the API server');
  withLogOptions(addSettingOptions(cmd, SETTINGS_READ)).action(async (opts: UpCliOptions) => {
    const endpoints: UpEndpoints = {
      speakers: parseListen('--speakers-telemetry', opts.speakersTelemetry),
      functions: parseListen('--functions-telemetry', opts.functionsTelemetry),
    };
    const settings = settingsFromOptions(opts, SETTINGS_READ);
    await runUp(opts.config ?? (opts.demo ? BUILTIN_EXAMPLE : undefined), opts.demo === true, (opts.bmp ?? []).map(parseBmpStation), endpoints, settings, opts.kube === true);
  });
}

/** Runs `step`, turning its failure into an error that names the component. */
async function component<T>(name: string, fix: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${name}: ${(e as Error).message}${fix ? `\n${fix}` : ''}`, ExitCode.Unavailable);
  }
}

async function runUp(config: string | undefined, demo: boolean, bmp: readonly BmpStation[], endpoints: UpEndpoints, settings: Settings, kube: boolean): Promise<void> {
  const signals = signalled();
  // Ctrl-C reaches `up` alone; it stops what it started in order (infra/local/procs.ts).
  useOwnProcessGroups();
  try {
    await up(config, demo, signals.received, bmp, endpoints, settings, kube);
  } finally {
    signals.dispose();
  }
}

async function up(
  config: string | undefined,
  demo: boolean,
  interrupted: Promise<string>,
  bmp: readonly BmpStation[],
  endpoints: UpEndpoints,
  settings: Settings,
  withKube: boolean,
): Promise<void> {
  const t0 = performance.now();
  const say = (m: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
  // Validate the configuration before starting anything: a typo should not cost a broker start.
  const prepared = config ? await readFiles([config], 'apply') : undefined;
  const interfaces = Object.values(networkInterfaces()).flat().filter((i) => i !== undefined);

  const env = process.env;
  const dir = runDir(env);
  const local = !env['BGPCAST_KAFKA_BROKERS'] || !env['BGPCAST_REDIS_URL'] || demo;
  const claim = local ? claimRunDir(dir) : null;
  const cleanups: (() => Promise<unknown>)[] = [async () => claim?.release()];
  try {
    await component('prerequisites', '', () =>
      ensurePrerequisites({ kafka: !env['BGPCAST_KAFKA_BROKERS'], redis: !env['BGPCAST_REDIS_URL'], bird: demo }, say, env),
    );
    if (env['BGPCAST_KAFKA_BROKERS']) say(`using Kafka at ${env['BGPCAST_KAFKA_BROKERS']}`);
    else say(`Kafka on 127.0.0.1:${LOCAL_STACK_PORTS.kafka}, data in ${join(dir, 'kafka')} (starting the JVM takes a while)…`);
    if (env['BGPCAST_REDIS_URL']) say(`using Redis at ${env['BGPCAST_REDIS_URL']}`);
    else say(`Redis on 127.0.0.1:${LOCAL_STACK_PORTS.redis}, append-only file in ${join(dir, 'redis')}…`);

    const stack = await component('local stack', 'Run `bash infra/bootstrap.sh` once, or point BGPCAST_KAFKA_BROKERS / BGPCAST_REDIS_URL at running ones.', () =>
      localStack({ env, dir, ports: LOCAL_STACK_PORTS, say }),
    );
    cleanups.unshift(() => stack.stop());
    say(`Kafka ready at ${stack.kafka.address}${how(stack.kafka)}`);
    say(`Redis ready at ${stack.redis.address}${how(stack.redis)}`);
    const supervisor = supervise([stack.kafka, stack.redis].filter((p) => p.how !== 'external'), say);
    cleanups.unshift(() => supervisor.stop());
    const kafka = createKafka({ brokers: stack.kafka.address, clientId: 'bgpcast-up' }, libraryLogger('kafka'));
    await component('Kafka', '', () => ensureTopic(kafka, Topics.events, defaultEventPartitions));
    say(`topic ${Topics.events} ready`);

    let kube: LocalKube | null = null;
    if (withKube) {
      kube = await component('Kubernetes API', 'See infra/kube/README.md.', () => LocalKube.start(say));
      const k = kube;
      cleanups.unshift(() => k.stop());
    }

    let router: RunningDemoRouter | null = null;
    if (demo) {
      const r = DEMO_ROUTER;
      say(`starting BIRD on ${r.address}:${r.port} (AS ${r.asn}, graceful restart aware) for ${r.neighbors.map((n) => n.address).join(' and ')}…`);
      const place = { dir: join(dir, 'bird'), recordDir: dir };
      const adopted = await adoptDemoRouter(r, place, say);
      router = adopted ?? (await component('BIRD', `Is something else listening on ${r.address}:${r.port}? \`ss -ltnp 'sport = :${r.port}'\` shows it.`, () =>
        startDemoRouter(r, say, place),
      ));
      cleanups.unshift(() => router!.stop());
      say(`BIRD running, pid ${router.pid}${adopted ? ', taken over from an earlier `bgpcast up --demo` (its sessions and routes as they were)' : ''}, log ${router.logFile}`);
    } else {
      const left = leftoverDemoRouter(dir);
      if (left) say(`BIRD pid ${left.pid}, left by an earlier \`bgpcast up --demo\`, still runs on ${left.address}; \`bgpcast up --demo\` takes it over`);
    }

    const prefix = redisPrefixFromEnv();
    const log = createLogger('functions');
    const redis = createStoreRedis({ url: stack.redis.address, role: 'service', log, name: 'bgpcast-up' });
    cleanups.unshift(() => redis.quit().catch(() => redis.disconnect()));
    let functions: { current(): EventSubscription | null; stop(): Promise<void> } | null = null;
    const functionsTelemetry = new FunctionsTelemetry({
      registry: createRegistry({ component: 'functions' }),
      redis,
      keys: storeKeys(prefix),
      kafka: { kafka, groupId: DEFAULT_GROUP_ID, topic: Topics.events },
      consuming: consumingCheck(() => functions?.current() ?? null),
    });
    // The functions publish too: the ip-pool router-ID allocations (docs/router-id-pool.md).
    const allocations = new KafkaEventPublisher(kafka, Topics.events);
    cleanups.unshift(() => allocations.close());
    const handler = createFunctionsHandler({
      redis,
      keys: storeKeys(prefix),
      log,
      settings,
      recomputeBudgetMs: KAFKA_RECOMPUTE_BUDGET_MS,
      observer: functionsTelemetry,
      publish: (envelopes) => allocations.publish(envelopes),
    });
    const running = await component('functions', '', () =>
      keepRunning('the functions\' consumer', () => runFunctionsConsumer({ kafka, topic: Topics.events, handler, log }), say),
    );
    functions = running;
    cleanups.unshift(() => running.stop().then(() => handler.idle()));
    say(`functions consuming ${Topics.events}, writing desired state to Redis (prefix ${prefix})`);
    const functionsEndpoint = await serveTelemetry('--functions-telemetry', endpoints.functions, { registry: functionsTelemetry.registry, ready: functionsTelemetry.ready });
    cleanups.unshift(() => functionsEndpoint.close());
    say(`functions: ${served(functionsEndpoint)}`);

    // The nodes of the stored world (what earlier runs applied) and of the files about to be.
    const stored = await component('Redis', '', () => storedNodeObjects(redis, prefix));
    // The API server of an earlier `up --kube` went with it; what its watcher published stays in the
    // stored world (the run folder keeps one world), and only a watcher's next listing sweeps it.
    const watched = withKube || !local ? 0 : await component('Redis', '', () => storedObjectsFrom(redis, prefix, UP_KUBE_SOURCE));
    if (watched > 0)
      say(`the stored world holds ${watched} object(s) an earlier \`bgpcast up --kube\` published (such as its API server's own default/kubernetes Service); without --kube nothing updates or removes them: \`up --kube\` sweeps what its API server no longer has, or stop and remove ${dir} to start from nothing`);
    const nodes = localNodes([...(prepared?.events.map((e) => e.object) ?? []), ...stored], interfaces);
    let worker: SpeakerWorker | null = null;
    if (nodes.length > 0) {
      say(`starting speakers for the local nodes: ${nodes.map((n) => `${n.name} (${n.address})`).join(', ')}`);
      // The process metrics are on the functions' endpoint: one process, counted once.
      const speakerTelemetry = new SpeakerTelemetry({ registry: createRegistry({ component: 'speaker' }, { processMetrics: false }), prefix });
      const speakersEndpoint = await serveTelemetry('--speakers-telemetry', endpoints.speakers, { registry: speakerTelemetry.registry, ready: speakerTelemetry.ready });
      cleanups.unshift(() => speakersEndpoint.close());
      worker = await component('speaker', '', () =>
        startSpeakerWorker({
          redisUrl: stack.redis.address,
          prefix,
          nodes: nodes.map((n) => ({ name: n.name, listenAddress: n.address })),
          log: createLogger('speaker'),
          bmp,
          audit: { sink: new KafkaAuditSink(kafka, Topics.audit, defaultAuditPartitions) },
          observer: speakerTelemetry,
          passwords: directoryPasswords(localSecretsDir(env)),
        }),
      );
      speakerTelemetry.attach(worker);
      say(`speakers: ${served(speakersEndpoint)}`);
      const w = worker;
      cleanups.unshift(() => w.stopForRestart());
    } else {
      say('no node, applied now or stored, has an address of this machine: no speaker started here');
    }
    if (kube) {
      const k = kube;
      await component('watcher and status writer', '', () => k.startControllers({ kafka, topic: Topics.events, redis, redisUrl: stack.redis.address, prefix, settings, say }));
      cleanups.unshift(() => k.stopControllers());
    }

    if (prepared) {
      // The speakers on this machine read TCP MD5 passwords from the local secrets folder, in both modes.
      const secrets = keepSecrets(prepared.objects, 'apply', localSecretsDir(env));
      if (kube) {
        await kube.apply(prepared).catch((e: unknown) => {
          secrets.undo();
          throw e;
        });
      } else {
        const publisher = new KafkaEventPublisher(kafka, Topics.events, { transactional: true });
        await component('Kafka', '', () => publishManifests(publisher, prepared).finally(() => publisher.close())).catch((e: unknown) => {
          secrets.undo();
          throw e;
        });
      }
      for (const name of secrets.names) say(`Secret ${name}: password kept in ${localSecretsDir(env)}${kube ? '' : ' (never published)'}`);
      printApplied(prepared, 'apply', 'text');
      say(`applied ${prepared.events.length} objects from ${config}${kube ? ' through the API server' : ''}`);
    }

    if (demo && worker) {
      const expected = DEMO_ROUTER.neighbors.length;
      say(`waiting for ${expected} BGP sessions to ${DEMO_ROUTER.address} to be established…`);
      const ok = await waitEstablished(worker, expected, 60_000, say, interrupted);
      if (ok) {
        say('all BGP sessions established');
        if (kube && !(await kube.waitPublished(prepared!, 30_000, interrupted)) && !(await isDone(interrupted))) {
          say('the watcher has not published every applied object within 30 s');
        }
        const applied = await waitApplied({
          kafka, topic: Topics.events, groupId: DEFAULT_GROUP_ID, redis, keys: storeKeys(prefix), worker, timeoutMs: 30_000, cancelled: interrupted,
        });
        if (applied) say('the applied objects have reached the speakers');
        else if (!(await isDone(interrupted))) say('the applied objects have not all reached the speakers within 30 s; the tables show what has');
        await worker.flushStatus();
        await printTables(redis, prefix);
      } else if (!(await isDone(interrupted))) {
        say(`not every session came up within 60 s; see \`npx bgpcast peers\` and BIRD's log ${router?.logFile ?? ''}`);
      }
    }
    if (kube) process.stdout.write(`\n${kube.access()}`);
    say(`ready; Ctrl-C stops what was started here (speakers stop for graceful restart). Try: npx bgpcast peers${kube ? ', kubectl get ciliumbgpnodeconfigs' : ''}`);
    const signal = await interrupted;
    say(`${signal}: stopping…`);
  } finally {
    for (const c of cleanups) await c().catch((e: Error) => say(`while stopping: ${e.message}`));
  }
  say('stopped');
}

function how(part: StackPart): string {
  if (part.how === 'taken over') return ` (pid ${part.pid()}, taken over)`;
  if (part.how === 'external') return ' (already running)';
  return ` (pid ${part.pid()}, started in ${part.startupMs} ms)`;
}

async function isDone(p: Promise<unknown>): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
}

function served(e: TelemetryEndpoint): string {
  return `${e.url}/metrics, ${e.url}/healthz, ${e.url}/readyz`;
}

/**
 * `received` resolves with the signal's name on Ctrl-C or SIGTERM; until then (or dispose()) a
 * timer keeps Node running, since signal listeners alone do not.
 */
function signalled(): { received: Promise<string>; dispose(): void } {
  const keepAlive = setInterval(() => undefined, 60_000);
  let resolve: (s: string) => void = () => undefined;
  const received = new Promise<string>((r) => (resolve = r));
  const on = (signal: string) => () => {
    clearInterval(keepAlive);
    resolve(signal);
  };
  const int = on('SIGINT');
  const term = on('SIGTERM');
  process.once('SIGINT', int).once('SIGTERM', term);
  return {
    received,
    dispose() {
      clearInterval(keepAlive);
      process.off('SIGINT', int).off('SIGTERM', term);
    },
  };
}
