// A node's BGP instances and peers, before routes (docs/cilium-semantics.md INST-1 to INST-5): the
// owner's instances merged with the node's CiliumBGPNodeConfigOverride, then the agent's checks.
// What could not be configured is left out and named in `problems` (COND-5):
// - an instance without a local ASN ("missing ASN in desired config", INST-2);
// - an instance without a router ID: the override's, else the node's first IPv4 InternalIP
//   (CiliumNode first, then Node), else on an IPv6-only node the last 32 bits of its first IPv6
//   InternalIP; never 0.0.0.0 (RFC 6286) (INST-3); in the ip-pool mode the override's, else the
//   one allocated from the pool (router-id-pool.ts, INST-7) — an instance whose ID is not
//   allocated yet waits without a problem, one the pool has no address left for is reported;
// - a peer whose PeerConfig is missing (INST-5), or with neither peerAddress nor autoDiscovery
//   (INST-4). A peer with autoDiscovery and no address is kept: the speaker finds its address on
//   the node.
// Instances and peers come out sorted by name.

import { formatIp, type IpAddress } from '../../events/ip.ts';
import type { DesiredAutoDiscovery } from '../../events/desired-state.ts';
import type { AutoDiscovery, ClusterConfig } from '../model/cluster-config.ts';
import type { WorldView } from '../model/world.ts';
import { ownerOf } from './ownership.ts';
import { poolRouterId } from './router-id-pool.ts';
import { DEFAULT_PEER_SETTINGS, peerSettings, type PeerSettings } from './peer-settings.ts';

export interface NodeAddresses {
  /** The node's first IPv4 / IPv6 InternalIP (its CiliumNode's, else its Node's), or null. */
  readonly ipv4: string | null;
  readonly ipv6: string | null;
}

export interface PlannedPeer {
  readonly name: string;
  /** null: found on the node by `autoDiscovery` (INST-4). */
  readonly peerAddress: string | null;
  readonly autoDiscovery: DesiredAutoDiscovery | null;
  readonly peerASN: number;
  readonly localAddress: string | null;
  readonly settings: PeerSettings;
  /** Where the node's routes may point (the next-hop choices of NH-1, NH-2). */
  readonly node: NodeAddresses;
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
  /** Instances left out because the ip-pool router-ID pool is used up (INST-7). */
  readonly exhausted: readonly string[];
}

/** The discovery the speaker runs for a peer without an address (INST-4); the CRD made it complete. */
function discovery(ad: AutoDiscovery | null): DesiredAutoDiscovery | null {
  if (ad?.mode === 'DefaultGateway' && ad.addressFamily !== null) return { mode: 'DefaultGateway', addressFamily: ad.addressFamily };
  if (ad?.mode === 'Unnumbered' && ad.interface !== null) return { mode: 'Unnumbered', interface: ad.interface };
  return null;
}

const firstOfFamily = (addresses: readonly IpAddress[] | undefined, family: 4 | 6) => addresses?.find((ip) => ip.family === family) ?? null;

function nodeInternalIP(world: WorldView, node: string, family: 4 | 6): IpAddress | null {
  return firstOfFamily(world.ciliumNodes.get(node)?.internalIPs, family) ?? firstOfFamily(world.nodes.get(node)?.internalIPs, family);
}

export function nodeAddresses(world: WorldView, node: string): NodeAddresses {
  const text = (ip: IpAddress | null) => (ip === null ? null : formatIp(ip));
  return { ipv4: text(nodeInternalIP(world, node, 4)), ipv6: text(nodeInternalIP(world, node, 6)) };
}

/** The node's own router ID (INST-3 without an override), or null when it has none. */
export function nodeRouterID(world: WorldView, node: string): string | null {
  const v4 = nodeInternalIP(world, node, 4);
  if (v4 !== null) return formatIp(v4);
  const v6 = nodeInternalIP(world, node, 6);
  if (v6 === null) return null;
  const tail = v6.value & 0xffffffffn;
  return tail === 0n ? null : formatIp({ family: 4, value: tail });
}

function noRouterID(node: string): string {
  return `no router ID: the node has no IPv4 InternalIP; set routerID in the CiliumBGPNodeConfigOverride "${node}"`;
}

export function planNode(world: WorldView, node: string): NodePlan {
  const owner = ownerOf(world, node);
  if (owner === null) return { node, owner, instances: [], problems: [], exhausted: [] };
  const override = world.nodeConfigOverrides.get(node);
  const problems: string[] = [];
  const exhausted: string[] = [];
  const instances: PlannedInstance[] = [];
  const addresses = nodeAddresses(world, node);
  for (const inst of owner.instances) {
    const ov = override?.instances.find((o) => o.name === inst.name);
    const localASN = ov?.localASN ?? inst.localASN;
    if (localASN === null) {
      problems.push(`${inst.name}: missing ASN in desired config`);
      continue;
    }
    let routerID: string | null;
    if (world.settings.routerIdAllocationMode === 'ip-pool') {
      const r = poolRouterId(world, node, inst.name, ov?.routerID ?? null);
      if ('waiting' in r) continue;
      if ('problem' in r) {
        problems.push(`${inst.name}: ${r.problem}`);
        if (r.exhausted) exhausted.push(inst.name);
        continue;
      }
      routerID = r.id;
    } else {
      routerID = ov?.routerID ?? nodeRouterID(world, node);
    }
    if (routerID === null) {
      problems.push(`${inst.name}: ${noRouterID(node)}`);
      continue;
    }
    const peers: PlannedPeer[] = [];
    for (const peer of inst.peers) {
      const config = peer.peerConfigRef === null ? null : world.peerConfigs.get(peer.peerConfigRef);
      if (config === undefined) {
        const missing = `CiliumBGPPeerConfig "${peer.peerConfigRef}" not found`;
        problems.push(`${inst.name}: peer ${peer.name}: ${missing}; peer skipped`);
        continue;
      }
      // An explicit address wins over discovery (INST-4).
      const autoDiscovery = peer.peerAddress === null ? discovery(peer.autoDiscovery) : null;
      if (peer.peerAddress === null && autoDiscovery === null) {
        problems.push(`${inst.name}: peer ${peer.name}: neither peerAddress nor autoDiscovery; peer skipped`);
        continue;
      }
      const localAddress = ov?.peers.find((p) => p.name === peer.name)?.localAddress ?? null;
      const settings = config === null ? DEFAULT_PEER_SETTINGS : peerSettings(config);
      peers.push({ name: peer.name, peerAddress: peer.peerAddress, autoDiscovery, peerASN: peer.peerASN, localAddress, settings, node: addresses });
    }
    peers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    instances.push({ name: inst.name, localASN, routerID, localPort: ov?.localPort ?? inst.localPort, peers });
  }
  instances.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { node, owner, instances, problems, exhausted };
}
