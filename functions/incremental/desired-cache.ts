// The incremental road to computeDesiredNode (cilium/desired-node.ts) and the conditions, for the
// runner, which owns one DesiredCache per handler: the same documents, at the cost of what changed.
// Every cache lives in this object, none in a module; how they derive: docs/incremental.md.

import type { DesiredRouteChange } from '../../events/desired-delta.ts';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import { computeConditions, type Condition } from '../cilium/conditions.ts';
import { isRecordKind } from '../model/normalise.ts';
import { WORLD_FIELD, type WorldView } from '../model/world.ts';
import { nodeOverlay } from './node-overlay.ts';
import { SessionPlans, type NodeView, type SlotSpec } from './node-view.ts';
import { RoutePrinter } from './route-printer.ts';
import { EntryCandidatesCache } from './service-candidates.ts';
import { ServiceIndexes, type ServiceIndex } from './service-index.ts';
import { EMPTY_BASE, sharedBase, SortedGroups, type RouteCaches } from './shared-base.ts';
import { SlotContexts } from './slot-context.ts';
import { emptySlot, sortedSlotRoutes, type SlotView } from './slot-view.ts';
import { BaseChanges, diffViews } from './view-diff.ts';

export type { NodeView } from './node-view.ts';

/** Every part of the world the conditions read: the maps of the kinds with an invalid object too. */
function conditionInputs(world: WorldView): unknown[] {
  const kinds = new Set<string>();
  for (const inv of world.invalid.values()) if (isRecordKind(inv.kind)) kinds.add(WORLD_FIELD[inv.kind]);
  return [
    world.settings,
    world.clusterConfigs,
    world.peerConfigs,
    world.nodes,
    world.ciliumNodes,
    world.nodeConfigOverrides,
    world.secrets,
    world.routerIdAllocations,
    world.invalid,
    ...[...kinds].sort().map((field) => world[field as keyof WorldView]),
  ];
}

export class DesiredCache {
  readonly #plans = new SessionPlans();
  readonly #contexts = new SlotContexts();
  readonly #indexes = new ServiceIndexes();
  readonly #routes: RouteCaches = { candidates: new EntryCandidatesCache(), printer: new RoutePrinter() };
  readonly #sorted = new SortedGroups();
  readonly #baseChanges = new BaseChanges();
  #conditions: { readonly inputs: readonly unknown[]; readonly conditions: Condition[] } | null = null;

  /** The node's view in this world: materialised, it is computeDesiredNode(world, node). */
  view(world: WorldView, node: string): NodeView {
    const plan = this.#plans.of(world, node, this.#contexts);
    let index: ServiceIndex | null = null;
    const slots = plan.slots.map((spec) => this.#slot(world, node, spec, () => (index ??= this.#indexes.of(world))));
    return { node, sessions: plan.sessions, sessionsText: plan.sessionsText, slots };
  }

  /** A slot's routes in this world: the shared base of its entries plus the node's overlay. */
  #slot(world: WorldView, node: string, spec: SlotSpec, index: () => ServiceIndex): SlotView {
    const ctx = spec.context;
    if (ctx === null) return emptySlot(spec.slot);
    const idx = ctx.base.entries.length === 0 ? null : index();
    const base = idx === null ? EMPTY_BASE : sharedBase(idx, ctx.base, this.#routes);
    return { slot: spec.slot, base, overlay: nodeOverlay(world, node, ctx, idx, base, this.#routes) };
  }

  /**
   * The route changes that turn prev's routes into next's (two views of one node). Slots only in
   * prev withdraw all their routes, slots only in next add all theirs; each (slot, prefix) once.
   */
  diff(prev: NodeView, next: NodeView): DesiredRouteChange[] {
    return diffViews(prev, next, this.#baseChanges);
  }

  /** The whole document of a view: equal (deep, same order) to computeDesiredNode for its world. */
  document(view: NodeView): DesiredNodeState {
    let at = 0;
    const routes = () => sortedSlotRoutes(view.slots[at++] as SlotView, this.#sorted);
    return {
      node: view.node,
      instances: view.sessions.instances.map((inst) => ({
        ...inst,
        peers: inst.peers.map((peer) => ({ ...peer, families: peer.families.map((fam) => ({ ...fam, routes: routes() })) })),
      })),
    };
  }

  /**
   * computeConditions(world), the same array again while every map it reads is the same object: a
   * Service or EndpointSlice change costs a comparison of a dozen references, not a planNode per node.
   */
  conditions(world: WorldView): Condition[] {
    const inputs = conditionInputs(world);
    const last = this.#conditions;
    if (last !== null && last.inputs.length === inputs.length && last.inputs.every((x, i) => x === inputs[i])) return last.conditions;
    const conditions = computeConditions(world);
    this.#conditions = { inputs, conditions };
    return conditions;
  }
}
