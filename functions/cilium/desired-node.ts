// Which node advertises what, to whom: the whole desired BGP state of one node, computed from
// scratch as a pure function of the world (docs/cilium-semantics.md). Read top-down:
//   1. the node's owner and its instances and peers, merged with the node's override (planNode,
//      instances.ts, after ownership.ts), each peer with its PeerConfig's settings
//      (peer-settings.ts);
//   2. per peer, the supported families its PeerConfig lists, each with the advertisement entries
//      the family's selector picks (advertisement-selection.ts); Interface entries go into the
//      document as they are, for the speaker to resolve on the node (ADV-7);
//   3. per family, every route candidate of those entries — the node's pod CIDRs
//      (pod-cidr-routes.ts), its pod IP pool allocations (pod-ip-pool-routes.ts) and Service
//      addresses (service-facts.ts, service-routes.ts) — merged per prefix (route-merge.ts).
// The functions' runner reaches the same result incrementally (functions/incremental/, held to this
// function by differential tests); this is the definition.

import type { DesiredFamily, DesiredInterfaceAdvertisement, DesiredNodeState, DesiredPeer } from '../../events/desired-state.ts';
import { formatLargeSet, formatStandardSet } from '../../events/communities.ts';
import type { IpFamily } from '../../events/ip.ts';
import type { AdvertisementEntry } from '../model/advertisement.ts';
import type { WorldView } from '../model/world.ts';
import { selectedEntries } from './advertisement-selection.ts';
import { planNode, type PlannedPeer } from './instances.ts';
import { podCIDRRoutes } from './pod-cidr-routes.ts';
import { podIPPoolRoutes } from './pod-ip-pool-routes.ts';
import { mergeRoutes } from './route-merge.ts';
import { worldServiceFacts, type ServiceFacts } from './service-facts.ts';
import { serviceRoutes } from './service-routes.ts';

/** The families bgpcast supports (PEER-2), in document order. */
export const SUPPORTED_FAMILIES = [
  { afi: 'ipv4', safi: 'unicast', family: 4 },
  { afi: 'ipv6', safi: 'unicast', family: 6 },
] as const;

export interface PeerFamilyPlan {
  readonly afi: DesiredFamily['afi'];
  readonly safi: DesiredFamily['safi'];
  readonly family: IpFamily;
  /** The entries the family's selectors pick (ADV-1); a family listed twice gets both lists. */
  readonly entries: readonly AdvertisementEntry[];
}

/** A peer's supported families (PEER-2) and the advertisement entries each one gets. */
export function peerFamilies(world: WorldView, peer: PlannedPeer): PeerFamilyPlan[] {
  const out: PeerFamilyPlan[] = [];
  for (const { afi, safi, family } of SUPPORTED_FAMILIES) {
    const listed = peer.settings.families.filter((f) => f.afi === afi && f.safi === safi);
    if (listed.length === 0) continue;
    out.push({ afi, safi, family, entries: listed.flatMap((f) => selectedEntries(world, f.advertisements)) });
  }
  return out;
}

const cmpText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The Interface advertisements among a family's entries (ADV-7), each distinct one once, sorted;
 * undefined when there are none, so documents without them keep their shape.
 */
export function interfaceAdvertisements(entries: readonly AdvertisementEntry[]): DesiredInterfaceAdvertisement[] | undefined {
  const byText = new Map<string, DesiredInterfaceAdvertisement>();
  for (const e of entries) {
    if (e.interface === null) continue;
    const a: DesiredInterfaceAdvertisement = {
      interface: e.interface,
      communities: formatStandardSet(e.attributes.communities),
      largeCommunities: formatLargeSet(e.attributes.largeCommunities),
      localPreference: e.attributes.localPreference,
    };
    byText.set(JSON.stringify(a), a);
  }
  if (byText.size === 0) return undefined;
  return [...byText].sort(([a], [b]) => cmpText(a, b)).map(([, a]) => a);
}

/** A family of the document with `routes`, and its Interface advertisements when it has some. */
export function desiredFamily(plan: PeerFamilyPlan, routes: DesiredFamily['routes']): DesiredFamily {
  const interfaces = interfaceAdvertisements(plan.entries);
  return interfaces === undefined ? { afi: plan.afi, safi: plan.safi, routes } : { afi: plan.afi, safi: plan.safi, routes, interfaces };
}

/** A peer of the document: its session settings, and `families` as given. */
export function desiredPeer(world: WorldView, peer: PlannedPeer, families: DesiredFamily[]): DesiredPeer {
  const s = peer.settings;
  return {
    name: peer.name,
    peerAddress: peer.peerAddress,
    ...(peer.autoDiscovery === null ? {} : { autoDiscovery: peer.autoDiscovery }),
    peerASN: peer.peerASN,
    localAddress: peer.localAddress,
    config: {
      peerPort: s.peerPort,
      holdTimeSeconds: s.holdTimeSeconds,
      keepAliveTimeSeconds: s.keepAliveTimeSeconds,
      connectRetryTimeSeconds: s.connectRetryTimeSeconds,
      ebgpMultihop: s.ebgpMultihop,
      gracefulRestart: { enabled: s.gracefulRestart.enabled, restartTimeSeconds: s.gracefulRestart.restartTimeSeconds },
      // PEER-3: only the reference, into the secrets namespace; never the password.
      authSecretRef: s.authSecretRef === null ? null : { namespace: world.settings.bgpSecretsNamespace, name: s.authSecretRef },
      gtsm: s.gtsm,
      maxPrefixes: s.maxPrefixes,
      nextHop: { ipv4: s.nextHop.ipv4, ipv6: s.nextHop.ipv6, nodeIPv4: peer.node.ipv4, nodeIPv6: peer.node.ipv6 },
    },
    families,
  };
}

export function computeDesiredNode(world: WorldView, node: string): DesiredNodeState {
  let services: ServiceFacts[] | null = null;
  const routes = (plan: PeerFamilyPlan) => {
    const ctx = { world, node, family: plan.family, entries: plan.entries };
    services ??= worldServiceFacts(world);
    return mergeRoutes([...podCIDRRoutes(ctx), ...podIPPoolRoutes(ctx), ...serviceRoutes(services, ctx)]);
  };
  return {
    node,
    instances: planNode(world, node).instances.map((inst) => ({
      name: inst.name,
      localASN: inst.localASN,
      routerID: inst.routerID,
      localPort: inst.localPort,
      peers: inst.peers.map((peer) =>
        desiredPeer(world, peer, peerFamilies(world, peer).map((f) => desiredFamily(f, routes(f)))),
      ),
    })),
  };
}
