// The path attribute table: one row per known type code (the row contract is in row.ts).
// Type codes from the IANA "BGP Path Attributes" registry. Any code not here is unknown:
// optional ones are kept raw, well-known ones are an error (list.ts).

import { as4Path, asPath } from './as-path.ts';
import {
  aggregator,
  as4Aggregator,
  atomicAggregate,
  clusterList,
  localPref,
  med,
  nextHop,
  origin,
  originatorId,
} from './basic.ts';
import { communities, extendedCommunities, largeCommunities } from './communities.ts';
import { mpReach, mpUnreach } from './mp.ts';
import type { AnyRow } from './row.ts';

const rows: readonly AnyRow[] = [
  origin,
  asPath,
  nextHop,
  med,
  localPref,
  atomicAggregate,
  aggregator,
  communities,
  originatorId,
  clusterList,
  mpReach,
  mpUnreach,
  extendedCommunities,
  as4Path,
  as4Aggregator,
  largeCommunities,
];

export const attributeTable: ReadonlyMap<number, AnyRow> = new Map(rows.map((r) => [r.code, r]));

/**
 * Rows in the order attributes are sent: MP_REACH_NLRI and MP_UNREACH_NLRI first (RFC 7606
 * §5.1), the others by ascending type code (RFC 4271 §5).
 */
export const sendOrder: readonly AnyRow[] = [mpReach, mpUnreach, ...rows.filter((r) => r.code < 14 || r.code > 15)];

export function attributeName(code: number): string {
  return attributeTable.get(code)?.name ?? `attribute ${code}`;
}
