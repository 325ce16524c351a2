// Routes from desired state checked before they reach an Adj-RIB-Out, so that one bad entry (a
// prefix that does not parse, of the wrong family, a malformed community) is reported and left out
// instead of failing the encoding of a whole batch. Pure. Prefixes come out in the codec's
// canonical text (RFC 5952 for IPv6), the form the Adj-RIB-Out keys on.

import { familyKey } from '../codec/context.ts';
import type { FamilyKey } from '../codec/context.ts';
import { formatPrefix, parsePrefix } from '../codec/ip.ts';
import type { DesiredRoute } from '../../events/desired-state.ts';
import { parseCommunity, parseLargeCommunity } from './route-attributes.ts';

export interface RejectedRoute {
  readonly prefix: string;
  readonly reason: string;
}

export function checkRoutes(family: FamilyKey, routes: readonly DesiredRoute[]): { valid: DesiredRoute[]; rejected: RejectedRoute[] } {
  const valid: DesiredRoute[] = [];
  const rejected: RejectedRoute[] = [];
  for (const r of routes) {
    try {
      const p = parsePrefix(r.prefix);
      if (familyKey(p.afi, 1) !== family) throw new Error(`not a prefix of family ${family}`);
      r.communities.forEach(parseCommunity);
      r.largeCommunities.forEach(parseLargeCommunity);
      const prefix = formatPrefix(p.afi, p.addr, p.length);
      valid.push(prefix === r.prefix ? r : { ...r, prefix });
    } catch (e) {
      rejected.push({ prefix: r.prefix, reason: (e as Error).message });
    }
  }
  return { valid, rejected };
}

/** Equal content: prefix, origin, LOCAL_PREF and both community lists. */
export function sameRoute(a: DesiredRoute, b: DesiredRoute): boolean {
  return (
    a === b ||
    (a.prefix === b.prefix &&
      a.origin === b.origin &&
      a.localPreference === b.localPreference &&
      sameList(a.communities, b.communities) &&
      sameList(a.largeCommunities, b.largeCommunities))
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Checked {
  readonly input: DesiredRoute;
  readonly valid: DesiredRoute | null;
  readonly rejected: RejectedRoute | null;
}

/**
 * checkRoutes for successive route lists of one family: a route equal (sameRoute) to one of the
 * previous list is not checked again and comes out as the very object it came out as before, so
 * that the Adj-RIB-Out recognises it by identity (adj-rib-out.ts). The result is the one
 * checkRoutes gives for the same list. Routes are matched by position first (a revision usually
 * keeps the order), else by prefix.
 */
export class RouteChecker {
  readonly family: FamilyKey;
  #last: Checked[] = [];

  constructor(family: FamilyKey) {
    this.family = family;
  }

  check(routes: readonly DesiredRoute[]): { valid: DesiredRoute[]; rejected: RejectedRoute[] } {
    const last = this.#last;
    let byPrefix: Map<string, Checked> | null = null;
    const results: Checked[] = [];
    const valid: DesiredRoute[] = [];
    const rejected: RejectedRoute[] = [];
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i]!;
      let c = last[i];
      if (c === undefined || c.input.prefix !== r.prefix) {
        byPrefix ??= new Map(last.map((x) => [x.input.prefix, x]));
        c = byPrefix.get(r.prefix);
      }
      if (c === undefined || !sameRoute(c.input, r)) {
        const one = checkRoutes(this.family, [r]);
        c = { input: r, valid: one.valid[0] ?? null, rejected: one.rejected[0] ?? null };
      }
      results.push(c);
      if (c.valid) valid.push(c.valid);
      else rejected.push(c.rejected!);
    }
    this.#last = results;
    return { valid, rejected };
  }
}
