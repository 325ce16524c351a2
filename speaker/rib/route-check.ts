// Routes from desired state checked before they reach an Adj-RIB-Out, so that one bad entry (a
// prefix that does not parse, of the wrong family, a malformed community) is reported and left out
// instead of failing the encoding of a whole batch. Pure. Prefixes come out in the codec's
// canonical text (RFC 5952 for IPv6), the form the Adj-RIB-Out keys on.

import { familyKey } from '../codec/context.ts';
import type { FamilyKey } from '../codec/context.ts';
import { formatPrefix, parsePrefix } from '../codec/ip.ts';
import { sameRoute, type DesiredRoute } from '../../events/desired-state.ts';
import { communityValue, largeCommunityValue } from './route-attributes.ts';

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
      r.communities.forEach(communityValue);
      r.largeCommunities.forEach(largeCommunityValue);
      const prefix = formatPrefix(p.afi, p.addr, p.length);
      valid.push(prefix === r.prefix ? r : { ...r, prefix });
    } catch (e) {
      rejected.push({ prefix: r.prefix, reason: (e as Error).message });
    }
  }
  return { valid, rejected };
}

interface Checked {
  readonly input: DesiredRoute;
  readonly valid: DesiredRoute | null;
  readonly rejected: RejectedRoute | null;
}

/** What a batch of route changes (RouteChecker.update) leaves to send. */
export interface CheckedChanges {
  /** Routes new or changed, checked and in canonical form. */
  readonly upserts: DesiredRoute[];
  /** Canonical prefixes no longer sent: withdrawn, or whose new version was rejected. */
  readonly withdrawn: string[];
  readonly rejected: RejectedRoute[];
}

/**
 * checkRoutes for the successive states of one family's routes, keyed by prefix as desired state
 * gives it. A route equal (sameRoute) to the one held for its prefix is not checked again and comes
 * out as the very object it came out as before, so that the Adj-RIB-Out recognises it by identity
 * (adj-rib-out.ts).
 * - check() takes the whole list (start, resync): the result is the one checkRoutes gives.
 * - update() takes changes (a delta): only those routes are looked at, and what comes out is what
 *   changed on the way to the Adj-RIB-Out. Withdrawing a prefix not held is a no-op.
 * Two texts of one prefix (a non-canonical IPv6 form beside the canonical one) are held apart but
 * are one route downstream: the Adj-RIB-Out keeps the last one set.
 */
export class RouteChecker {
  readonly family: FamilyKey;
  #held = new Map<string, Checked>();

  constructor(family: FamilyKey) {
    this.family = family;
  }

  check(routes: readonly DesiredRoute[]): { valid: DesiredRoute[]; rejected: RejectedRoute[] } {
    const last = this.#held;
    const held = new Map<string, Checked>();
    const valid: DesiredRoute[] = [];
    const rejected: RejectedRoute[] = [];
    for (const r of routes) {
      const c = this.#checked(last.get(r.prefix), r);
      held.set(r.prefix, c);
      if (c.valid) valid.push(c.valid);
      else rejected.push(c.rejected!);
    }
    this.#held = held;
    return { valid, rejected };
  }

  /** Applies withdrawals (by prefix as given), then upserts. */
  update(upserts: readonly DesiredRoute[], withdrawn: readonly string[]): CheckedChanges {
    const out: CheckedChanges = { upserts: [], withdrawn: [], rejected: [] };
    for (const prefix of withdrawn) {
      const prev = this.#held.get(prefix);
      if (!prev) continue;
      this.#held.delete(prefix);
      if (prev.valid) out.withdrawn.push(prev.valid.prefix);
    }
    for (const r of upserts) {
      const prev = this.#held.get(r.prefix);
      const c = this.#checked(prev, r);
      if (c === prev) {
        if (c.rejected) out.rejected.push(c.rejected);
        continue;
      }
      this.#held.set(r.prefix, c);
      if (c.valid) out.upserts.push(c.valid);
      else {
        out.rejected.push(c.rejected!);
        if (prev?.valid) out.withdrawn.push(prev.valid.prefix);
      }
    }
    return out;
  }

  /** The routes held that passed the check, canonical. */
  valid(): DesiredRoute[] {
    const out: DesiredRoute[] = [];
    for (const c of this.#held.values()) if (c.valid) out.push(c.valid);
    return out;
  }

  /** `prev` when `r` is the same route, else `r` checked. */
  #checked(prev: Checked | undefined, r: DesiredRoute): Checked {
    if (prev !== undefined && sameRoute(prev.input, r)) return prev;
    const one = checkRoutes(this.family, [r]);
    return { input: r, valid: one.valid[0] ?? null, rejected: one.rejected[0] ?? null };
  }
}
