// Overlapping advertisements: when several entries (of any type) yield the same prefix for one
// peer and family, the route carries the union of their standard and large communities and the
// highest LOCAL_PREF any of them sets (A21). Cilium ≥ 1.18 merges only for Services and lets the
// last entry win for PodCIDR and CiliumPodIPPool; bgpcast merges for every type (§11.9,
// cilium#35721), so the result never depends on the order of entries.
// ORIGIN is IGP unless every contributor asked for INCOMPLETE (legacy LoadBalancerIP routes).
//
// Most prefixes have one contributor; their printed route is memoised per candidate, and
// candidates are shared by all nodes of a world (service-routes.ts). mergeRoutesOver goes further:
// the candidates every node has are merged once (memoised per array), and a node only merges its
// own (PodCIDR, pool, Local-policy Service) candidates into that result. The printed route of a
// group does not depend on the order of its candidates (sets are sorted, LOCAL_PREF is a max,
// ORIGIN an "every"), and prefixes are totally ordered, so the result equals mergeRoutes of the
// concatenation.

import type { DesiredRoute } from '../../events/desired-state.ts';
import { formatLargeSet, formatStandardSet } from '../model/communities.ts';
import { comparePrefixes, type IpPrefix } from '../model/ip.ts';
import type { RouteCandidate } from './candidates.ts';

const printed = new WeakMap<RouteCandidate, DesiredRoute>();

function print(candidates: readonly RouteCandidate[]): DesiredRoute {
  const first = candidates[0] as RouteCandidate;
  let localPreference: number | null = null;
  for (const c of candidates) {
    const lp = c.attributes.localPreference;
    if (lp !== null && (localPreference === null || lp > localPreference)) localPreference = lp;
  }
  return {
    prefix: first.text,
    communities: formatStandardSet(candidates.flatMap((c) => c.attributes.communities)),
    largeCommunities: formatLargeSet(candidates.flatMap((c) => c.attributes.largeCommunities)),
    localPreference,
    origin: candidates.every((c) => c.origin === 'incomplete') ? 'incomplete' : 'igp',
  };
}

function printOne(candidate: RouteCandidate): DesiredRoute {
  let route = printed.get(candidate);
  if (route === undefined) {
    route = print([candidate]);
    printed.set(candidate, route);
  }
  return route;
}

export function mergeRoutes(candidates: readonly RouteCandidate[]): DesiredRoute[] {
  const byPrefix = new Map<string, RouteCandidate[]>();
  for (const c of candidates) {
    const group = byPrefix.get(c.text);
    if (group === undefined) byPrefix.set(c.text, [c]);
    else group.push(c);
  }
  return [...byPrefix.values()]
    .sort((a, b) => comparePrefixes((a[0] as RouteCandidate).prefix, (b[0] as RouteCandidate).prefix))
    .map((group) => (group.length === 1 ? printOne(group[0] as RouteCandidate) : print(group)));
}

interface MergedRoute {
  readonly prefix: IpPrefix;
  readonly route: DesiredRoute;
}

interface MergedBase {
  /** Sorted by prefix. */
  readonly routes: readonly MergedRoute[];
  readonly groups: ReadonlyMap<string, readonly RouteCandidate[]>;
}

const bases = new WeakMap<readonly RouteCandidate[], MergedBase>();

function mergedBase(shared: readonly RouteCandidate[]): MergedBase {
  let base = bases.get(shared);
  if (base === undefined) {
    const groups = new Map<string, RouteCandidate[]>();
    for (const c of shared) {
      const group = groups.get(c.text);
      if (group === undefined) groups.set(c.text, [c]);
      else group.push(c);
    }
    const routes = [...groups.values()]
      .map((group) => ({
        prefix: (group[0] as RouteCandidate).prefix,
        route: group.length === 1 ? printOne(group[0] as RouteCandidate) : print(group),
      }))
      .sort((a, b) => comparePrefixes(a.prefix, b.prefix));
    base = { routes, groups };
    bases.set(shared, base);
  }
  return base;
}

/**
 * mergeRoutes([...shared, ...own]), where `shared` is an array many nodes pass (its merge is
 * memoised on its identity: it must not change) and `own` the node's own candidates.
 */
export function mergeRoutesOver(shared: readonly RouteCandidate[], own: readonly RouteCandidate[]): DesiredRoute[] {
  const base = mergedBase(shared);
  if (own.length === 0) return base.routes.map((r) => r.route);
  const byPrefix = new Map<string, RouteCandidate[]>();
  for (const c of own) {
    const group = byPrefix.get(c.text);
    if (group === undefined) byPrefix.set(c.text, [c]);
    else group.push(c);
  }
  const replaced = new Set<string>();
  const extra: MergedRoute[] = [];
  for (const [text, group] of byPrefix) {
    const prefix = (group[0] as RouteCandidate).prefix;
    const sharedGroup = base.groups.get(text);
    if (sharedGroup !== undefined) {
      replaced.add(text);
      extra.push({ prefix, route: print([...sharedGroup, ...group]) });
    } else {
      extra.push({ prefix, route: group.length === 1 ? printOne(group[0] as RouteCandidate) : print(group) });
    }
  }
  extra.sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  const out: DesiredRoute[] = [];
  let j = 0;
  for (const r of base.routes) {
    if (replaced.size > 0 && replaced.has(r.route.prefix)) continue;
    while (j < extra.length && comparePrefixes((extra[j] as MergedRoute).prefix, r.prefix) < 0) {
      out.push((extra[j] as MergedRoute).route);
      j++;
    }
    out.push(r.route);
  }
  for (; j < extra.length; j++) out.push((extra[j] as MergedRoute).route);
  return out;
}
