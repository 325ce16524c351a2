// The fault-injection suite: the whole control plane on loopback — a Kafka broker, a Redis, the
// functions and a speaker for two nodes as the real `bgpcast` processes, a BIRD router — under a
// seeded random stream of Service changes, while kill -9 hits, at random moments, the functions,
// the speaker, Redis (restarted with an older copy of its data, or without any), Kafka and BIRD.
// Each is restarted the way the README says: the harness supervises the two bgpcast processes
// as systemd or Kubernetes would (a process that exits is started again), Redis and Kafka come
// back on their ports and data directories, BIRD on its config.
//
// Then, with the stream stopped and everything up again:
// - the desired state equals a clean replay: the whole topic folded from scratch into a fresh
//   prefix (functions/replay) and computed there;
// - BIRD holds exactly the desired routes of each node;
// - no route that stayed desired was withdrawn at BIRD: the routes of the example's own objects,
//   which the stream never touches, are never "removed" in BIRD's route trace (`debug { routes }`
//   on both protocols) — a speaker restart, a rebuilt store, an outage may not cost them.
// Every process the harness starts is stopped by its pid; kill -9 hits only those.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { objectEnvelope, type KubeObject } from '../../events/envelope.ts';
import { readDesiredDocument } from '../../events/desired-read.ts';
import { ensureTopic } from '../../events/kafka/admin.ts';
import { createKafka } from '../../events/kafka/client.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createLogger } from '../../events/log.ts';
import { createRedisClient } from '../../events/redis-client.ts';
import { storeKeys, type StoreKeys } from '../../events/redis-keys.ts';
import { kafkaEventLog } from '../../functions/replay/event-log.ts';
import { foldLog } from '../../functions/replay/store-guard.ts';
import { installWorld, nodesOf, objectKeysOf, writeRebuildKeys } from '../../functions/replay/world-load.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import { startKafka, type RunningKafka } from '../../infra/local/kafka.ts';
import { freePort } from '../../infra/local/procs.ts';
import { startRedis, type RunningRedis } from '../../infra/local/redis.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import { loopbackObjects, routerProtocols } from '../integration/pipeline-support.ts';
import { caughtUp, snapshot } from '../integration/functions-support.ts';
import { repoRoot } from '../support/cli.ts';
import { seededRandom } from '../support/random.ts';
import { loopbackBlock, makeTempDir, removeTempDir, startBird, waitFor, type RunningBird } from '../support/routers/index.ts';

export const FAULTS = ['functions', 'speaker', 'redis-with-data', 'redis-without-data', 'kafka', 'router'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultOptions {
  readonly seed: number;
  readonly durationMs: number;
  /** Progress lines (what was hit, when). */
  readonly say: (line: string) => void;
}

export interface FaultReport {
  readonly seed: number;
  readonly hits: readonly { readonly atMs: number; readonly fault: Fault; readonly downMs: number }[];
  /** Changes published (and acknowledged by Kafka) during the run. */
  readonly changes: number;
  /** Rebuilds of the store from the log the functions logged. */
  readonly rebuilds: number;
  /** Removals BIRD traced: of the stable routes (must be none), and in all. */
  readonly stableRemovals: readonly string[];
  readonly removals: number;
  /** What did not hold; empty when all did. */
  readonly violations: readonly string[];
}

const NODES = ['worker1', 'worker2'] as const;
const CHURN = 16;

/** A child process the harness supervises: started again whenever it exits, unless held down. */
class Supervised {
  #child: ChildProcess | null = null;
  #held = false;
  #stopping = false;
  starts = 0;
  readonly #args: string[];
  readonly #env: NodeJS.ProcessEnv;
  readonly #logFile: string;
  constructor(args: string[], env: NodeJS.ProcessEnv, logFile: string) {
    this.#args = args;
    this.#env = env;
    this.#logFile = logFile;
  }

  start(): void {
    const fd = openSync(this.#logFile, 'a');
    const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), ...this.#args], { cwd: repoRoot, env: this.#env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.starts++;
    this.#child = child;
    child.once('exit', () => {
      if (this.#child !== child) return;
      this.#child = null;
      // A supervisor's restart: a process that exited (an outage it gave up on, a crash) comes back.
      if (!this.#stopping && !this.#held) setTimeout(() => !this.#stopping && !this.#held && this.#child === null && this.start(), 1_000);
    });
  }

  /** kill -9, kept down until `release`. */
  async kill(): Promise<void> {
    this.#held = true;
    const child = this.#child;
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
  }

  release(): void {
    this.#held = false;
    if (this.#child === null) this.start();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function runFaultSuite(o: FaultOptions): Promise<FaultReport> {
  ensureSockopt();
  const rnd = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const between = (a: number, b: number) => a + Math.floor(rnd() * (b - a));
  const dir = makeTempDir('faults');
  let t0 = Date.now();
  const hits: { atMs: number; fault: Fault; downMs: number }[] = [];
  const violations: string[] = [];
  const block = loopbackBlock();
  const addr = { router: block.addr(5), worker1: block.addr(11), worker2: block.addr(12), controlPlane: block.addr(10) };
  const id = randomUUID().slice(0, 8);
  const topic = `faults.${id}`;
  const prefix = `faults-${id}`;
  const groupId = `faults-${id}`;
  const keys = storeKeys(prefix);
  const quietLog = createLogger('faults', 'silent');

  let kafkaProc: RunningKafka | null = null;
  let redisProc: RunningRedis | null = null;
  let bird: RunningBird | null = null;
  let functions: Supervised | null = null;
  let speaker: Supervised | null = null;
  let kafka: Kafka | null = null;
  const clients: { disconnect(): void }[] = [];
  let streaming = true;
  let changes = 0;
  try {
    const kafkaPorts = { port: await freePort(), controllerPort: await freePort(), dataDir: join(dir, 'kafka') };
    const redisPorts = { port: await freePort(), dataDir: join(dir, 'redis') };
    mkdirSync(kafkaPorts.dataDir, { recursive: true });
    mkdirSync(redisPorts.dataDir, { recursive: true });
    mkdirSync(join(dir, 'bird'), { recursive: true });
    const startK = () => startKafka({ ...kafkaPorts, log: () => undefined });
    const startR = () => startRedis({ ...redisPorts, log: () => undefined });
    kafkaProc = await startK();
    redisProc = await startR();
    const brokers = kafkaProc.brokers;
    const redisUrl = redisProc.url;
    kafka = createKafka({ brokers, clientId: 'faults' }, createLogger('kafka', 'silent'));
    await ensureTopic(kafka, topic, 3);
    const port = await freePort();
    bird = await startBird({
      routerId: addr.router,
      address: addr.router,
      port,
      dir: join(dir, 'bird'),
      // Every route change at BIRD in its log: what "never withdrawn" is checked against.
      protocols: routerProtocols(addr, ['debug { routes };']),
    });
    const objects = loopbackObjects(addr, port);
    const env = { ...process.env, BGPCAST_KAFKA_BROKERS: brokers, BGPCAST_REDIS_URL: redisUrl, BGPCAST_EVENTS_TOPIC: topic, BGPCAST_REDIS_PREFIX: prefix, BGPCAST_LOG_LEVEL: 'info' };
    functions = new Supervised(['functions', '--group', groupId], env, join(dir, 'functions.log'));
    speaker = new Supervised(['speaker', ...NODES.flatMap((n) => ['--node', n])], env, join(dir, 'speaker.log'));
    const publisher = new KafkaEventPublisher(kafka, topic);
    await publisher.publish(objects.map((obj) => objectEnvelope('added', obj, 'faults')));
    functions.start();
    speaker.start();
    const stable = await stableRoutes(bird);
    t0 = Date.now();
    o.say(`seed ${o.seed}: Kafka ${brokers}, Redis ${redisUrl}, BIRD ${addr.router}:${port}; the example at BIRD (${stable.size} routes that the stream never touches); faults for ${Math.round(o.durationMs / 1000)} s`);

    // The stream: Services created, moved to another LoadBalancer IP, deleted — published as long
    // as the run lasts; a publish that fails (Kafka down) is tried again.
    const stream = (async () => {
      while (streaming) {
        const i = between(0, CHURN);
        const envelope =
          rnd() < 0.2
            ? objectEnvelope('deleted', churnService(i, 0), 'faults')
            : objectEnvelope('modified', churnService(i, between(1, 250)), 'faults');
        for (;;) {
          try {
            await publisher.publish([envelope]);
            changes++;
            break;
          } catch {
            if (!streaming) break;
            await sleep(500);
          }
        }
        await sleep(between(50, 600));
      }
    })();
    // Redis snapshots now and then: the copy a Redis killed "with its data" comes back from is
    // older than what the consumers committed since.
    const admin = createRedisClient({ url: redisUrl, role: 'service' });
    clients.push(admin);
    const snapshots = (async () => {
      while (streaming) {
        await sleep(between(2_000, 6_000));
        await admin.call('SAVE').catch(() => undefined);
      }
    })();

    // The faults: every kind once per round, in a random order, at random moments; at least one
    // whole round, however long the restarts take.
    let round: Fault[] = [];
    while (Date.now() - t0 < o.durationMs || hits.length < FAULTS.length) {
      await sleep(between(2_000, 6_000));
      if (round.length === 0) round = [...FAULTS].sort(() => rnd() - 0.5);
      const fault = round.shift()!;
      const downMs = between(200, 3_000);
      const at = Date.now() - t0;
      switch (fault) {
        case 'functions':
          await functions.kill();
          await sleep(downMs);
          functions.release();
          break;
        case 'speaker':
          await speaker.kill();
          await sleep(downMs);
          speaker.release();
          break;
        case 'redis-with-data':
        case 'redis-without-data': {
          process.kill(redisProc.pid, 'SIGKILL');
          await waitGone(redisProc.pid);
          if (fault === 'redis-without-data') rmSync(join(redisPorts.dataDir, 'dump.rdb'), { force: true });
          await sleep(downMs);
          redisProc = await startR();
          break;
        }
        case 'kafka':
          process.kill(kafkaProc.pid, 'SIGKILL');
          await waitGone(kafkaProc.pid);
          await sleep(downMs);
          kafkaProc = await startK();
          break;
        case 'router':
          await bird.restart({ hard: true });
          break;
      }
      hits.push({ atMs: at, fault, downMs });
      o.say(`${(at / 1000).toFixed(1)} s: kill -9 ${fault}, back after ${downMs} ms`);
    }
    streaming = false;
    await Promise.all([stream, snapshots]);
    await publisher.close().catch(() => undefined);
    o.say(`faults over after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${hits.length} hits, ${changes} changes published; waiting for the control plane to settle`);

    // Settled: the group committed the whole topic, nothing pending, every node's document under
    // the store's epoch, and BIRD holding what the documents say.
    const redis = createStoreRedis({ url: redisUrl, role: 'service' });
    clients.push(redis);
    await waitFor(() => caughtUp(kafka!, groupId, topic), { timeoutMs: 120_000, what: 'the functions caught up with the topic' });
    await waitFor(async () => (await redis.hlen(keys.pending)) === 0 && (await redis.exists(keys.rebuildLock)) === 0, { timeoutMs: 60_000, what: 'no pending recomputation' });

    const replay = storeKeys(`${prefix}-replay`);
    const { fold } = await foldLog(kafkaEventLog(kafka, topic, null));
    const hashes = fold.hashes();
    await writeRebuildKeys(redis, replay, hashes);
    await installWorld(redis, replay, nodesOf(objectKeysOf(hashes)), fold.positions, { lockToken: '', epoch: 'replay', topic: null, builtAt: new Date().toISOString(), pendingId: 'all' });
    await createFunctionsHandler({ redis, keys: replay, log: quietLog }).sweep();
    const nodes = ['worker1', 'worker2', 'control-plane'];
    const live = await snapshot(redis, keys, nodes);
    const clean = await snapshot(redis, replay, nodes);
    for (const n of Object.keys(clean)) if (live[n] !== clean[n]) violations.push(`desired state of ${n} differs from a clean replay of the topic`);

    const desired = await desiredPrefixes(redis, keys);
    const routerExact = await waitFor(
      async () => {
        for (const n of NODES) {
          const at = [...(await birdPrefixes(bird!, n))].sort();
          if (JSON.stringify(at) !== JSON.stringify([...desired.get(n)!].sort())) return false;
        }
        return true;
      },
      { timeoutMs: 120_000, what: 'BIRD to hold exactly the desired routes' },
    ).catch((e: Error) => (violations.push(`BIRD does not hold exactly the desired routes: ${e.message.split('\n')[0]}`), false));
    if (routerExact) o.say('BIRD holds exactly the desired routes of both nodes');

    const trace = removalsTraced(bird.logFile);
    const stableRemovals = trace.filter((r) => stable.has(r));
    if (stableRemovals.length > 0) violations.push(`routes that stayed desired were withdrawn at BIRD: ${[...new Set(stableRemovals)].join(', ')}`);
    const rebuilds = (readFileSync(join(dir, 'functions.log'), 'utf8').match(/rebuilding the world and every desired document/g) ?? []).length;
    o.say(`held: the desired state ${violations.some((v) => v.startsWith('desired')) ? 'DIFFERS from' : 'equals'} a clean replay; ${stableRemovals.length} withdrawals of the ${stable.size} stable routes at BIRD (${trace.length} removals in all, of routes the stream changed); the functions rebuilt the store ${rebuilds} times, were started ${functions.starts} times, the speaker ${speaker.starts} times`);
    return { seed: o.seed, hits, changes, rebuilds, stableRemovals, removals: trace.length, violations };
  } finally {
    streaming = false;
    for (const c of clients) c.disconnect();
    await speaker?.stop().catch(() => undefined);
    await functions?.stop().catch(() => undefined);
    await bird?.stop().catch(() => undefined);
    await redisProc?.stop().catch(() => undefined);
    await kafkaProc?.stop().catch(() => undefined);
    if (violations.length === 0) removeTempDir(dir);
    else o.say(`logs kept in ${dir}`);
  }
}

/** A Service the stream changes: LoadBalancer IP 172.30.<i>.<ip> (ip 0: deleted). */
function churnService(i: number, ip: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `churn-${i}`, namespace: 'default' },
    spec: { type: 'LoadBalancer', clusterIP: `10.200.0.${i + 1}`, clusterIPs: [`10.200.0.${i + 1}`], externalTrafficPolicy: 'Cluster' },
    status: { loadBalancer: { ingress: ip > 0 ? [{ ip: `172.30.${i}.${ip}` }] : [] } },
  } as KubeObject;
}

/** The routes at BIRD once both sessions carry the example (5 routes each): "node prefix". */
async function stableRoutes(bird: RunningBird): Promise<Set<string>> {
  const out = new Set<string>();
  for (const n of NODES) {
    await bird.waitEstablished(n, 60_000);
    const prefixes = await waitFor(async () => {
      const p = await birdPrefixes(bird, n);
      return p.size === 5 ? p : false;
    }, { timeoutMs: 60_000, what: `the example's 5 routes from ${n}` });
    for (const p of prefixes) out.add(`${n} ${p}`);
  }
  return out;
}

async function birdPrefixes(bird: RunningBird, protocol: string): Promise<Set<string>> {
  return new Set((await bird.routes('master4', protocol)).map((r) => r.prefix));
}

async function desiredPrefixes(redis: ReturnType<typeof createStoreRedis>, keys: StoreKeys): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const n of NODES) {
    const doc = await readDesiredDocument(redis, keys.prefix, n);
    out.set(n, new Set(doc?.document.instances.flatMap((i) => i.peers.flatMap((p) => p.families.flatMap((f) => f.routes.map((r) => r.prefix)))) ?? []));
  }
  return out;
}

/** "node prefix" of every route BIRD's trace shows removed from a protocol (`debug { routes }`). */
function removalsTraced(logFile: string): string[] {
  if (!existsSync(logFile)) return [];
  const out: string[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const m = /\b(worker[12])\.ipv4 > removed\b.*?(\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line);
    if (m) out.push(`${m[1]} ${m[2]}`);
  }
  return out;
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  throw new Error(`pid ${pid} still running after kill -9`);
}
