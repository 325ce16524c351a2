// A real single-node Kafka 4.1.2 (KRaft, combined broker+controller) on loopback, run from the
// Maven Central jars that fetch-kafka-jars.sh caches (infra/local/README.md).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnToFile, stderrLogger, stopProcess, tail, waitUntil } from './procs.ts';
import { cacheDir } from './run-dir.ts';

export const KAFKA_VERSION = '4.1.2';
const STARTED_LINE = 'Kafka Server started';
const here = dirname(fileURLToPath(import.meta.url));

export interface StartKafkaOptions {
  /** PLAINTEXT listener port; 0/undefined picks a free one. */
  port?: number;
  /** KRaft controller listener port; 0/undefined picks a free one. */
  controllerPort?: number;
  /** Reused as-is (kept on stop) when given; otherwise a temp dir is created and removed on stop. */
  dataDir?: string;
  /** Classpath dir; default kafkaLibsDir() (BGPCAST_CACHE_DIR / XDG_CACHE_HOME). */
  libsDir?: string;
  /** Bound on the wait for "Kafka Server started"; default 90 s (2-core CI machines are slow). */
  startTimeoutMs?: number;
  log?: (msg: string) => void;
}

export interface RunningKafka {
  /** Bootstrap servers, e.g. '127.0.0.1:19092'. */
  brokers: string;
  pid: number;
  dataDir: string;
  startupMs: number;
  stop(): Promise<void>;
}

/** `${BGPCAST_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/bgpcast}/kafka-4.1.2/libs`, as in fetch-kafka-jars.sh. */
export function kafkaLibsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `kafka-${KAFKA_VERSION}`, 'libs');
}

const JAVA_MISSING = 'java not found: apt-get install -y openjdk-17-jre-headless (or set JAVA_HOME)';

function javaBin(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function serverProperties(port: number, cport: number, logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${cport}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    // One partition: the first consumer-group join only waits for one coordinator partition.
    'offsets.topic.num.partitions=1',
    // Transactions (`apply` is one) on one node: the state topic's replication factor and min ISR
    // of 1, and one partition, so the first transaction does not wait for fifty to be created.
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    // A transaction left open by a killed `apply` holds the consumers at its first record until it
    // times out; look for timed-out ones every second rather than every ten.
    'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Default 3 s delay before the first rebalance of a new group: pure waiting in tests.
    'group.initial.rebalance.delay.ms=0',
    // Topics are created explicitly (events/kafka/admin.ts ensureTopic) so callers can wait for leaders.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

export async function startKafka(opts: StartKafkaOptions = {}): Promise<RunningKafka> {
  const log = opts.log ?? stderrLogger('kafka');
  const t0 = Date.now();
  const libs = opts.libsDir ?? kafkaLibsDir();
  if (!existsSync(join(libs, '..', 'COMPLETE'))) {
    throw new Error(`kafka: Kafka ${KAFKA_VERSION} jars missing in ${libs}: run infra/local/fetch-kafka-jars.sh`);
  }
  const [port, cport] = await Promise.all([
    opts.port || freePort(),
    opts.controllerPort || freePort(),
  ]);
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'bgpcast-kafka-'));
  mkdirSync(dataDir, { recursive: true });
  const cleanup = () => ownDir && rmSync(dataDir, { recursive: true, force: true });

  const propsFile = join(dataDir, 'server.properties');
  writeFileSync(propsFile, serverProperties(port, cport, join(dataDir, 'data')));
  const logFile = join(dataDir, 'server.log');
  const outFile = join(dataDir, 'stdout.log'); // JVM-level failures (bad flags, OOM) land here
  const jvm = [
    '-Xmx512m',
    '-XX:TieredStopAtLevel=1', // C1 only: faster warm-up, and a test broker never gets hot
    '-XX:+UseSerialGC', // one GC thread; the 2-core machines also run tests and BGP daemons
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(here, 'kafka', 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${dataDir}`,
    '-cp',
    join(libs, '*'),
  ];

  try {
    // Format the metadata log once. A reused dataDir keeps its cluster id: formatting it again with
    // a new id fails even with --ignore-formatted, so skip that ~1 s JVM run entirely.
    if (!existsSync(join(dataDir, 'data', 'meta.properties'))) await formatStorage(jvm, propsFile, outFile);

    // A reused dataDir already holds an older "started" line: only look at what this run appends.
    const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
    const started = () =>
      existsSync(logFile) && readFileSync(logFile).subarray(logStart).toString('utf8').includes(STARTED_LINE);
    const proc = spawnToFile(javaBin(), [...jvm, 'kafka.Kafka', propsFile], outFile, 'kafka', JAVA_MISSING);
    const brokers = `127.0.0.1:${port}`;
    const stop = async () => {
      await stopProcess(proc, 20_000, log);
      cleanup();
    };
    try {
      await waitUntil(started, {
        proc,
        timeoutMs: opts.startTimeoutMs ?? 90_000,
        intervalMs: 100,
        what: `kafka (pid ${proc.pid}, port ${port})`,
        logFile: existsSync(logFile) ? logFile : outFile,
      });
      await describeCluster(brokers, { warmGroups: true, retries: 5 });
    } catch (err) {
      await stopProcess(proc, 5_000, log);
      throw err;
    }
    const startupMs = Date.now() - t0;
    log(`started pid ${proc.pid} on ${brokers} in ${startupMs} ms (data ${dataDir})`);
    return { brokers, pid: proc.pid, dataDir, startupMs, stop };
  } catch (err) {
    cleanup();
    throw err;
  }
}

async function formatStorage(jvm: string[], propsFile: string, outFile: string): Promise<void> {
  // 22 chars, as Kafka's Uuid.toString(). Given as --cluster-id=ID: an id that starts with '-'
  // (1 in 64) would otherwise be read as an option and the format refused.
  const clusterId = randomBytes(16).toString('base64url');
  const args = [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', propsFile];
  const fmt = spawnToFile(javaBin(), args, outFile, 'kafka', JAVA_MISSING);
  await fmt.exited;
  if (fmt.child.exitCode !== 0) {
    throw new Error(`kafka: storage format failed (exit ${fmt.child.exitCode}).\n${tail(outFile)}`);
  }
}

/**
 * The log line says the server started; the admin client proves it answers the protocol. With
 * `warmGroups`, also wait until the group coordinator has created and loaded __consumer_offsets:
 * on a fresh broker the first consumer otherwise crashes once on "coordinator is loading"
 * (kafkajs restarts it, but the noise hides real failures).
 */
export async function describeCluster(
  brokers: string,
  opts: { warmGroups?: boolean; retries?: number } = {},
): Promise<void> {
  const admin = new Kafka({
    clientId: 'bgpcast-infra',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    // Few retries by default so probing an address where nothing listens fails in < 1 s.
    retry: { retries: opts.retries ?? 1, initialRetryTime: 200 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no brokers in cluster metadata');
    if (opts.warmGroups) await warmGroupCoordinator(admin);
  } catch (err) {
    throw new Error(`kafka: ${brokers} does not answer describeCluster: ${(err as Error).message}`);
  } finally {
    await admin.disconnect();
  }
}

async function warmGroupCoordinator(admin: Admin): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      // Throws while the coordinator is unavailable or loading; resolves once it can serve groups.
      await admin.describeGroups(['bgpcast-warmup']);
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`group coordinator not ready after 30 s: ${last}`);
}
