// The routes every node selecting one sequence of Service entries advertises, merged per prefix
// once for all of them, per Service index; derived from the nearest ancestor index's base by the
// prefixes the changed Services touched (docs/incremental.md).

import type { DesiredRoute } from '../../events/desired-state.ts';
import type { AdvertisementEntry } from '../model/advertisement.ts';
import { comparePrefixes, type IpFamily, type IpPrefix } from '../../events/ip.ts';
import type { RouteCandidate } from '../cilium/candidates.ts';
import { LayeredMap } from './layered-map.ts';
import { descend, nearestAncestor, nextId, type Lineaged } from './lineage.ts';
import { sameRoute } from '../../events/desired-state.ts';
import type { RoutePrinter } from './route-printer.ts';
import type { EntryCandidates, EntryCandidatesCache } from './service-candidates.ts';
import type { ServiceIndex } from './service-index.ts';
import type { ServiceRouteSettings } from '../cilium/service-routes.ts';

export interface BaseGroup {
  readonly prefix: IpPrefix;
  /** Every candidate for this prefix that every node has (any order). */
  readonly candidates: readonly RouteCandidate[];
  readonly route: DesiredRoute;
}

export interface SharedBase extends Lineaged<SharedBase> {
  /** By prefix text (layered: derived in O(changes), layered-map.ts). */
  readonly groups: LayeredMap<string, BaseGroup>;
}

/** The caches the routes of a slot are built from, held by the DesiredCache (desired-cache.ts). */
export interface RouteCaches {
  readonly candidates: EntryCandidatesCache;
  readonly printer: RoutePrinter;
}

/** What a base is a function of, besides the Service index. */
export interface BaseContext {
  readonly family: IpFamily;
  readonly settings: ServiceRouteSettings;
  /** The settings slot of service-candidates.ts. */
  readonly slot: number;
  /** Distinct entries that can select Services, in selection order. */
  readonly entries: readonly AdvertisementEntry[];
  readonly bases: WeakMap<ServiceIndex, SharedBase>;
}

export const EMPTY_BASE: SharedBase = { id: nextId(), ancestors: [], groups: LayeredMap.of(new Map()) };

function build(index: ServiceIndex, ctx: BaseContext, caches: RouteCaches): SharedBase {
  const lists = new Map<string, RouteCandidate[]>();
  for (const entry of ctx.entries) {
    for (const found of caches.candidates.of(index, entry, ctx.family, ctx.settings).byService.values()) {
      for (const c of found.everyNode) {
        const list = lists.get(c.text);
        if (list === undefined) lists.set(c.text, [c]);
        else list.push(c);
      }
    }
  }
  const groups = new Map<string, BaseGroup>();
  for (const [text, candidates] of lists) {
    groups.set(text, { prefix: (candidates[0] as RouteCandidate).prefix, candidates, route: caches.printer.print(candidates) });
  }
  return { id: nextId(), ancestors: [], groups: LayeredMap.of(groups) };
}

const sameMembers = (a: readonly RouteCandidate[], b: readonly RouteCandidate[]): boolean =>
  a.length === b.length && a.every((c) => b.includes(c));

function derive(
  from: SharedBase,
  olds: readonly EntryCandidates[],
  index: ServiceIndex,
  changedServices: ReadonlySet<string>,
  ctx: BaseContext,
  caches: RouteCaches,
): SharedBase {
  const news = ctx.entries.map((entry) => caches.candidates.of(index, entry, ctx.family, ctx.settings));
  // Working copies of the touched groups' candidate lists.
  const work = new Map<string, { prefix: IpPrefix; list: RouteCandidate[] }>();
  const touch = (c: RouteCandidate) => {
    let w = work.get(c.text);
    if (w === undefined) {
      const group = from.groups.get(c.text);
      w = { prefix: group?.prefix ?? c.prefix, list: group === undefined ? [] : [...group.candidates] };
      work.set(c.text, w);
    }
    return w;
  };
  for (const key of changedServices) {
    for (let i = 0; i < news.length; i++) {
      const before = (olds[i] as EntryCandidates).byService.get(key)?.everyNode ?? [];
      const after = (news[i] as EntryCandidates).byService.get(key)?.everyNode ?? [];
      if (before === after) continue;
      for (const c of before) {
        const list = touch(c).list;
        const at = list.indexOf(c);
        if (at >= 0) list.splice(at, 1);
      }
      for (const c of after) touch(c).list.push(c);
    }
  }
  const changed = new Set<string>();
  const updates = new Map<string, BaseGroup | undefined>();
  for (const [text, { prefix, list }] of work) {
    const old = from.groups.get(text);
    if (old === undefined ? list.length === 0 : sameMembers(old.candidates, list)) continue;
    changed.add(text);
    if (list.length === 0) {
      updates.set(text, undefined);
      continue;
    }
    const printed = caches.printer.print(list);
    // An equal route keeps its identity, so comparisons downstream stop at the reference.
    const route = old !== undefined && sameRoute(old.route, printed) ? old.route : printed;
    updates.set(text, { prefix, candidates: list, route });
  }
  if (changed.size === 0) return from;
  return { id: nextId(), ancestors: descend(from, changed), groups: from.groups.with(updates) };
}

/** The routes every node selecting `ctx`'s entries advertises, for the world of `index`. */
export function sharedBase(index: ServiceIndex, ctx: BaseContext, caches: RouteCaches): SharedBase {
  if (ctx.entries.length === 0) return EMPTY_BASE;
  let base = ctx.bases.get(index);
  if (base !== undefined) return base;
  // The nearest ancestor index with a base here, and the candidates that base was made of.
  const near = nearestAncestor(index, (ancestor) => {
    const found = ctx.bases.get(ancestor);
    if (found === undefined) return undefined;
    const olds = ctx.entries.map((entry) => caches.candidates.cached(ancestor, entry, ctx.slot));
    return olds.every((c) => c !== undefined) ? { base: found, olds: olds as EntryCandidates[] } : undefined;
  });
  base = near === null ? build(index, ctx, caches) : derive(near.found.base, near.found.olds, index, near.changed, ctx, caches);
  ctx.bases.set(index, base);
  return base;
}

const byPrefix = (a: BaseGroup, b: BaseGroup) => comparePrefixes(a.prefix, b.prefix);

/** The groups of each base in prefix order, for materialising documents. */
export class SortedGroups {
  readonly #sorted = new WeakMap<SharedBase, readonly BaseGroup[]>();

  /** The groups in prefix order; derived from a live ancestor's order when there is one (O(n), no sort). */
  of(base: SharedBase): readonly BaseGroup[] {
    let out = this.#sorted.get(base);
    if (out !== undefined) return out;
    const near = nearestAncestor(base, (ancestor) => this.#sorted.get(ancestor));
    if (near === null) {
      out = [...base.groups.values()].sort(byPrefix);
    } else {
      const added = [...near.changed].flatMap((text) => base.groups.get(text) ?? []).sort(byPrefix);
      const merged: BaseGroup[] = [];
      let j = 0;
      for (const g of near.found) {
        if (near.changed.has(g.route.prefix)) continue;
        while (j < added.length && byPrefix(added[j] as BaseGroup, g) < 0) merged.push(added[j++] as BaseGroup);
        merged.push(g);
      }
      while (j < added.length) merged.push(added[j++] as BaseGroup);
      out = merged;
    }
    this.#sorted.set(base, out);
    return out;
  }
}
