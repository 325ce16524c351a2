// A node's BGP instances and peers, before routes: the operator's merge of ClusterConfig and
// NodeConfigOverride (O6) followed by the agent's checks (A3, A4, A8).
//
// Merge (O6): per cluster instance, the override instance of the same name supplies routerID, and
// localPort / localASN when set; per peer, the override peer of the same name supplies
// localAddress. Instances or peers only in the override are ignored.
//
// Router ID (A4, default mode), where the reference leaves room:
//   1. the override's routerID;
//   2. else the node's first IPv4 InternalIP — from the CiliumNode when it has one (what the agent
//      reads), else from the Node;
//   3. else, on an IPv6-only node, the last 32 bits of its first IPv6 InternalIP as a dotted quad.
//      Cilium uses the last 4 bytes of the cilium_host MAC, which is not part of the world view;
//      the address tail is just as stable and is unique whenever node addresses differ in their
//      last 32 bits, the usual case. Set routerID in an override where it is not.
//   4. else (no address, or a tail of 0.0.0.0, which RFC 6286 forbids) the instance is left out and
//      a problem is reported, as the agent fails the instance.
// An instance without localASN is left out with Cilium's error "missing ASN in desired config".
// A peer is left out when its PeerConfig is missing (A8) or it has no peerAddress. autoDiscovery
// needs the node's kernel routes and is not resolved here (such peers are reported and skipped).

import { DEFAULT_PEER_SETTINGS, type PeerSettings } from '../model/peer-config.ts';
import { formatIp, parseIp } from '../../events/ip.ts';
import type { ClusterConfig } from '../model/cluster-config.ts';
import type { WorldView } from '../model/world.ts';
import { ownerOf } from './ownership.ts';

export interface PlannedPeer {
  readonly name: string;
  readonly peerAddress: string;
  readonly peerASN: number;
  readonly localAddress: string | null;
  readonly settings: PeerSettings;
}

export interface PlannedInstance {
  readonly name: string;
  readonly localASN: number;
  readonly routerID: string;
  readonly localPort: number | null;
  readonly peers: readonly PlannedPeer[];
}

export interface NodePlan {
  readonly node: string;
  readonly owner: ClusterConfig | null;
  readonly instances: readonly PlannedInstance[];
  /** "<instance>: <problem>" lines for what was left out, in instance and peer order. */
  readonly problems: readonly string[];
}

function firstOfFamily(addresses: readonly string[] | undefined, family: 4 | 6) {
  for (const text of addresses ?? []) {
    const ip = parseIp(text);
    if (ip?.family === family) return ip;
  }
  return null;
}

/** The node's own router ID (steps 2–3 above), or null when it has none. */
export function nodeRouterID(world: WorldView, node: string): string | null {
  const cilium = world.ciliumNodes.get(node)?.internalIPs;
  const k8s = world.nodes.get(node)?.internalIPs;
  const v4 = firstOfFamily(cilium, 4) ?? firstOfFamily(k8s, 4);
  if (v4 !== null) return formatIp(v4);
  const v6 = firstOfFamily(cilium, 6) ?? firstOfFamily(k8s, 6);
  if (v6 === null) return null;
  const tail = v6.value & 0xffffffffn;
  return tail === 0n ? null : formatIp({ family: 4, value: tail });
}

export function planNode(world: WorldView, node: string): NodePlan {
  const owner = ownerOf(world, node);
  if (owner === null) return { node, owner, instances: [], problems: [] };
  const override = world.nodeConfigOverrides.get(node);
  const problems: string[] = [];
  const instances: PlannedInstance[] = [];
  for (const inst of owner.instances) {
    const ov = override?.instances.find((o) => o.name === inst.name);
    const localASN = ov?.localASN ?? inst.localASN;
    const routerID = ov?.routerID ?? nodeRouterID(world, node);
    if (localASN === null) {
      problems.push(`${inst.name}: missing ASN in desired config`);
      continue;
    }
    if (routerID === null) {
      problems.push(
        `${inst.name}: no router ID: the node has no IPv4 InternalIP; ` +
          `set routerID in the CiliumBGPNodeConfigOverride "${node}"`,
      );
      continue;
    }
    const peers: PlannedPeer[] = [];
    for (const peer of inst.peers) {
      const settings = peer.peerConfigRef === null ? DEFAULT_PEER_SETTINGS : world.peerConfigs.get(peer.peerConfigRef);
      if (settings === undefined) {
        const missing = `CiliumBGPPeerConfig "${peer.peerConfigRef}" not found`;
        problems.push(`${inst.name}: peer ${peer.name}: ${missing}; peer skipped`);
        continue;
      }
      if (peer.peerAddress === null) {
        problems.push(`${inst.name}: peer ${peer.name}: no peerAddress (autoDiscovery is not resolved); peer skipped`);
        continue;
      }
      const localAddress = ov?.peers.find((p) => p.name === peer.name)?.localAddress ?? null;
      peers.push({ name: peer.name, peerAddress: peer.peerAddress, peerASN: peer.peerASN, localAddress, settings });
    }
    peers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    instances.push({ name: inst.name, localASN, routerID, localPort: ov?.localPort ?? inst.localPort, peers });
  }
  instances.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { node, owner, instances, problems };
}
