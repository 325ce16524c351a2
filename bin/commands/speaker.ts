// `bgpcast speaker --node NAME[=ADDRESS] [--node ...] [--drain SECONDS]`: the per-node BGP speaker
// worker (speaker/worker/). One process may stand for several nodes (tests, benchmarks, `up`).
// ADDRESS, when given, is where the node's instances with a localPort listen (default: every
// address). SIGINT / SIGTERM: graceful restart — sessions end without withdrawing, the routers
// keep the routes until the speaker is back; with --drain the routes are first re-advertised with
// GRACEFUL_SHUTDOWN (RFC 8326) for SECONDS, then the sessions end with a Cease.
// --bmp HOST:PORT (repeatable): export every session to that BMP station (RFC 7854, the
// Adj-RIB-Out post-policy view of RFC 8671); a Termination goes to it on the way out.
// --audit: write every UPDATE sent and every session transition to the audit topic
// (BGPCAST_AUDIT_TOPIC, default bgpcast.audit) on BGPCAST_KAFKA_BROKERS; BGP never waits on Kafka.
// --telemetry HOST:PORT (default 127.0.0.1:9962, Cilium agent's port): /metrics, /healthz, /readyz,
// served from the start; ready once every node's desired state is read and applied.

import type { Command } from 'commander';
import { parseIp } from '../../events/ip.ts';
import { createLogger } from '../../events/log.ts';
import { brokersFromEnv, createKafka } from '../../events/kafka/client.ts';
import { KafkaAuditSink } from '../../events/kafka/audit-producer.ts';
import { defaultAuditPartitions, Topics } from '../../events/topics.ts';
import { redisPrefixFromEnv, redisUrlFromEnv } from '../../events/redis-keys.ts';
import { secretsDirFromEnv } from '../../speaker/worker/secrets.ts';
import type { BmpStation, WorkerNode } from '../../speaker/worker/speaker-worker.ts';
import { startSpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { redactRedisUrl } from '../../events/redis-keys.ts';
import { createRegistry } from '../../events/telemetry.ts';
import { SpeakerTelemetry } from '../../speaker/worker/speaker-telemetry.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import { parseListen, serveTelemetry, withLogOptions } from './process-options.ts';

interface SpeakerCliOptions {
  node?: string[];
  bmp?: string[];
  audit?: boolean;
  drain?: string;
  resync: string;
  routesReport: string;
  telemetry: string;
}

const collect = (v: string, all: string[] | undefined) => [...(all ?? []), v];

/** Pure: "worker1" or "worker1=127.0.1.1". */
export function parseNodeArg(arg: string): WorkerNode {
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg : arg.slice(0, eq);
  const address = eq < 0 ? null : arg.slice(eq + 1);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(name)) throw new CliError(`--node: not a node name: ${name}`, ExitCode.Usage);
  if (address !== null && parseIp(address) === null) throw new CliError(`--node ${name}=: not an IP address: ${address}`, ExitCode.Usage);
  return { name, listenAddress: address };
}

/** Pure: "127.0.0.1:1790", "[::1]:1790" or "collector.example:1790". */
export function parseBmpStation(arg: string): BmpStation {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(arg) ?? /^([^:[\]]+):(\d{1,5})$/.exec(arg);
  const host = m?.[1] ?? '';
  const port = Number(m?.[2]);
  const ip = parseIp(host);
  const hostOk = ip !== null || /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(host);
  if (!m || !hostOk || (arg.startsWith('[') && ip?.family !== 6) || !(port >= 1 && port <= 65535)) {
    throw new CliError(`--bmp: expected HOST:PORT (an IPv6 address in brackets: [::1]:1790), not ${JSON.stringify(arg)}`, ExitCode.Usage);
  }
  return { host, port };
}

function seconds(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n >= 0)) throw new CliError(`${flag}: not a number of seconds: ${text}`, ExitCode.Usage);
  return n;
}

export function registerSpeaker(program: Command): void {
  const cmd = program
    .command('speaker')
    .description("run the BGP speaker of one or more nodes: follow each node's desired state in Redis, report status")
    .option('--node <name[=address]>', 'node to speak for (repeatable, at least one); =address: listen there', collect)
    .option('--drain <seconds>', 'on SIGTERM/SIGINT, drain with GRACEFUL_SHUTDOWN (RFC 8326) for this long, then Cease')
    .option('--resync <seconds>', 're-read the desired state this often even without a notification', '30')
    .option('--routes-report <seconds>', 'rewrite the routes part of the status at most this often (0: never)', '1')
    .option('--bmp <host:port>', 'export every session to this BMP station (repeatable): Adj-RIB-Out post-policy, RFC 7854/8671', collect)
    .option('--audit', 'write what goes on the wire to the audit topic in Kafka (BGPCAST_KAFKA_BROKERS)')
    .option('--telemetry <host:port>', '/metrics, /healthz, /readyz (port 0: any free port)', '127.0.0.1:9962');
  withLogOptions(cmd).action(async (opts: SpeakerCliOptions) => runSpeaker(opts));
}

async function runSpeaker(opts: SpeakerCliOptions): Promise<void> {
  if (!opts.node?.length) throw new CliError('--node NAME is required (repeat it to speak for several nodes)', ExitCode.Usage);
  const nodes = opts.node.map(parseNodeArg);
  const drainS = opts.drain === undefined ? null : seconds('--drain', opts.drain);
  const resyncS = seconds('--resync', opts.resync);
  const routesReportS = seconds('--routes-report', opts.routesReport);
  const bmp = (opts.bmp ?? []).map(parseBmpStation);
  const listen = parseListen('--telemetry', opts.telemetry);
  const log = createLogger('speaker');
  const url = redisUrlFromEnv();
  const prefix = redisPrefixFromEnv();
  const telemetry = new SpeakerTelemetry({ registry: createRegistry({ component: 'speaker' }), prefix });
  const endpoint = await serveTelemetry('--telemetry', listen, { registry: telemetry.registry, ready: telemetry.ready });
  log.info({ url: endpoint.url }, 'serving /metrics, /healthz, /readyz');
  log.info(
    { nodes: nodes.map((n) => n.name), redis: redactRedisUrl(url), secretsDir: secretsDirFromEnv(), bmp: bmp.map((b) => `${b.host}:${b.port}`) },
    'starting; waiting for Redis if it is not there yet',
  );
  try {
    const stopSignal = new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT')).once('SIGTERM', () => resolve('SIGTERM'));
    });
    const starting = startSpeakerWorker({
      redisUrl: url,
      prefix,
      nodes,
      log,
      observer: telemetry,
      resyncMs: Math.max(1, resyncS) * 1000,
      reportRoutes: routesReportS > 0,
      routesStatusMinIntervalMs: routesReportS * 1000,
      bmp,
      ...(opts.audit
        ? { audit: { sink: new KafkaAuditSink(createKafka({ brokers: brokersFromEnv(), clientId: 'bgpcast-speaker' }, createLogger('kafka', 'error')), Topics.audit, defaultAuditPartitions) } }
        : {}),
    });
    const worker = await Promise.race([starting, stopSignal.then(() => null)]);
    if (worker === null) {
      // Stopped before Redis ever answered: no session was started, nothing to leave behind.
      log.info('stopped before the first desired state was read');
      process.exit(ExitCode.Ok);
    }
    telemetry.attach(worker);
    log.info({ nodes: nodes.map((n) => n.name) }, 'speaker running');
    const keepAlive = setInterval(() => undefined, 60_000);
    const signal = await stopSignal;
    clearInterval(keepAlive);
    if (drainS !== null) {
      log.info({ signal, drainSeconds: drainS }, 'draining (RFC 8326), then Cease');
      await worker.drain(drainS * 1000);
    } else {
      log.info({ signal }, 'stopping for graceful restart: the routers keep the routes');
      await worker.stopForRestart();
    }
  } finally {
    await endpoint.close();
  }
  log.info('stopped');
}
