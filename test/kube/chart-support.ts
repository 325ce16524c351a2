// The Helm chart (infra/kubernetes/bgpcast/) for tests against the real API server: rendered with the
// helm that infra/kube/build.sh builds, split into its CRDs and the rest, applied with kubectl; and a
// kubeconfig holding a ServiceAccount's token (TokenRequest), so that RBAC is the chart's and nothing
// else.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kubeBinaries } from '../../infra/local/kube.ts';
import { repoRoot } from '../support/cli.ts';
import { adminConfig, kubectl, type Run } from '../support/kube.ts';

export const CHART_DIR = resolve(repoRoot, 'infra/kubernetes/bgpcast');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Helm's cache, config and data folders and the ServiceAccount kubeconfigs: one temp dir per test file. */
const scratch = mkdtempSync(join(tmpdir(), 'bgpcast-chart-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const helmHome = join(scratch, 'helm');

export function helm(args: string[]): Run {
  const env = { ...process.env, HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_DATA_HOME: join(helmHome, 'data') };
  const r = spawnSync(kubeBinaries().helm, args, { encoding: 'utf8', timeout: 60_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `--set` pairs as helm's arguments. */
export const sets = (values: Record<string, string | number | boolean>): string[] => Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${String(v).replace(/,/g, '\\,')}`]);

/** `helm template` of the chart; throws with helm's message when it refuses. */
export function renderChart(release: string, namespace: string, args: string[]): Manifest[] {
  const r = helm(['template', release, CHART_DIR, '--namespace', namespace, ...args]);
  if (r.status !== 0) throw new Error(`helm template ${args.join(' ')}: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null);
}

/**
 * Server-side apply through kubectl (any kind, CRDs' kinds included); `dryRun` asks the server only.
 * Handed over as one JSON List: re-written as YAML 1.2, a string "yes" would reach kubectl's YAML
 * 1.1 reader as a boolean.
 */
export function kubectlApply(objects: readonly Manifest[], dryRun: boolean): Run {
  return kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=bgpcast-chart-test', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
}

export function ensureNamespace(name: string): void {
  const r = kubectl(['create', 'namespace', name]);
  if (r.status !== 0 && !r.stderr.includes('AlreadyExists')) throw new Error(r.stderr);
}

/** A kubeconfig file for the test API server that authenticates as the ServiceAccount alone. */
export async function serviceAccountKubeconfig(namespace: string, name: string): Promise<{ path: string; config: KubeConfig }> {
  const admin = adminConfig();
  const minted = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [cluster],
    users: [{ name: `${namespace}-${name}`, token: minted.status!.token! }],
    contexts: [{ name: 'sa', cluster: cluster.name, user: `${namespace}-${name}` }],
    currentContext: 'sa',
  });
  const path = join(scratch, `kubeconfig-${namespace}-${name}`);
  writeFileSync(path, config.exportConfig(), { mode: 0o600 });
  return { path, config };
}
