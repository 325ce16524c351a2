// A node's own routes in a slot — pod CIDRs, pool allocations, Local-policy Services it holds an
// endpoint of — merged with the shared base's group at each of their prefixes, kept while their
// inputs and those base groups are unchanged (docs/incremental.md).

import type { DesiredRoute } from '../../events/desired-state.ts';
import { comparePrefixes, type IpPrefix } from '../../events/ip.ts';
import type { WorldView } from '../model/world.ts';
import type { RouteCandidate } from '../cilium/candidates.ts';
import { changedSince } from './lineage.ts';
import { podCIDRRoutes } from '../cilium/pod-cidr-routes.ts';
import { podIPPoolRoutes } from '../cilium/pod-ip-pool-routes.ts';
import { sameRoute } from '../../events/desired-state.ts';
import type { ServiceIndex } from './service-index.ts';
import type { RouteCaches, SharedBase } from './shared-base.ts';
import type { SlotContext } from './slot-context.ts';

export interface OverlayRoute {
  readonly prefix: IpPrefix;
  readonly route: DesiredRoute;
}

export interface Overlay {
  /** The node's route at each prefix it has own candidates for, by prefix text. */
  readonly routes: ReadonlyMap<string, DesiredRoute>;
  /** The same routes in prefix order. */
  readonly sorted: readonly OverlayRoute[];
  /** How many of these prefixes the base also has (the overlay's route replaces the base's). */
  readonly shadowed: number;
}

export const EMPTY_OVERLAY: Overlay = { routes: new Map(), sorted: [], shadowed: 0 };

interface OwnGroup {
  readonly prefix: IpPrefix;
  readonly candidates: readonly RouteCandidate[];
}

export interface OverlayCache {
  readonly inputs: readonly unknown[];
  readonly own: ReadonlyMap<string, OwnGroup>;
  readonly overlay: Overlay;
  /** Bases the overlay is known to be right for, latest first (a few: sibling worlds may alternate). */
  readonly baseIds: readonly number[];
}

const KEEP_BASE_IDS = 4;

function ownCandidates(
  world: WorldView,
  node: string,
  ctx: SlotContext,
  local: readonly (ReadonlyMap<string, readonly RouteCandidate[]> | undefined)[],
): Map<string, OwnGroup> {
  const routeCtx = { world, node, family: ctx.family, entries: ctx.entries };
  const all = [...podCIDRRoutes(routeCtx), ...podIPPoolRoutes(routeCtx)];
  for (const perService of local) if (perService !== undefined) for (const list of perService.values()) all.push(...list);
  const own = new Map<string, { prefix: IpPrefix; candidates: RouteCandidate[] }>();
  for (const c of all) {
    const group = own.get(c.text);
    if (group === undefined) own.set(c.text, { prefix: c.prefix, candidates: [c] });
    else group.candidates.push(c);
  }
  return own;
}

function buildOverlay(own: ReadonlyMap<string, OwnGroup>, base: SharedBase, caches: RouteCaches): Overlay {
  if (own.size === 0) return EMPTY_OVERLAY;
  const routes = new Map<string, DesiredRoute>();
  const sorted: OverlayRoute[] = [];
  let shadowed = 0;
  for (const [text, { prefix, candidates }] of own) {
    const shared = base.groups.get(text);
    if (shared !== undefined) shadowed++;
    const route = caches.printer.print(shared === undefined ? candidates : [...shared.candidates, ...candidates]);
    routes.set(text, route);
    sorted.push({ prefix, route });
  }
  sorted.sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  return { routes, sorted, shadowed };
}

function sameOverlay(a: Overlay, b: Overlay): boolean {
  if (a.routes.size !== b.routes.size || a.shadowed !== b.shadowed) return false;
  for (const [prefix, route] of b.routes) if (!sameRoute(a.routes.get(prefix), route)) return false;
  return true;
}

const sameInputs = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function disjoint(changed: ReadonlySet<string>, own: ReadonlyMap<string, unknown>): boolean {
  if (changed.size <= own.size) {
    for (const text of changed) if (own.has(text)) return false;
  } else {
    for (const text of own.keys()) if (changed.has(text)) return false;
  }
  return true;
}

/** The node's overlay over `base` in this context; `index` is null when the context has no Service entries. */
export function nodeOverlay(
  world: WorldView,
  node: string,
  ctx: SlotContext,
  index: ServiceIndex | null,
  base: SharedBase,
  caches: RouteCaches,
): Overlay {
  const { family, settings, entries } = ctx.base;
  const local = index === null ? [] : entries.map((e) => caches.candidates.of(index, e, family, settings).localByNode.get(node));
  const inputs = [world.settings.ipamMode, world.ciliumNodes.get(node), world.nodes.get(node), world.podIPPools, ...local];
  const cached = ctx.overlays.get(node);
  let own: ReadonlyMap<string, OwnGroup>;
  if (cached !== undefined && sameInputs(cached.inputs, inputs)) {
    if (cached.baseIds.includes(base.id)) return cached.overlay;
    for (const id of cached.baseIds) {
      const changed = changedSince(id, base);
      if (changed === null || !disjoint(changed, cached.own)) continue;
      ctx.overlays.set(node, { ...cached, baseIds: [base.id, ...cached.baseIds].slice(0, KEEP_BASE_IDS) });
      return cached.overlay;
    }
    own = cached.own;
  } else {
    own = ownCandidates(world, node, ctx, local);
  }
  let overlay = buildOverlay(own, base, caches);
  // Rebuilt to the same routes (the base changed elsewhere, or the node's inputs changed in a way
  // that does not show): the old object is kept, so diffs stop at the reference.
  if (cached !== undefined && sameOverlay(cached.overlay, overlay)) overlay = cached.overlay;
  ctx.overlays.set(node, { inputs, own, overlay, baseIds: [base.id] });
  return overlay;
}
