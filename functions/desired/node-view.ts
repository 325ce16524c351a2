// A node's desired state as a view: the sessions part of its document (instances, peers and
// families with empty route lists) and, per slot, the routes as a shared base plus the node's own
// overlay (slot-view.ts). Building a view costs O(instances + peers) plus whatever the caches it
// reads have to catch up on, which after a Service or EndpointSlice change is O(what changed):
// the Service index, entry candidates and shared bases are derived from their predecessors
// (service-index.ts, service-candidates.ts, shared-base.ts) and unchanged overlays are kept
// (node-overlay.ts). diffViews (view-diff.ts) then finds the route changes between two views in
// O(changes), and materialiseView prints the whole document when one is needed.
//
// Views are immutable: nothing computed for a later world changes what an earlier view returns.
// A view pins its own bases and overlays, not their ancestors (lineage.ts).
//
// Families: only ipv4/unicast and ipv6/unicast are supported (D5); other AFI/SAFIs of a PeerConfig
// are left out of desired state. A family listed twice in a PeerConfig appears once, with the
// entries of both selectors.

import type { RouteSlot } from '../../events/desired-delta.ts';
import type { DesiredFamily, DesiredInstance, DesiredNodeState, DesiredPeer } from '../../events/desired-state.ts';
import type { AdvertisementEntry } from '../model/advertisement.ts';
import type { WorldView } from '../model/world.ts';
import { selectedEntries } from './advertisement-selection.ts';
import { planNode, type PlannedPeer } from './instances.ts';
import { nodeOverlay } from './node-overlay.ts';
import { serviceIndex, type ServiceIndex } from './service-index.ts';
import { EMPTY_BASE, sharedBase } from './shared-base.ts';
import { slotContext } from './slot-context.ts';
import { emptySlot, sortedSlotRoutes, type SlotView } from './slot-view.ts';

export { diffViews } from './view-diff.ts';
export { slotRoutes, slotSize, type SlotView } from './slot-view.ts';

export interface NodeView {
  readonly node: string;
  /** The document with every family's routes empty: sessionsOf(computeDesiredNode(world, node)). */
  readonly sessions: DesiredNodeState;
  /** JSON.stringify(sessions): equal texts mean equal sessions. */
  readonly sessionsText: string;
  /** One per (instance, peer, family) of `sessions`, in document order. */
  readonly slots: readonly SlotView[];
}

const SUPPORTED_FAMILIES = [
  { afi: 'ipv4', safi: 'unicast', family: 4 },
  { afi: 'ipv6', safi: 'unicast', family: 6 },
] as const;

const NO_ROUTES: DesiredFamily['routes'] = Object.freeze([]);

/** Builds a view's sessions and slots together, so the two stay in the same order. */
class ViewBuilder {
  readonly slots: SlotView[] = [];
  private readonly world: WorldView;
  private readonly node: string;
  private index: ServiceIndex | null = null;

  constructor(world: WorldView, node: string) {
    this.world = world;
    this.node = node;
  }

  private serviceIndex(): ServiceIndex {
    return (this.index ??= serviceIndex(this.world));
  }

  slot(slot: RouteSlot, family: 4 | 6, entries: readonly AdvertisementEntry[]): SlotView {
    if (entries.length === 0) return emptySlot(slot);
    const ctx = slotContext(family, this.world.settings, entries);
    const index = ctx.base.entries.length === 0 ? null : this.serviceIndex();
    const base = index === null ? EMPTY_BASE : sharedBase(index, ctx.base);
    return { slot, base, overlay: nodeOverlay(this.world, this.node, ctx, index, base) };
  }

  families(instance: string, peer: PlannedPeer): DesiredFamily[] {
    const out: DesiredFamily[] = [];
    for (const supported of SUPPORTED_FAMILIES) {
      const listed = peer.settings.families.filter((f) => f.afi === supported.afi && f.safi === supported.safi);
      if (listed.length === 0) continue;
      const entries = listed.flatMap((f) => selectedEntries(this.world, f.advertisements));
      this.slots.push(this.slot({ instance, peer: peer.name, afi: supported.afi }, supported.family, entries));
      out.push({ afi: supported.afi, safi: supported.safi, routes: NO_ROUTES });
    }
    return out;
  }

  peer(instance: string, peer: PlannedPeer): DesiredPeer {
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
          s.authSecretRef === null ? null : { namespace: this.world.settings.bgpSecretsNamespace, name: s.authSecretRef },
      },
      families: this.families(instance, peer),
    };
  }
}

export function computeNodeView(world: WorldView, node: string): NodeView {
  const builder = new ViewBuilder(world, node);
  const instances: DesiredInstance[] = planNode(world, node).instances.map((inst) => ({
    name: inst.name,
    localASN: inst.localASN,
    routerID: inst.routerID,
    localPort: inst.localPort,
    peers: inst.peers.map((p) => builder.peer(inst.name, p)),
  }));
  const sessions: DesiredNodeState = { node, instances };
  return { node, sessions, sessionsText: JSON.stringify(sessions), slots: builder.slots };
}

/** The whole document: equal (deep, same order) to what computeDesiredNode gives for the view's world. */
export function materialiseView(view: NodeView): DesiredNodeState {
  let at = 0;
  const routes = () => sortedSlotRoutes(view.slots[at++] as SlotView);
  return {
    node: view.node,
    instances: view.sessions.instances.map((inst) => ({
      ...inst,
      peers: inst.peers.map((peer) => ({
        ...peer,
        families: peer.families.map((fam) => ({ ...fam, routes: routes() })),
      })),
    })),
  };
}
