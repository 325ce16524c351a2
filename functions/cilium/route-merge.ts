// Overlapping advertisements: when several entries (of any type) yield the same prefix for one
// peer and family, the route carries the union of their standard and large communities and the
// highest LOCAL_PREF any of them sets (A21). Cilium ≥ 1.18 merges only for Services and lets the
// last entry win for PodCIDR and CiliumPodIPPool; bgpcast merges for every type (§11.9,
// cilium#35721), so the result never depends on the order of entries.
// ORIGIN is IGP unless every contributor asked for INCOMPLETE (legacy LoadBalancerIP routes).
//
// Most prefixes have one contributor; their printed route is memoised per candidate, and
// candidates are shared by all nodes and kept across worlds (service-candidates.ts). The printed
// route of a group does not depend on the order of its candidates (sets are sorted, LOCAL_PREF is a
// max, ORIGIN an "every") nor on repeated candidates, so groups may be assembled in any order:
// shared-base.ts merges the candidates every node has once, node-overlay.ts adds a node's own.

import type { DesiredRoute } from '../../events/desired-state.ts';
import { formatLargeSet, formatStandardSet } from '../../events/communities.ts';
import { comparePrefixes } from '../../events/ip.ts';
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

/** The route of a non-empty group of candidates for one prefix. */
export function printGroup(group: readonly RouteCandidate[]): DesiredRoute {
  return group.length === 1 ? printOne(group[0] as RouteCandidate) : print(group);
}

/** Every candidate merged per prefix, in prefix order: the definition the caches must agree with. */
export function mergeRoutes(candidates: readonly RouteCandidate[]): DesiredRoute[] {
  const byPrefix = new Map<string, RouteCandidate[]>();
  for (const c of candidates) {
    const group = byPrefix.get(c.text);
    if (group === undefined) byPrefix.set(c.text, [c]);
    else group.push(c);
  }
  return [...byPrefix.values()]
    .sort((a, b) => comparePrefixes((a[0] as RouteCandidate).prefix, (b[0] as RouteCandidate).prefix))
    .map(printGroup);
}

const sameTexts = (a: readonly string[], b: readonly string[]): boolean =>
  a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/** Equal content: prefix and every attribute. */
export function sameRoute(a: DesiredRoute | null | undefined, b: DesiredRoute | null | undefined): boolean {
  if (a === b) return true;
  if (a == null || b == null) return false;
  return (
    a.prefix === b.prefix &&
    a.localPreference === b.localPreference &&
    a.origin === b.origin &&
    sameTexts(a.communities, b.communities) &&
    sameTexts(a.largeCommunities, b.largeCommunities)
  );
}
