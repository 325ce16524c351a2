// Overlapping advertisements (docs/cilium-semantics.md MERGE-1, MERGE-2): the route of a prefix,
// for one peer and family, merges every candidate for it, of any advertisement type — the union of
// their standard and large communities, sorted and unique, and the highest LOCAL_PREF any sets;
// ORIGIN is IGP unless every candidate asks for INCOMPLETE. So a route depends neither on the order
// of the candidates nor on repeats of one.

import type { DesiredRoute } from '../../events/desired-state.ts';
import { formatLargeSet, formatStandardSet } from '../../events/communities.ts';
import { comparePrefixes } from '../../events/ip.ts';
import type { RouteCandidate } from './candidates.ts';

/** The route of a non-empty group of candidates for one prefix. */
export function mergeRoute(candidates: readonly RouteCandidate[]): DesiredRoute {
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

/** Every candidate merged per prefix, in prefix order. */
export function mergeRoutes(candidates: readonly RouteCandidate[]): DesiredRoute[] {
  const byPrefix = new Map<string, RouteCandidate[]>();
  for (const c of candidates) {
    const group = byPrefix.get(c.text);
    if (group === undefined) byPrefix.set(c.text, [c]);
    else group.push(c);
  }
  return [...byPrefix.values()]
    .sort((a, b) => comparePrefixes((a[0] as RouteCandidate).prefix, (b[0] as RouteCandidate).prefix))
    .map(mergeRoute);
}
