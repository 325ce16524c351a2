// A node's desired state as a view: its sessions plan (the document with empty route lists, and the
// context of each slot), kept per node while the node's records and the BGP objects are the same,
// and per slot a shared base with the node's overlay on top (docs/incremental.md).

import type { RouteSlot } from '../../events/desired-delta.ts';
import type { DesiredFamily, DesiredInstance, DesiredNodeState } from '../../events/desired-state.ts';
import { desiredFamily, desiredPeer, peerFamilies } from '../cilium/desired-node.ts';
import { planNode } from '../cilium/instances.ts';
import type { WorldView } from '../model/world.ts';
import type { SlotContext, SlotContexts } from './slot-context.ts';
import type { SlotView } from './slot-view.ts';

export interface NodeView {
  readonly node: string;
  /** The document with every family's routes empty: sessionsOf(computeDesiredNode(world, node)). */
  readonly sessions: DesiredNodeState;
  /** JSON.stringify(sessions): equal texts mean equal sessions. */
  readonly sessionsText: string;
  /** One per (instance, peer, family) of `sessions`, in document order. */
  readonly slots: readonly SlotView[];
}

/** A slot of the plan: its context (family, settings, the entries it gets), null when it gets none. */
export interface SlotSpec {
  readonly slot: RouteSlot;
  readonly context: SlotContext | null;
}

export interface SessionsPlan {
  readonly inputs: readonly unknown[];
  readonly sessions: DesiredNodeState;
  readonly sessionsText: string;
  readonly slots: readonly SlotSpec[];
}

const NO_ROUTES: DesiredFamily['routes'] = Object.freeze([]);

/** Everything a node's plan reads besides the ClusterConfigs (which key the plans). */
function planInputs(world: WorldView, node: string): unknown[] {
  return [
    world.settings,
    world.nodes.get(node),
    world.ciliumNodes.get(node),
    world.nodeConfigOverrides.get(node),
    world.peerConfigs,
    world.advertisements,
    world.routerIdAllocations,
  ];
}

const sameInputs = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function buildPlan(world: WorldView, node: string, inputs: unknown[], contexts: SlotContexts): SessionsPlan {
  const slots: SlotSpec[] = [];
  const instances: DesiredInstance[] = planNode(world, node).instances.map((inst) => ({
    name: inst.name,
    localASN: inst.localASN,
    routerID: inst.routerID,
    localPort: inst.localPort,
    peers: inst.peers.map((peer) => {
      const families = peerFamilies(world, peer).map((f) => {
        const context = f.entries.length === 0 ? null : contexts.of(f.family, world.settings, f.entries);
        slots.push({ slot: { instance: inst.name, peer: peer.name, afi: f.afi }, context });
        return desiredFamily(f, NO_ROUTES);
      });
      return desiredPeer(world, peer, families);
    }),
  }));
  const sessions: DesiredNodeState = { node, instances };
  return { inputs, sessions, sessionsText: JSON.stringify(sessions), slots };
}

/** The sessions plan of each node, kept while its inputs are the same objects. */
export class SessionPlans {
  // ClusterConfigs map → node → plan; weak, so a replaced ClusterConfigs map drops its plans.
  readonly #plans = new WeakMap<object, Map<string, SessionsPlan>>();

  of(world: WorldView, node: string, contexts: SlotContexts): SessionsPlan {
    let byNode = this.#plans.get(world.clusterConfigs);
    if (byNode === undefined) this.#plans.set(world.clusterConfigs, (byNode = new Map()));
    const inputs = planInputs(world, node);
    const kept = byNode.get(node);
    if (kept !== undefined && sameInputs(kept.inputs, inputs)) return kept;
    const plan = buildPlan(world, node, inputs, contexts);
    byNode.set(node, plan);
    return plan;
  }
}
