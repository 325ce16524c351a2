// Helpers for tests against the real API server of test/setup/kube.ts: an admin client, kubectl,
// and the Status an API server refusal carries.
import { spawnSync } from 'node:child_process';
import { ApiException, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { inject } from 'vitest';

export function adminConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfigPath'));
  return kc;
}

export function objectApi(kc = adminConfig()): KubernetesObjectApi {
  return KubernetesObjectApi.makeApiClient(kc);
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built kubectl against the test API server (admin kubeconfig), with optional stdin. */
export function kubectl(args: string[], input?: string): Run {
  const r = spawnSync(inject('kubectlPath'), ['--kubeconfig', inject('kubeconfigPath'), ...args], {
    encoding: 'utf8',
    input,
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the API server said when it refused a request: its Status, with the field causes. */
export interface Refusal {
  code: number;
  reason: string;
  message: string;
  causes: { field?: string; reason?: string; message?: string }[];
}

/** Runs `request`, which must be refused by the API server, and returns the refusal. */
export async function refusal(request: () => Promise<unknown>): Promise<Refusal> {
  try {
    await request();
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const status = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as {
      reason?: string;
      message?: string;
      details?: { causes?: Refusal['causes'] };
    };
    return {
      code: err.code,
      reason: status.reason ?? '',
      message: status.message ?? '',
      causes: status.details?.causes ?? [],
    };
  }
  throw new Error('the API server accepted a request it was expected to refuse');
}
