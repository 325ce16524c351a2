// Which desired documents a set of changes may have made stale: the nodes to recompute, and
// whether to recompute the conditions. Over-approximation costs a recomputation (and no write,
// since an unchanged document is not rewritten); a miss loses an update.
//
// The changes come as a window: the world before, the world after, and the objects that changed
// in between. The window may hide intermediate versions: an object changed twice shows only its
// latest version, and another instance may have computed desired state from the hidden one. So
// the rule may not depend on what a changed object held, only on which objects changed:
// - every changed object: affectedNodes(start, end, it) — a Node, CiliumNode or override names its
//   own node; the other BGP kinds name the BGP nodes of start and end. BGP membership depends only
//   on ClusterConfigs and node labels, and a node whose labels changed is itself in the window, so
//   start and end bound every intermediate world while no ClusterConfig changed;
// - a ClusterConfig changed: it may have selected, in a hidden version, any node at all, so every
//   node of start and end (a node that existed only in between changed, so it is listed anyway);
// - conditions: any change at all (an InvalidObject condition can come from any kind, even from
//   a hidden invalid version of a Service);
// - `everything` (a reload, a sync marker): every node of start and end, and the conditions.

import { bgpNodes } from '../cilium/ownership.ts';
import { affectedNodes } from './affected-nodes.ts';
import type { ObjectRef, WorldView } from '../model/world.ts';

export interface Dirty {
  readonly nodes: ReadonlySet<string>;
  readonly conditions: boolean;
}

export const NOTHING_DIRTY: Dirty = { nodes: new Set(), conditions: false };

/** Every node a world knows of: Nodes, CiliumNodes, and nodes named by an override. */
export function allNodes(world: WorldView): string[] {
  return [...world.nodes.keys(), ...world.ciliumNodes.keys(), ...world.nodeConfigOverrides.keys()];
}

export function dirtyTargets(
  start: WorldView,
  end: WorldView,
  refs: readonly ObjectRef[],
  everything = false,
  dirtiedBy = nodesDirtiedBy(start, end),
): Dirty {
  const nodes = new Set<string>();
  for (const ref of refs) for (const node of dirtiedBy(ref)) nodes.add(node);
  if (everything) for (const node of dirtiedBy(null)) nodes.add(node);
  return { nodes, conditions: everything || refs.length > 0 };
}

/**
 * The rule above one change at a time, for a window: the nodes a change of `ref` may have made
 * stale, or (null) those a reload or sync marker may have — every node of start and end. The BGP
 * nodes of the window are computed once, on first need, and each object's nodes once.
 */
export function nodesDirtiedBy(start: WorldView, end: WorldView): (ref: ObjectRef | null) => readonly string[] {
  let bgp: readonly string[] | null = null;
  let every: readonly string[] | null = null;
  const bgpOfWindow = () => (bgp ??= [...new Set([...bgpNodes(start), ...bgpNodes(end)])]);
  const everyNode = () => (every ??= [...new Set([...allNodes(start), ...allNodes(end)])]);
  const byRef = new Map<string, readonly string[]>();
  return (ref) => {
    if (ref === null || ref.kind === 'CiliumBGPClusterConfig') return everyNode();
    const id = `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
    let nodes = byRef.get(id);
    if (nodes === undefined) byRef.set(id, (nodes = affectedNodes(start, end, ref, bgpOfWindow)));
    return nodes;
  };
}

export function mergeDirty(...all: readonly Dirty[]): Dirty {
  const nodes = new Set<string>();
  for (const d of all) for (const n of d.nodes) nodes.add(n);
  return { nodes, conditions: all.some((d) => d.conditions) };
}
