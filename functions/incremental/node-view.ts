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
import type { WorldView } from '../model/world.ts';
import { selectedEntries } from '../cilium/advertisement-selection.ts';
import { planNode, type PlannedPeer } from '../cilium/instances.ts';
import { nodeOverlay } from './node-overlay.ts';
import { serviceIndex, type ServiceIndex } from './service-index.ts';
import { EMPTY_BASE, sharedBase } from './shared-base.ts';
import { slotContext, type SlotContext } from './slot-context.ts';
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

/** A slot of the plan: its context (family, settings, the entries it gets), null when it gets none. */
interface SlotSpec {
  readonly slot: RouteSlot;
  readonly context: SlotContext | null;
}

/**
 * What of a node's view does not depend on Services or EndpointSlices: the sessions part and the
 * entries of each slot. It is a function of `inputs` (the node's own records and the BGP objects)
 * and of the ClusterConfigs, so it is kept per node and reused while those are the same objects:
 * a Service change then costs each node its slots only (bases and overlays, cached in turn), not
 * planNode and a JSON print per node.
 */
interface SessionsPlan {
  readonly inputs: readonly unknown[];
  readonly sessions: DesiredNodeState;
  readonly sessionsText: string;
  readonly slots: readonly SlotSpec[];
}

// ClusterConfigs map → node → plan; weak, so a replaced ClusterConfigs map drops its plans.
const plans = new WeakMap<object, Map<string, SessionsPlan>>();

function planInputs(world: WorldView, node: string): unknown[] {
  return [
    world.settings,
    world.nodes.get(node),
    world.ciliumNodes.get(node),
    world.nodeConfigOverrides.get(node),
    world.peerConfigs,
    world.advertisements,
  ];
}

const sameInputs = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function sessionsPlan(world: WorldView, node: string): SessionsPlan {
  let byNode = plans.get(world.clusterConfigs);
  if (byNode === undefined) plans.set(world.clusterConfigs, (byNode = new Map()));
  const inputs = planInputs(world, node);
  const kept = byNode.get(node);
  if (kept !== undefined && sameInputs(kept.inputs, inputs)) return kept;
  const planner = new Planner(world);
  const instances: DesiredInstance[] = planNode(world, node).instances.map((inst) => ({
    name: inst.name,
    localASN: inst.localASN,
    routerID: inst.routerID,
    localPort: inst.localPort,
    peers: inst.peers.map((p) => planner.peer(inst.name, p)),
  }));
  const sessions: DesiredNodeState = { node, instances };
  const plan: SessionsPlan = { inputs, sessions, sessionsText: JSON.stringify(sessions), slots: planner.slots };
  byNode.set(node, plan);
  return plan;
}

/** Builds the sessions and the slot specs together, so the two stay in the same order. */
class Planner {
  readonly slots: SlotSpec[] = [];
  private readonly world: WorldView;

  constructor(world: WorldView) {
    this.world = world;
  }

  families(instance: string, peer: PlannedPeer): DesiredFamily[] {
    const out: DesiredFamily[] = [];
    for (const supported of SUPPORTED_FAMILIES) {
      const listed = peer.settings.families.filter((f) => f.afi === supported.afi && f.safi === supported.safi);
      if (listed.length === 0) continue;
      const entries = listed.flatMap((f) => selectedEntries(this.world, f.advertisements));
      const context = entries.length === 0 ? null : slotContext(supported.family, this.world.settings, entries);
      this.slots.push({ slot: { instance, peer: peer.name, afi: supported.afi }, context });
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

/** A slot's routes in this world: the shared base of its entries plus the node's overlay. */
function slotView(world: WorldView, node: string, spec: SlotSpec, index: () => ServiceIndex): SlotView {
  const ctx = spec.context;
  if (ctx === null) return emptySlot(spec.slot);
  const idx = ctx.base.entries.length === 0 ? null : index();
  const base = idx === null ? EMPTY_BASE : sharedBase(idx, ctx.base);
  return { slot: spec.slot, base, overlay: nodeOverlay(world, node, ctx, idx, base) };
}

export function computeNodeView(world: WorldView, node: string): NodeView {
  const plan = sessionsPlan(world, node);
  let index: ServiceIndex | null = null;
  const slots = plan.slots.map((spec) => slotView(world, node, spec, () => (index ??= serviceIndex(world))));
  return { node, sessions: plan.sessions, sessionsText: plan.sessionsText, slots };
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
