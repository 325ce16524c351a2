// The resources `bgpcast watch` lists and watches: the kinds of events/kinds.ts with the REST
// names the API server serves them under. Versions are in order of preference; the first one the
// server serves is watched. Kinds of a CRD (crd: true) may not be served at all (CiliumNode in a
// cluster without Cilium) and are picked up when discovery shows them.

import { kubernetesKinds, type KindInfo } from '../kinds.ts';

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
