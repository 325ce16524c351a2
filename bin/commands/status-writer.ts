// `bgpcast status-writer`: what bgpcast decided and did, written where Cilium users look — a
// CiliumBGPNodeConfig per node with its status from the node's speaker, and the conditions of the
// ClusterConfigs and PeerConfigs (functions/status-writer/). Serves /metrics, /healthz, /readyz.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { createLogger } from '../../events/log.ts';
import { redisPrefixFromEnv, redisUrlFromEnv } from '../../events/redis-keys.ts';
import { createRegistry, startTelemetry, type Check, type CheckResult } from '../../events/telemetry.ts';
import type { KubeApi } from '../../events/kube/api.ts';
import { createRedisClient } from '../../events/redis-client.ts';
import { startStatusWriterService, type StatusWriterService } from '../../functions/status-writer/service.ts';
import type { StatusWriterMetrics } from '../../functions/status-writer/status-writer.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import { addLeaseOptions, kubeApiFromFlags, leaseOptions, seconds, type LeaseFlags } from './kube-options.ts';
import { parseListen, requireRedis, runUntilSignalled } from './process-options.ts';

export const STATUS_WRITER_TELEMETRY = '127.0.0.1:9965';

interface StatusWriterFlags extends LeaseFlags {
  kubeconfig?: string;
  context?: string;
  statusReport: string;
  resync: string;
  telemetry: string;
}

export function registerStatusWriter(program: Command): void {
  const command = program
    .command('status-writer')
    .description('write CiliumBGPNodeConfigs, their status and the BGP objects\' conditions to the Kubernetes API')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--status-report <bool>', 'write status and conditions (Cilium\'s enable-bgp-control-plane-status-report); false clears what was written', 'true');
  addLeaseOptions(command, 'write', 'bgpcast-status-writer')
    .option('--resync <s>', 'seconds between full resyncs (every input read again, compared with the API server)', '30')
    .option('--telemetry <host:port>', '/metrics, /healthz, /readyz (port 0: any free port)', STATUS_WRITER_TELEMETRY)
    .action((opts: StatusWriterFlags) => runStatusWriter(opts));
}

export function parseBool(flag: string, text: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new CliError(`${flag}: expected true or false, got ${text}`, ExitCode.Usage);
}

/** Prometheus counters of the writer's API writes and rounds, in `registry`. */
export function statusWriterMetrics(registry: Registry): StatusWriterMetrics {
  const writes = new Counter({ name: 'bgpcast_status_writer_api_writes_total', help: 'API writes of the status writer, by kind, operation (apply, apply-status, delete) and outcome', labelNames: ['kind', 'op', 'outcome'], registers: [registry] });
  const rounds = new Counter({ name: 'bgpcast_status_writer_rounds_total', help: 'Rounds of the status writer, by trigger (event: a notification or a watched change; resync: periodic)', labelNames: ['trigger'], registers: [registry] });
  const conflicts = new Gauge({ name: 'bgpcast_status_writer_nodeconfig_conflicts', help: 'NodeConfigs held by another ClusterConfig than the one that owns their node, left alone', registers: [registry] });
  return {
    write: (kind, op, outcome) => writes.inc({ kind, op, outcome }),
    round: (trigger) => rounds.inc({ trigger }),
    conflicts: (n) => conflicts.set(n),
  };
}

/** /readyz of the status writer: leading and synced, or standing by; Redis and the API server answer. */
export function statusWriterChecks(service: StatusWriterService, redis: Redis, api: KubeApi): Check[] {
  const within = async (what: Promise<unknown>): Promise<CheckResult> => {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2_000).unref());
    try {
      await Promise.race([what, timeout]);
      return { ok: true };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  };
  return [
    {
      name: 'leader',
      run: () => {
        const s = service.status();
        if (s === 'standby') return { ok: true, detail: 'standby' };
        if (s === 'candidate') return { ok: false, detail: 'the Lease has not been read yet' };
        return s.synced ? { ok: true } : { ok: false, detail: s.lastError ?? 'first round not done yet' };
      },
    },
    { name: 'redis', run: () => within(redis.ping()) },
    { name: 'kube', run: () => within(api.get('/version', { timeoutMs: 2_000 })) },
  ];
}

async function runStatusWriter(opts: StatusWriterFlags): Promise<void> {
  const lease = leaseOptions(opts);
  const statusReport = parseBool('--status-report', opts.statusReport);
  const resyncMs = seconds('--resync', opts.resync);
  const listen = parseListen('--telemetry', opts.telemetry);
  const api = kubeApiFromFlags(opts);
  const log = createLogger('status-writer');
  const url = redisUrlFromEnv();
  const redis = createRedisClient({ url, role: 'service', log, name: 'bgpcast-status-writer' });
  const registry = createRegistry({ component: 'status-writer' });
  try {
    await requireRedis(redis, url);
    const service = await startStatusWriterService({
      api,
      redis,
      redisUrl: url,
      prefix: redisPrefixFromEnv(),
      log,
      statusReport,
      resyncMs,
      metrics: statusWriterMetrics(registry),
      leaderElection: lease,
    });
    log.info({ server: api.server, leaderElect: lease !== undefined, statusReport }, 'status writer running');
    const telemetry = await startTelemetry({ ...listen, registry, ready: statusWriterChecks(service, redis, api) });
    log.info({ url: telemetry.url }, 'telemetry');
    await runUntilSignalled(log, () => service.stop(), () => telemetry.close());
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
