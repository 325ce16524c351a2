// The route of a group of candidates for one prefix (cilium/route-merge.ts mergeRoute), remembered
// for the usual group of one: candidates are shared by every node and kept across worlds
// (service-candidates.ts), so each is printed once, and equal groups give the same route object.

import type { DesiredRoute } from '../../events/desired-state.ts';
import type { RouteCandidate } from '../cilium/candidates.ts';
import { mergeRoute } from '../cilium/route-merge.ts';

export class RoutePrinter {
  readonly #single = new WeakMap<RouteCandidate, DesiredRoute>();

  /** The route of a non-empty group; any order, repeats allowed (the merge ignores both). */
  print(group: readonly RouteCandidate[]): DesiredRoute {
    if (group.length !== 1) return mergeRoute(group);
    const candidate = group[0] as RouteCandidate;
    let route = this.#single.get(candidate);
    if (route === undefined) this.#single.set(candidate, (route = mergeRoute(group)));
    return route;
  }
}
