// The flags of the commands that talk to a cluster (`watch`, `status-writer`): which cluster, and
// leader election among replicas as client-go's names and defaults it.

import type { Command } from 'commander';
import { KubeApi } from '../../events/kube/api.ts';
import { defaultIdentity } from '../../events/kube/leader-election.ts';
import type { LeaseOptions } from '../../events/kube/leader-terms.ts';
import { DEFAULT_ELECTION } from '../../events/kube/lease-machine.ts';
import { CliError, ExitCode } from '../cli-error.ts';

export interface LeaseFlags {
  leaderElect?: boolean;
  leaseName: string;
  leaseNamespace: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  identity?: string;
}

export function addLeaseOptions(command: Command, what: string, leaseName: string): Command {
  return command
    .option('--leader-elect', `${what} only while holding a coordination.k8s.io Lease`)
    .option('--lease-name <name>', 'the Lease', leaseName)
    .option('--lease-namespace <ns>', 'the Lease namespace', process.env['POD_NAMESPACE'] ?? 'kube-system')
    .option('--lease-duration <s>', 'seconds a standby waits before taking a Lease nobody renews', String(DEFAULT_ELECTION.leaseDurationMs / 1000))
    .option('--renew-deadline <s>', `seconds a leader may ${what} without a renewal`, String(DEFAULT_ELECTION.renewDeadlineMs / 1000))
    .option('--retry-period <s>', 'seconds between attempts to take or renew the Lease', String(DEFAULT_ELECTION.retryPeriodMs / 1000))
    .option('--identity <id>', 'this replica in the Lease (default hostname_random)');
}

export function seconds(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new CliError(`${flag}: not a positive number of seconds: ${text}`, ExitCode.Usage);
  return Math.round(v * 1000);
}

/** The Lease to campaign for, or undefined without --leader-elect; usage errors as CliError. */
export function leaseOptions(flags: LeaseFlags): LeaseOptions | undefined {
  const config = {
    identity: flags.identity ?? defaultIdentity(),
    leaseDurationMs: seconds('--lease-duration', flags.leaseDuration),
    renewDeadlineMs: seconds('--renew-deadline', flags.renewDeadline),
    retryPeriodMs: seconds('--retry-period', flags.retryPeriod),
  };
  if (config.renewDeadlineMs >= config.leaseDurationMs) throw new CliError('--renew-deadline must be shorter than --lease-duration', ExitCode.Usage);
  return flags.leaderElect ? { namespace: flags.leaseNamespace, name: flags.leaseName, config } : undefined;
}

/** The cluster of --kubeconfig / --context (default: $KUBECONFIG, ~/.kube/config, in-cluster). */
export function kubeApiFromFlags(flags: { kubeconfig?: string; context?: string }): KubeApi {
  try {
    return KubeApi.fromTarget({ kubeconfig: flags.kubeconfig, context: flags.context });
  } catch (e) {
    throw new CliError(`kubeconfig: ${(e as Error).message}`, ExitCode.Usage);
  }
}
