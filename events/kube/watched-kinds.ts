// The resources `bgpcast watch` lists and watches: the kinds of events/kinds.ts with the REST
// names the API server serves them under. Versions are in order of preference; the first one the
// server serves is watched. Kinds of a CRD (crd: true) may not be served at all (CiliumNode in a
// cluster without Cilium) and are picked up when discovery shows them.

import { kubernetesKinds, type KindInfo } from '../kinds.ts';
import type { KubeApi } from './api.ts';

export interface WatchedKind extends KindInfo {
  readonly plural: string;
  /** Served only once its CustomResourceDefinition is installed. */
  readonly crd: boolean;
  /** Versions, preferred first. */
  readonly preferred: readonly string[];
}

const plurals: Readonly<Record<string, string>> = {
  Node: 'nodes',
  Service: 'services',
  Secret: 'secrets',
  EndpointSlice: 'endpointslices',
  CiliumBGPClusterConfig: 'ciliumbgpclusterconfigs',
  CiliumBGPPeerConfig: 'ciliumbgppeerconfigs',
  CiliumBGPAdvertisement: 'ciliumbgpadvertisements',
  CiliumBGPNodeConfigOverride: 'ciliumbgpnodeconfigoverrides',
  CiliumNode: 'ciliumnodes',
  CiliumPodIPPool: 'ciliumpodippools',
  CiliumLoadBalancerIPPool: 'ciliumloadbalancerippools',
};

export const watchedKinds: readonly WatchedKind[] = kubernetesKinds.map((k) => ({
  ...k,
  plural: plurals[k.kind]!,
  crd: k.group === 'cilium.io',
  preferred: k.group === 'cilium.io' ? ['v2', 'v2alpha1'].filter((v) => k.versions.includes(v)) : k.versions,
}));

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** The collection path: /api/v1/nodes, /apis/cilium.io/v2/ciliumnodes, /api/v1/namespaces/ns/secrets. */
export function collectionPath(kind: WatchedKind, version: string, namespace?: string): string {
  const root = kind.group ? `/apis/${kind.group}/${version}` : `/api/${version}`;
  return namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}` : `${root}/${kind.plural}`;
}

/** Secrets are read from the BGP secrets namespace only; every other kind cluster-wide. */
export function watchNamespace(kind: WatchedKind, secretsNamespace: string): string | undefined {
  return kind.kind === 'Secret' ? secretsNamespace : undefined;
}

/** Discovery answers per group version (null: the group version is not served), shared by one pass. */
export type DiscoveryCache = Map<string, Promise<Set<string> | null>>;

/** The first preferred version the server serves the kind under; undefined when none. */
export async function servedVersion(api: KubeApi, kind: WatchedKind, cache: DiscoveryCache = new Map()): Promise<string | undefined> {
  if (!kind.crd) return kind.preferred[0];
  for (const version of kind.preferred) {
    const gv = apiVersionOf(kind.group, version);
    if (!cache.has(gv)) {
      cache.set(
        gv,
        api
          .get<{ resources?: { name: string }[] }>(`/apis/${gv}`, { timeoutMs: 10_000 })
          .then((r) => new Set((r.resources ?? []).map((x) => x.name)))
          .catch((e: { code?: number }) => {
            if (e.code === 404) return null;
            throw e;
          }),
      );
    }
    if ((await cache.get(gv))?.has(kind.plural)) return version;
  }
  return undefined;
}
