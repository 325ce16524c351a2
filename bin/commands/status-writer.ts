// `bgpcast status-writer`: what bgpcast decided and did, written where Cilium users look — a
// CiliumBGPNodeConfig per node with its status from the node's speaker, and the conditions of the
// ClusterConfigs and PeerConfigs, and LoadBalancer IPs with LB IPAM (functions/status-writer/). Serves /metrics, /healthz, /readyz.

import type { Command } from 'commander';
import { createLogger } from '../../events/log.ts';
import { redisPrefixFromEnv, redisUrlFromEnv } from '../../events/redis-keys.ts';
import { createRegistry } from '../../events/telemetry.ts';
import { createRedisClient } from '../../events/redis-client.ts';
import { startStatusWriterService } from '../../functions/status-writer/service.ts';
import { statusWriterTelemetry } from '../../functions/status-writer/status-writer-telemetry.ts';
import { settingsReadBy } from '../../functions/settings.ts';
import { addLeaseOptions, kubeApiFromFlags, leaseOptions, seconds, type LeaseFlags } from './kube-options.ts';
import { parseListen, requireRedis, runUntilSignalled, serveTelemetry, withLogOptions } from './process-options.ts';
import { addSettingOptions, settingsFromOptions } from './settings-options.ts';

export const STATUS_WRITER_TELEMETRY = '127.0.0.1:9965';

const SETTINGS_READ = settingsReadBy('status-writer');

interface StatusWriterFlags extends LeaseFlags {
  kubeconfig?: string;
  context?: string;
  [setting: string]: unknown;
  resync: string;
  telemetry: string;
}

export function registerStatusWriter(program: Command): void {
  const command = program
    .command('status-writer')
    .description('write CiliumBGPNodeConfigs, their status and the BGP objects\' conditions to the Kubernetes API')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'kubeconfig context');
  addLeaseOptions(addSettingOptions(command, SETTINGS_READ), 'write', 'bgpcast-status-writer')
    .option('--resync <s>', 'seconds between full resyncs (every input read again, compared with the API server)', '30')
    .option('--telemetry <host:port>', '/metrics, /healthz, /readyz (port 0: any free port)', STATUS_WRITER_TELEMETRY);
  withLogOptions(command).action((opts: StatusWriterFlags) => runStatusWriter(opts));
}

async function runStatusWriter(opts: StatusWriterFlags): Promise<void> {
  const lease = leaseOptions(opts);
  const { statusReport, enableLbIpam } = settingsFromOptions(opts, SETTINGS_READ);
  const resyncMs = seconds('--resync', opts.resync);
  const listen = parseListen('--telemetry', opts.telemetry);
  const api = kubeApiFromFlags(opts);
  const log = createLogger('status-writer');
  const url = redisUrlFromEnv();
  const redis = createRedisClient({ url, role: 'service', log, name: 'bgpcast-status-writer' });
  const registry = createRegistry({ component: 'status-writer' });
  try {
    await requireRedis(redis, url);
    const telemetry = statusWriterTelemetry(registry, redis);
    const service = await startStatusWriterService({
      api,
      redis,
      redisUrl: url,
      prefix: redisPrefixFromEnv(),
      log,
      statusReport,
      enableLbIpam,
      resyncMs,
      metrics: telemetry.metrics,
      leaderElection: lease,
    });
    log.info({ server: api.server, leaderElect: lease !== undefined, statusReport, enableLbIpam }, 'status writer running');
    const endpoint = await serveTelemetry('--telemetry', listen, { registry, ready: telemetry.ready(service, api) });
    log.info({ url: endpoint.url }, 'telemetry');
    await runUntilSignalled(log, () => service.stop(), () => endpoint.close());
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
