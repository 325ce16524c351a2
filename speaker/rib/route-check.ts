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
