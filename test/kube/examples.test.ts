// The example YAML, as it is, is accepted by a real API server with bgpcast's CRDs: the seed
// topology (infra/examples/seed) and its loopback variant (infra/examples/loopback), BGP kinds,
// Nodes and Services, by server-side apply through @kubernetes/client-node and through kubectl.
// The examples are written as cilium.io/v2alpha1; both versions serve the one stored object.
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { applyObjects, readManifests } from '../../infra/local/kube-crds.ts';
import { adminConfig, kubectl, objectApi } from '../support/kube.ts';

const EXAMPLES = {
  seed: join(import.meta.dirname, '..', '..', 'infra', 'examples', 'seed'),
  loopback: join(import.meta.dirname, '..', '..', 'infra', 'examples', 'loopback'),
} as const;

type Spec = KubernetesObject & { spec?: Record<string, unknown> };

const header = (o: KubernetesObject) => ({
  apiVersion: o.apiVersion!,
  kind: o.kind!,
  metadata: { name: o.metadata!.name!, namespace: o.metadata?.namespace ?? (o.kind === 'Service' ? 'default' : undefined) },
});

/** Deletes what a test applied, so the next one starts from an empty cluster. */
let applied: KubernetesObject[] = [];
afterEach(async () => {
  const api = objectApi();
  await Promise.all(applied.map((o) => api.delete(header(o)).catch(() => undefined)));
  applied = [];
});

describe.each(Object.entries(EXAMPLES))('the %s example', (name, dir) => {
  const objects = readManifests(dir);

  it('has the BGP kinds, Nodes and Services', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const k of ['CiliumBGPClusterConfig', 'CiliumBGPPeerConfig', 'CiliumBGPAdvertisement', 'Node', 'Service']) {
      expect(kinds, `${name} lacks a ${k}`).toContain(k);
    }
  });

  it('is accepted by server-side apply with @kubernetes/client-node, and reads back as written', async () => {
    applied = objects;
    const result = await applyObjects(adminConfig(), objects, 'bgpcast-test');
    expect(result).toHaveLength(objects.length);
    const api = objectApi();
    for (const o of objects.filter((x) => x.apiVersion?.startsWith('cilium.io/'))) {
      const stored = await api.read<Spec>(header(o));
      // Read back in the version it was written in: every field written is there, unchanged.
      expect(stored.spec).toMatchObject((o as Spec).spec!);
    }
  });

  it('is accepted by kubectl apply --server-side', () => {
    applied = objects;
    const r = kubectl(['apply', '--server-side', '-f', dir]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(objects.length);
    expect(lines.every((l) => l.endsWith(' serverside-applied'))).toBe(true);
    const get = kubectl(['get', 'nodes,services,ciliumbgp', '-o', 'name']);
    expect(get.stdout).toContain('node/worker1');
    expect(get.stdout).toContain('service/web');
    expect(get.stdout).toContain('ciliumbgpclusterconfig.cilium.io/cilium-bgp');
  });
});

describe('cilium.io/v2alpha1 and cilium.io/v2', () => {
  it('serve one object: written as v2alpha1, read as v2 and as v2alpha1', async () => {
    const cluster = readManifests(EXAMPLES.seed).find((o) => o.kind === 'CiliumBGPClusterConfig')! as Spec;
    applied = [cluster];
    expect(cluster.apiVersion).toBe('cilium.io/v2alpha1');
    await applyObjects(adminConfig(), [cluster], 'bgpcast-test');
    const api = objectApi();
    const asV2 = await api.read<Spec>({ ...header(cluster), apiVersion: 'cilium.io/v2' });
    const asV2alpha1 = await api.read<Spec>(header(cluster));
    expect(asV2.apiVersion).toBe('cilium.io/v2');
    expect(asV2alpha1.apiVersion).toBe('cilium.io/v2alpha1');
    expect(asV2.metadata?.uid).toBe(asV2alpha1.metadata?.uid);
    expect(asV2.spec).toEqual(asV2alpha1.spec);
  });

  it('v2alpha1 requests carry the deprecation warning, v2 requests none', () => {
    const doc = (version: string) =>
      `apiVersion: cilium.io/${version}\nkind: CiliumBGPAdvertisement\nmetadata: {name: warn-${version}}\n` +
      'spec: {advertisements: [{advertisementType: PodCIDR}]}\n';
    const old = kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], doc('v2alpha1'));
    expect(old.status, old.stderr).toBe(0);
    expect(old.stderr).toContain('cilium.io/v2alpha1 CiliumBGPAdvertisement is deprecated');
    const current = kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], doc('v2'));
    expect(current.status, current.stderr).toBe(0);
    expect(current.stderr).toBe('');
  });
});
