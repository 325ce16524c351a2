// computeDesiredNode: the whole desired BGP state of one node, a pure function of the world view.
// Instances and peers come from planNode (instances.ts); each peer family then gets the routes of
// the advertisement entries its selector picks (advertisement-selection.ts), from the three route
// sources, merged per prefix (route-merge.ts).
//
// Families: only ipv4/unicast and ipv6/unicast are supported (D5); other AFI/SAFIs of a PeerConfig
// are left out of desired state. A family listed twice in a PeerConfig appears once, with the
// entries of both selectors.

import type { DesiredFamily, DesiredInstance, DesiredNodeState, DesiredPeer } from '../../events/desired-state.ts';
import type { AdvertisementEntry } from '../model/advertisement.ts';
import type { PeerSettings } from '../model/peer-config.ts';
import type { WorldView } from '../model/world.ts';
import { selectedEntries } from './advertisement-selection.ts';
import type { RouteCandidate, RouteContext } from './candidates.ts';
import { planNode, type PlannedInstance, type PlannedPeer } from './instances.ts';
import { podCIDRRoutes } from './pod-cidr-routes.ts';
import { podIPPoolRoutes } from './pod-ip-pool-routes.ts';
import { mergeRoutesOver } from './route-merge.ts';
import { nodeServiceRoutes, sharedServiceRoutes } from './service-routes.ts';

const SUPPORTED_FAMILIES = [
  { afi: 'ipv4', safi: 'unicast', family: 4 },
  { afi: 'ipv6', safi: 'unicast', family: 6 },
] as const;

// The node's own route candidates; the Service routes every node advertises are added by
// mergeRoutesOver from sharedServiceRoutes, merged once for all nodes.
const ROUTE_SOURCES: readonly ((ctx: RouteContext) => RouteCandidate[])[] = [
  podCIDRRoutes,
  nodeServiceRoutes,
  podIPPoolRoutes,
];

function familyRoutes(world: WorldView, node: string, settings: PeerSettings): DesiredFamily[] {
  const out: DesiredFamily[] = [];
  for (const supported of SUPPORTED_FAMILIES) {
    const listed = settings.families.filter((f) => f.afi === supported.afi && f.safi === supported.safi);
    if (listed.length === 0) continue;
    const entries: AdvertisementEntry[] = listed.flatMap((f) => selectedEntries(world, f.advertisements));
    const ctx: RouteContext = { world, node, family: supported.family, entries };
    if (entries.length === 0) {
      out.push({ afi: supported.afi, safi: supported.safi, routes: [] });
      continue;
    }
    const shared = sharedServiceRoutes(world, supported.family, entries);
    const own = ROUTE_SOURCES.flatMap((source) => source(ctx));
    out.push({ afi: supported.afi, safi: supported.safi, routes: mergeRoutesOver(shared, own) });
  }
  return out;
}

function desiredPeer(world: WorldView, node: string, peer: PlannedPeer): DesiredPeer {
  const s = peer.settings;
  return {
    name: peer.name,
    peerAddress: peer.peerAddress,
    peerASN: peer.peerASN,
    localAddress: peer.localAddress,
    config: {
      peerPort: s.peerPort,
      holdTimeSeconds: s.holdTimeSeconds,
      keepAliveTimeSeconds: s.keepAliveTimeSeconds,
      connectRetryTimeSeconds: s.connectRetryTimeSeconds,
      ebgpMultihop: s.ebgpMultihop,
      gracefulRestart: { enabled: s.gracefulRestart.enabled, restartTimeSeconds: s.gracefulRestart.restartTimeSeconds },
      authSecretRef:
        s.authSecretRef === null ? null : { namespace: world.settings.bgpSecretsNamespace, name: s.authSecretRef },
    },
    families: familyRoutes(world, node, s),
  };
}

function desiredInstance(world: WorldView, node: string, inst: PlannedInstance): DesiredInstance {
  return {
    name: inst.name,
    localASN: inst.localASN,
    routerID: inst.routerID,
    localPort: inst.localPort,
    peers: inst.peers.map((p) => desiredPeer(world, node, p)),
  };
}

export function computeDesiredNode(world: WorldView, node: string): DesiredNodeState {
  const plan = planNode(world, node);
  return { node, instances: plan.instances.map((inst) => desiredInstance(world, node, inst)) };
}
