// Installing bgpcast's CRDs into an API server: every document of the manifest folders applied by
// server-side apply under one field manager, then waited on until Established (the kinds are served
// only from then on). Where Cilium runs, its CRDs are already installed: install only
// BGPCAST_CRDS_DIR's kinds where they are missing, and never CRDS_WITHOUT_CILIUM_DIR.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig, KubernetesObjectApi, loadAllYaml, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';

const infra = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Cilium's five BGP kinds, as bgpcast's CRDs (the Helm chart's crds/). */
export const BGPCAST_CRDS_DIR = join(infra, 'kubernetes', 'bgpcast', 'crds');
/** CiliumNode, CiliumPodIPPool and CiliumLoadBalancerIPPool, only for clusters without Cilium. */
export const CRDS_WITHOUT_CILIUM_DIR = join(infra, 'kubernetes', 'crds-without-cilium');
export const FIELD_MANAGER = 'bgpcast';

/**
 * Every object of the `*.yaml` files of `dir` (sorted by file name), YAML anchors resolved, in
 * @kubernetes/client-node's in-memory form (its loadAllYaml). That form matters: the client
 * serializes the types it knows (a CustomResourceDefinition, a Service) from its own property names,
 * so a plain JSON object loses every field whose wire name differs (`default`,
 * `x-kubernetes-validations`, … of a CRD schema) without a word.
 */
export function readManifests(dir: string): KubernetesObject[] {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  return files.flatMap((f) => {
    const path = join(dir, f);
    try {
      return (loadAllYaml(readFileSync(path, 'utf8')) as (KubernetesObject | null)[]).filter((o) => o !== null);
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`);
    }
  });
}

/** Server-side apply of each object, in order, taking over fields another manager set (force). */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[], fieldManager = FIELD_MANAGER): Promise<KubernetesObject[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const applied: KubernetesObject[] = [];
  for (const obj of objects) {
    applied.push(await api.patch(obj, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply));
  }
  return applied;
}

/** Applies the CRDs of `dirs` and waits until each is Established; returns their names. */
export async function installCrds(
  kc: KubeConfig,
  dirs: string[] = [BGPCAST_CRDS_DIR, CRDS_WITHOUT_CILIUM_DIR],
  timeoutMs = 30_000,
): Promise<string[]> {
  const crds = dirs.flatMap(readManifests);
  await applyObjects(kc, crds);
  const names = crds.map((c) => c.metadata?.name ?? '');
  await waitEstablished(kc, names, timeoutMs);
  return names;
}

export async function waitEstablished(kc: KubeConfig, names: string[], timeoutMs = 30_000): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await api.read<KubernetesObject & { status?: { conditions?: { type: string; status: string }[] } }>({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name },
      });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`kube: CRD ${name} not Established after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}
