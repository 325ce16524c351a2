// Which nodes' desired state may change when one object changes: the stage-1 "node N is dirty"
// fan-out. Conservative on purpose: listing a node whose state turns out unchanged costs one
// recomputation (and no write, since equal states are not rewritten); missing one loses an update.
//
// "BGP nodes" below are the nodes some ClusterConfig configures in `before` or in `after`: a node
// configured in neither has {instances: []} in both, whatever changed.
// - Node, CiliumNode: that node only. Its labels decide only its own owner; its addresses, pod
//   CIDRs and pool allocations feed only its own state.
// - CiliumBGPNodeConfigOverride: the node it is named after.
// - CiliumBGPClusterConfig, CiliumBGPPeerConfig, CiliumBGPAdvertisement, CiliumPodIPPool,
//   Service, EndpointSlice, RouterIDAllocation: all BGP nodes (a Service's VIP goes out from every
//   node; an endpoint moving decides eTP/iTP=Local on every node; the router IDs are every node's).
// - Secret: desired state holds only the reference to a Secret, never its existence or content,
//   so no node's state depends on it; still, the BGP nodes with a peer whose PeerConfig names
//   this Secret are listed, so a speaker can be told to reread a password.
// - Any other kind: none.

import type { ObjectRef, WorldView } from '../model/world.ts';
import { planNode } from '../cilium/instances.ts';
import { bgpNodes } from '../cilium/ownership.ts';

function nodesUsingSecret(world: WorldView, namespace: string | null | undefined, name: string): string[] {
  if ((namespace || 'default') !== world.settings.bgpSecretsNamespace) return [];
  return bgpNodes(world).filter((node) =>
    planNode(world, node).instances.some((i) => i.peers.some((p) => p.settings.authSecretRef === name)),
  );
}

/**
 * `bgp` gives the BGP nodes of `before` and `after`; a caller asking for many objects of one window
 * passes it computed once (it costs a selector match per node and ClusterConfig).
 */
export function affectedNodes(
  before: WorldView,
  after: WorldView,
  changed: ObjectRef,
  bgp: () => readonly string[] = () => [...bgpNodes(before), ...bgpNodes(after)],
): string[] {
  let nodes: readonly string[];
  switch (changed.kind) {
    case 'Node':
    case 'CiliumNode':
    case 'CiliumBGPNodeConfigOverride':
      nodes = [changed.name];
      break;
    case 'CiliumBGPClusterConfig':
    case 'CiliumBGPPeerConfig':
    case 'CiliumBGPAdvertisement':
    case 'CiliumPodIPPool':
    case 'Service':
    case 'EndpointSlice':
    case 'RouterIDAllocation':
      nodes = bgp();
      break;
    case 'Secret':
      nodes = [
        ...nodesUsingSecret(before, changed.namespace, changed.name),
        ...nodesUsingSecret(after, changed.namespace, changed.name),
      ];
      break;
    default:
      nodes = [];
  }
  return [...new Set(nodes)].sort();
}
