// The kinds bgpcast consumes: Kubernetes kinds, and one of its own (RouterIDAllocation, which the
// functions publish). Anything else in a file is warned about and skipped.
// Cilium's BGP kinds are accepted in both cilium.io/v2 and cilium.io/v2alpha1; they are one object
// whichever version names it, so the version is not part of an object's identity.

export interface KindInfo {
  readonly kind: string;
  /** '' for the core group. */
  readonly group: string;
  readonly versions: readonly string[];
  readonly namespaced: boolean;
}

const cilium = (kind: string, versions: string[] = ['v2', 'v2alpha1']): KindInfo => ({
  kind,
  group: 'cilium.io',
  versions,
  namespaced: false,
});

export const knownKinds: readonly KindInfo[] = [
  { kind: 'Node', group: '', versions: ['v1'], namespaced: false },
  { kind: 'Service', group: '', versions: ['v1'], namespaced: true },
  { kind: 'Secret', group: '', versions: ['v1'], namespaced: true },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', versions: ['v1'], namespaced: true },
  cilium('CiliumBGPClusterConfig'),
  cilium('CiliumBGPPeerConfig'),
  cilium('CiliumBGPAdvertisement'),
  cilium('CiliumBGPNodeConfigOverride'),
  cilium('CiliumNode', ['v2']),
  cilium('CiliumPodIPPool', ['v2alpha1', 'v2']),
  // LB IPAM's pools (the status writer allocates from them).
  cilium('CiliumLoadBalancerIPPool'),
  // bgpcast's own kind, which the functions publish (the ip-pool router IDs); never watched.
  { kind: 'RouterIDAllocation', group: 'bgpcast.io', versions: ['v1'], namespaced: false },
];

/** The kinds read from Kubernetes (every known kind but bgpcast's own). */
export const kubernetesKinds: readonly KindInfo[] = knownKinds.filter((k) => k.group !== 'bgpcast.io');

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The kind's entry when apiVersion and kind name one bgpcast consumes, else undefined. */
export function lookupKind(apiVersion: string, kind: string): KindInfo | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  return knownKinds.find((k) => k.kind === kind && k.group === group && k.versions.includes(version));
}
