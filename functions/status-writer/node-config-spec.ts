// The spec of a node's CiliumBGPNodeConfig as Cilium's operator writes it: the owner's instances
// merged with the node's override, nothing of the agent's (docs/cilium-semantics.md NCFG-1;
// functions/cilium/instances.ts applies the agent's checks on top of the same merge).

import { ownership, type AutoDiscovery, type ClusterConfig, type NodeConfigOverride, type Ownership, type WorldView } from './rules.ts';

export interface NodeConfigPeerSpec {
  readonly name: string;
  readonly peerAddress?: string;
  readonly peerASN?: number;
  readonly localAddress?: string;
  readonly peerConfigRef?: { readonly name: string };
  readonly autoDiscovery?: {
    readonly mode: string;
    readonly defaultGateway?: { readonly addressFamily: string };
    readonly unnumbered?: { readonly interface: string };
  };
}

export interface NodeConfigInstanceSpec {
  readonly name: string;
  readonly localASN?: number;
  readonly routerID?: string;
  readonly localPort?: number;
  readonly peers?: readonly NodeConfigPeerSpec[];
}

export interface NodeConfigSpec {
  readonly bgpInstances: readonly NodeConfigInstanceSpec[];
}

/** The node's desired NodeConfig: the ClusterConfig that owns it and the spec. */
export interface DesiredNodeConfig {
  readonly node: string;
  readonly owner: string;
  readonly spec: NodeConfigSpec;
}

const present = <K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } =>
  (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

function autoDiscoverySpec(ad: AutoDiscovery): NodeConfigPeerSpec['autoDiscovery'] {
  return {
    mode: ad.mode,
    ...present('defaultGateway', ad.addressFamily === null ? null : { addressFamily: ad.addressFamily }),
    ...present('unnumbered', ad.interface === null ? null : { interface: ad.interface }),
  };
}

export function nodeConfigSpec(config: ClusterConfig, override: NodeConfigOverride | undefined): NodeConfigSpec {
  return {
    bgpInstances: config.instances.map((inst): NodeConfigInstanceSpec => {
      const ov = override?.instances.find((o) => o.name === inst.name);
      const peers = inst.peers.map(
        (peer): NodeConfigPeerSpec => ({
          name: peer.name,
          ...present('peerAddress', peer.peerAddress),
          peerASN: peer.peerASN,
          ...present('localAddress', ov?.peers.find((p) => p.name === peer.name)?.localAddress),
          ...present('peerConfigRef', peer.peerConfigRef === null ? null : { name: peer.peerConfigRef }),
          ...present('autoDiscovery', peer.autoDiscovery === null ? null : autoDiscoverySpec(peer.autoDiscovery)),
        }),
      );
      return {
        name: inst.name,
        ...present('localASN', ov?.localASN ?? inst.localASN),
        ...present('routerID', ov?.routerID),
        ...present('localPort', ov?.localPort ?? inst.localPort),
        ...(peers.length > 0 ? { peers } : {}),
      };
    }),
  };
}

/** Every node some ClusterConfig owns (the functions' first-owner rule), with its spec. */
export function desiredNodeConfigs(world: WorldView, own: Ownership = ownership(world)): Map<string, DesiredNodeConfig> {
  const out = new Map<string, DesiredNodeConfig>();
  for (const [node, owner] of own.owner) {
    out.set(node, { node, owner: owner.meta.name, spec: nodeConfigSpec(owner, world.nodeConfigOverrides.get(node)) });
  }
  return out;
}
