// The route candidates of one advertisement entry and family over all Services (the rule:
// cilium/service-routes.ts), per Service index, derived from the nearest ancestor index's by the
// changed Services; unaffected candidates keep their identity (docs/incremental.md).

import type { IpFamily } from '../../events/ip.ts';
import type { RouteCandidate } from '../cilium/candidates.ts';
import { serviceCandidates, type ServiceCandidates, type ServiceRouteSettings } from '../cilium/service-routes.ts';
import type { AdvertisementEntry } from '../model/advertisement.ts';
import { LayeredMap } from './layered-map.ts';
import { nearestAncestor } from './lineage.ts';
import type { ServiceIndex } from './service-index.ts';

export interface EntryCandidates {
  /** By Service key, only Services with at least one candidate. */
  readonly byService: LayeredMap<string, ServiceCandidates>;
  /** Node → (Service key → the Local-policy candidates that node advertises). */
  readonly localByNode: ReadonlyMap<string, ReadonlyMap<string, readonly RouteCandidate[]>>;
}

/** Family and the two settings the candidates read, as one small number. */
export function settingsSlot(family: IpFamily, settings: ServiceRouteSettings): number {
  return family * 4 + (settings.enableNoServiceEndpointsRoutable ? 2 : 0) + (settings.legacyOriginAttribute ? 1 : 0);
}

function build(index: ServiceIndex, entry: AdvertisementEntry, family: IpFamily, settings: ServiceRouteSettings): EntryCandidates {
  const byService = new Map<string, ServiceCandidates>();
  const localByNode = new Map<string, Map<string, readonly RouteCandidate[]>>();
  for (const [key, facts] of index.facts) {
    const found = serviceCandidates(facts, entry, family, settings);
    if (found === null) continue;
    byService.set(key, found);
    if (found.local.length === 0) continue;
    for (const node of found.onlyFrom) {
      let inner = localByNode.get(node);
      if (inner === undefined) localByNode.set(node, (inner = new Map()));
      inner.set(key, found.local);
    }
  }
  return { byService: LayeredMap.of(byService), localByNode };
}

const sameCandidates = (a: readonly RouteCandidate[], b: readonly RouteCandidate[]): boolean =>
  a.length === b.length &&
  a.every((c, i) => {
    const d = b[i] as RouteCandidate;
    return c.text === d.text && c.attributes === d.attributes && c.origin === d.origin;
  });

const sameNodes = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((n) => b.has(n));

/** The new candidates, or the old ones when they say the same (so references stay equal). */
function keepEqual(old: ServiceCandidates | undefined, found: ServiceCandidates | null): ServiceCandidates | undefined {
  if (found === null) return undefined;
  if (old === undefined) return found;
  const everyNode = sameCandidates(old.everyNode, found.everyNode) ? old.everyNode : found.everyNode;
  const local = sameCandidates(old.local, found.local) ? old.local : found.local;
  const onlyFrom = sameNodes(old.onlyFrom, found.onlyFrom) ? old.onlyFrom : found.onlyFrom;
  if (everyNode === old.everyNode && local === old.local && onlyFrom === old.onlyFrom) return old;
  return { everyNode, local, onlyFrom };
}

function derive(
  from: EntryCandidates,
  index: ServiceIndex,
  changed: ReadonlySet<string>,
  entry: AdvertisementEntry,
  family: IpFamily,
  settings: ServiceRouteSettings,
): EntryCandidates {
  const updates = new Map<string, ServiceCandidates | undefined>();
  let localByNode: Map<string, ReadonlyMap<string, readonly RouteCandidate[]>> | undefined;
  const copiedNodes = new Set<string>();
  const nodeMap = (node: string): Map<string, readonly RouteCandidate[]> => {
    localByNode ??= new Map(from.localByNode);
    let inner = localByNode.get(node) as Map<string, readonly RouteCandidate[]> | undefined;
    if (!copiedNodes.has(node)) {
      inner = new Map(inner);
      localByNode.set(node, inner);
      copiedNodes.add(node);
    }
    return inner as Map<string, readonly RouteCandidate[]>;
  };
  for (const key of changed) {
    const old = from.byService.get(key);
    const facts = index.facts.get(key);
    const now = keepEqual(old, facts === undefined ? null : serviceCandidates(facts, entry, family, settings));
    if (now === old) continue;
    updates.set(key, now);
    const sameLocal = old !== undefined && now !== undefined && old.local === now.local && old.onlyFrom === now.onlyFrom;
    if (sameLocal) continue;
    if (old !== undefined) for (const node of old.onlyFrom) nodeMap(node).delete(key);
    if (now !== undefined && now.local.length > 0) for (const node of now.onlyFrom) nodeMap(node).set(key, now.local);
  }
  if (updates.size === 0) return from;
  if (localByNode !== undefined) {
    // An empty inner map and no map read the same; dropping it keeps "no Local routes" one value.
    for (const node of copiedNodes) if (localByNode.get(node)?.size === 0) localByNode.delete(node);
  }
  return { byService: from.byService.with(updates), localByNode: localByNode ?? from.localByNode };
}

export class EntryCandidatesCache {
  readonly #cache = new WeakMap<ServiceIndex, WeakMap<AdvertisementEntry, EntryCandidates[]>>();

  /** The candidates of `entry` in `family` over every Service of the index. */
  of(index: ServiceIndex, entry: AdvertisementEntry, family: IpFamily, settings: ServiceRouteSettings): EntryCandidates {
    const slot = settingsSlot(family, settings);
    let result = this.cached(index, entry, slot);
    if (result !== undefined) return result;
    const near = nearestAncestor(index, (a) => this.cached(a, entry, slot));
    result = near === null ? build(index, entry, family, settings) : derive(near.found, index, near.changed, entry, family, settings);
    this.#remember(index, entry, slot, result);
    return result;
  }

  /** The cached candidates, without computing anything. */
  cached(index: ServiceIndex, entry: AdvertisementEntry, slot: number): EntryCandidates | undefined {
    return this.#cache.get(index)?.get(entry)?.[slot];
  }

  #remember(index: ServiceIndex, entry: AdvertisementEntry, slot: number, value: EntryCandidates): void {
    let perIndex = this.#cache.get(index);
    if (perIndex === undefined) this.#cache.set(index, (perIndex = new WeakMap()));
    let perEntry = perIndex.get(entry);
    if (perEntry === undefined) perIndex.set(entry, (perEntry = []));
    perEntry[slot] = value;
  }
}
