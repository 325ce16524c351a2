// What one UPDATE says, route by route, for consumers of the wire tap: the prefixes it announces
// with the attributes they were sent with, and the prefixes it withdraws. IPv4 in the NLRI and
// Withdrawn Routes fields (RFC 4271 §4.3), any family in MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760
// §3, §4; the next hops of MP_REACH_NLRI stand in for NEXT_HOP). Pure.

import type { FamilyKey } from '../codec/context.ts';
import { familyKey } from '../codec/context.ts';
import type { Nlri, PathAttributes, UpdateMessage } from '../codec/types.ts';

export interface UpdateRoutes {
  /** Announced routes by family, all with `attributes`. */
  readonly announced: ReadonlyMap<FamilyKey, readonly Nlri[]>;
  readonly withdrawn: ReadonlyMap<FamilyKey, readonly Nlri[]>;
  /** The attributes of the announced routes, without MP_REACH_NLRI / MP_UNREACH_NLRI. */
  readonly attributes: Omit<PathAttributes, 'mpReach' | 'mpUnreach'>;
  /** The next hops the announced routes were sent with: NEXT_HOP, or those of MP_REACH_NLRI. */
  readonly nextHops: ReadonlyMap<FamilyKey, readonly string[]>;
}

const IPv4Unicast = familyKey(1, 1);

function add(map: Map<FamilyKey, Nlri[]>, family: FamilyKey, list: readonly Nlri[]): void {
  if (list.length === 0) return;
  const have = map.get(family);
  if (have) have.push(...list);
  else map.set(family, [...list]);
}

export function updateRoutes(m: UpdateMessage): UpdateRoutes {
  const { mpReach, mpUnreach, ...attributes } = m.attributes;
  const announced = new Map<FamilyKey, Nlri[]>();
  const withdrawn = new Map<FamilyKey, Nlri[]>();
  const nextHops = new Map<FamilyKey, readonly string[]>();
  add(withdrawn, IPv4Unicast, m.withdrawn);
  add(announced, IPv4Unicast, m.nlri);
  if (m.nlri.length > 0 && attributes.nextHop !== undefined) nextHops.set(IPv4Unicast, [attributes.nextHop]);
  if (mpUnreach) add(withdrawn, familyKey(mpUnreach.afi, mpUnreach.safi), mpUnreach.withdrawn);
  if (mpReach && mpReach.nlri.length > 0) {
    const f = familyKey(mpReach.afi, mpReach.safi);
    add(announced, f, mpReach.nlri);
    nextHops.set(f, mpReach.nextHops);
  }
  return { announced, withdrawn, attributes, nextHops };
}
