// bgpcast's CRDs in a real API server: installed by the global setup (installCrds, the same code
// `up --kube` uses), Established, served under Cilium's names, and idempotent to install again.
import { describe, expect, it } from 'vitest';
import { BGPCAST_CRDS_DIR, CRDS_WITHOUT_CILIUM_DIR, installCrds, readManifests } from '../../infra/local/kube-crds.ts';
import { adminConfig, kubectl, objectApi } from '../support/kube.ts';

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string; resourceVersion?: string };
  spec: {
    scope: string;
    names: { kind: string; shortNames?: string[]; categories?: string[] };
    versions: { name: string; served: boolean; storage: boolean; subresources?: { status?: object } }[];
  };
  status?: { conditions?: { type: string; status: string }[] };
}

const BGP_KINDS = {
  CiliumBGPClusterConfig: { shortName: 'cbgpcluster', status: true },
  CiliumBGPPeerConfig: { shortName: 'cbgppeer', status: true },
  CiliumBGPAdvertisement: { shortName: 'cbgpadvert', status: false },
  CiliumBGPNodeConfigOverride: { shortName: 'cbgpnodeoverride', status: false },
  CiliumBGPNodeConfig: { shortName: 'cbgpnode', status: true },
} as const;

async function readCrd(name: string): Promise<Crd> {
  return objectApi().read<Crd & { metadata: { name: string } }>({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
  });
}

describe('bgpcast CRDs', () => {
  const bgpCrds = readManifests(BGPCAST_CRDS_DIR) as unknown as Crd[];
  const withoutCilium = readManifests(CRDS_WITHOUT_CILIUM_DIR) as unknown as Crd[];

  it('define the five BGP kinds, and CiliumNode, CiliumPodIPPool and CiliumLoadBalancerIPPool apart', () => {
    expect(bgpCrds.map((c) => c.spec.names.kind).sort()).toEqual(Object.keys(BGP_KINDS).sort());
    expect(withoutCilium.map((c) => c.spec.names.kind).sort()).toEqual(['CiliumLoadBalancerIPPool', 'CiliumNode', 'CiliumPodIPPool']);
  });

  it.each(Object.entries(BGP_KINDS))('%s is Established, cluster-scoped, v2 stored and v2alpha1 served', async (kind, want) => {
    const manifest = bgpCrds.find((c) => c.spec.names.kind === kind)!;
    const crd = await readCrd(manifest.metadata.name);
    expect(crd.status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Established', status: 'True' }),
        expect.objectContaining({ type: 'NamesAccepted', status: 'True' }),
      ]),
    );
    expect(crd.spec.scope).toBe('Cluster');
    expect(crd.spec.names.shortNames).toEqual([want.shortName]);
    expect(crd.spec.names.categories).toEqual(['cilium', 'ciliumbgp']);
    const versions = Object.fromEntries(crd.spec.versions.map((v) => [v.name, v]));
    expect(versions.v2).toMatchObject({ served: true, storage: true });
    expect(versions.v2alpha1).toMatchObject({ served: true, storage: false });
    expect(Boolean(versions.v2?.subresources?.status)).toBe(want.status);
  });

  it('CiliumNode, CiliumPodIPPool and CiliumLoadBalancerIPPool are Established', async () => {
    for (const c of withoutCilium) {
      const crd = await readCrd(c.metadata.name);
      expect(crd.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
    }
  });

  it('installing again changes nothing', async () => {
    const names = [...bgpCrds, ...withoutCilium].map((c) => c.metadata.name);
    const before = await Promise.all(names.map(readCrd));
    await installCrds(adminConfig());
    const after = await Promise.all(names.map(readCrd));
    expect(after.map((c) => c.metadata.resourceVersion)).toEqual(before.map((c) => c.metadata.resourceVersion));
  });

  it('kubectl knows the short names and the ciliumbgp category', () => {
    const r = kubectl(['api-resources', '--api-group=cilium.io', '--categories=ciliumbgp', '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n').sort()).toEqual([
      'ciliumbgpadvertisements.cilium.io',
      'ciliumbgpclusterconfigs.cilium.io',
      'ciliumbgpnodeconfigoverrides.cilium.io',
      'ciliumbgpnodeconfigs.cilium.io',
      'ciliumbgppeerconfigs.cilium.io',
    ]);
    const get = kubectl(['get', 'cbgpcluster,cbgppeer,cbgpadvert,cbgpnode,cbgpnodeoverride']);
    expect(get.status).toBe(0);
  });
});
