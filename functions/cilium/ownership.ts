// Which ClusterConfig configures which node (reference §2, O3–O4).
//
// Decisions where the reference is silent:
// - The nodes are the union of Node and CiliumNode names. A node's labels are its CiliumNode's
//   labels when a CiliumNode exists (what the operator matches, O3), else its Node's labels (a
//   cluster without Cilium objects, such as the seed example applied from files).
// - First owner wins (O4). Cilium's "first" is whichever ClusterConfig happened to create the
//   node's NodeConfig first, a fact of history that a pure function of the world cannot see. Here
//   "first" is deterministic: the oldest metadata.creationTimestamp wins; configs without a
//   (parseable) timestamp come after all that have one; ties are broken by name (ascending). In a
//   real cluster this matches Cilium in the common case, where the older config claimed the node.
// Results are memoised on the three maps they depend on (worlds are immutable, and a derived world
// keeps the maps it did not change), so a Service or EndpointSlice change does not recompute them.

import { NIL_SELECTS, selectorMatches, type Labels } from '../model/label-selector.ts';
import type { ClusterConfig } from '../model/cluster-config.ts';
import type { WorldView } from '../model/world.ts';

export interface Ownership {
  /** Every known node, sorted. */
  readonly nodes: readonly string[];
  /** node → the ClusterConfig that configures it. */
  readonly owner: ReadonlyMap<string, ClusterConfig>;
  /** ClusterConfig name → every node its selector matches, owned or not (sorted). */
  readonly selected: ReadonlyMap<string, readonly string[]>;
  /** ClusterConfig name → the names of configs that own nodes it also selects (sorted). */
  readonly conflicts: ReadonlyMap<string, readonly string[]>;
}

const EMPTY_LABELS: Labels = {};

export function nodeLabels(world: WorldView, node: string): Labels {
  return world.ciliumNodes.get(node)?.meta.labels ?? world.nodes.get(node)?.meta.labels ?? EMPTY_LABELS;
}

function timestamp(config: ClusterConfig): number | null {
  const text = config.meta.creationTimestamp;
  if (text === null) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** Claim order: oldest creationTimestamp first, missing timestamps last, then by name. */
export function compareClusterConfigs(a: ClusterConfig, b: ClusterConfig): number {
  const ta = timestamp(a);
  const tb = timestamp(b);
  if (ta !== tb) {
    if (ta === null) return 1;
    if (tb === null) return -1;
    return ta - tb;
  }
  return a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0;
}

function computeOwnership(world: WorldView): Ownership {
  const nodes = [...new Set([...world.nodes.keys(), ...world.ciliumNodes.keys()])].sort();
  const configs = [...world.clusterConfigs.values()].sort(compareClusterConfigs);
  const owner = new Map<string, ClusterConfig>();
  const selected = new Map<string, string[]>();
  const conflicts = new Map<string, Set<string>>();
  for (const config of configs) {
    const mine: string[] = [];
    for (const node of nodes) {
      if (!selectorMatches(config.nodeSelector, nodeLabels(world, node), NIL_SELECTS.all)) continue;
      mine.push(node);
      const current = owner.get(node);
      if (current === undefined) {
        owner.set(node, config);
      } else {
        const set = conflicts.get(config.meta.name) ?? new Set<string>();
        set.add(current.meta.name);
        conflicts.set(config.meta.name, set);
      }
    }
    selected.set(config.meta.name, mine);
  }
  const sortedConflicts = new Map([...conflicts].map(([name, owners]) => [name, [...owners].sort()] as const));
  return { nodes, owner, selected, conflicts: sortedConflicts };
}

// clusterConfigs → nodes → ciliumNodes → result; weak, so a replaced map takes its entries with it.
const cache = new WeakMap<object, WeakMap<object, WeakMap<object, Ownership>>>();

export function ownership(world: WorldView): Ownership {
  let byNodes = cache.get(world.clusterConfigs);
  if (byNodes === undefined) cache.set(world.clusterConfigs, (byNodes = new WeakMap()));
  let byCilium = byNodes.get(world.nodes);
  if (byCilium === undefined) byNodes.set(world.nodes, (byCilium = new WeakMap()));
  let result = byCilium.get(world.ciliumNodes);
  if (result === undefined) byCilium.set(world.ciliumNodes, (result = computeOwnership(world)));
  return result;
}

export function ownerOf(world: WorldView, node: string): ClusterConfig | null {
  return ownership(world).owner.get(node) ?? null;
}

/** Nodes that some ClusterConfig configures, sorted. */
export function bgpNodes(world: WorldView): string[] {
  return [...ownership(world).owner.keys()].sort();
}
