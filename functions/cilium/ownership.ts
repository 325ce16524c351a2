// Which ClusterConfig configures which node (docs/cilium-semantics.md NODE-1, OWN-1, OWN-2): the
// nodes are the Node and CiliumNode names, a node's labels its CiliumNode's when it has one, and
// of the configs whose nodeSelector matches, the first to claim the node owns it — oldest
// creationTimestamp first, configs without one after those with one, ties by name.

import { NIL_SELECTS, selectorMatches, type Labels } from '../model/label-selector.ts';
import type { ClusterConfig } from '../model/cluster-config.ts';
import type { WorldView } from '../model/world.ts';

const EMPTY_LABELS: Labels = {};

/** Every known node, sorted. */
export function knownNodes(world: WorldView): string[] {
  return [...new Set([...world.nodes.keys(), ...world.ciliumNodes.keys()])].sort();
}

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

export function claimOrder(world: WorldView): ClusterConfig[] {
  return [...world.clusterConfigs.values()].sort(compareClusterConfigs);
}

const selects = (world: WorldView, config: ClusterConfig, node: string) =>
  selectorMatches(config.nodeSelector, nodeLabels(world, node), NIL_SELECTS.all);

const isKnown = (world: WorldView, node: string) => world.nodes.has(node) || world.ciliumNodes.has(node);

/** The ClusterConfig that configures `node`, or null. */
export function ownerOf(world: WorldView, node: string, configs: readonly ClusterConfig[] = claimOrder(world)): ClusterConfig | null {
  if (!isKnown(world, node)) return null;
  return configs.find((config) => selects(world, config, node)) ?? null;
}

/** Nodes that some ClusterConfig configures, sorted. */
export function bgpNodes(world: WorldView): string[] {
  const configs = claimOrder(world);
  return configs.length === 0 ? [] : knownNodes(world).filter((node) => ownerOf(world, node, configs) !== null);
}

export interface Ownership {
  /** node → the ClusterConfig that configures it. */
  readonly owner: ReadonlyMap<string, ClusterConfig>;
  /** ClusterConfig name → every node its selector matches, owned or not (sorted). */
  readonly selected: ReadonlyMap<string, readonly string[]>;
  /** ClusterConfig name → the names of configs that own nodes it also selects (sorted). */
  readonly conflicts: ReadonlyMap<string, readonly string[]>;
}

/** Every config's nodes and conflicts, for the conditions. */
export function ownership(world: WorldView): Ownership {
  const nodes = knownNodes(world);
  const owner = new Map<string, ClusterConfig>();
  const selected = new Map<string, string[]>();
  const conflicts = new Map<string, Set<string>>();
  for (const config of claimOrder(world)) {
    const mine = nodes.filter((node) => selects(world, config, node));
    for (const node of mine) {
      const current = owner.get(node);
      if (current === undefined) owner.set(node, config);
      else conflicts.set(config.meta.name, (conflicts.get(config.meta.name) ?? new Set()).add(current.meta.name));
    }
    selected.set(config.meta.name, mine);
  }
  return { owner, selected, conflicts: new Map([...conflicts].map(([name, owners]) => [name, [...owners].sort()])) };
}
