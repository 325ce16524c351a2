// CiliumPodIPPool advertisements (docs/cilium-semantics.md POOL-1, POOL-2): an entry's selector
// sees a pool's labels plus io.cilium.podippool.name and io.cilium.podippool.namespace (empty:
// pools are cluster-scoped), an absent one matches no pool; the node advertises the CIDRs allocated
// to it from a selected pool, each to the family of its address. Not gated on the ipam mode:
// allocations exist only in multi-pool mode anyway.

import { ADVERTISEMENT_TYPES } from '../model/advertisement.ts';
import { NIL_SELECTS, selectorMatches } from '../model/label-selector.ts';
import { formatPrefix, parsePrefix } from '../../events/ip.ts';
import type { RouteCandidate, RouteContext } from './candidates.ts';

export const POOL_NAME_LABEL = 'io.cilium.podippool.name';
export const POOL_NAMESPACE_LABEL = 'io.cilium.podippool.namespace';

export function podIPPoolRoutes({ world, node, family, entries }: RouteContext): RouteCandidate[] {
  const mine = entries.filter((e) => e.type === ADVERTISEMENT_TYPES.CiliumPodIPPool);
  const allocations = world.ciliumNodes.get(node)?.poolAllocations ?? [];
  if (mine.length === 0 || allocations.length === 0) return [];
  const out: RouteCandidate[] = [];
  for (const allocation of allocations) {
    const pool = world.podIPPools.get(allocation.pool);
    if (pool === undefined) continue;
    const labels = { ...pool.meta.labels, [POOL_NAME_LABEL]: pool.meta.name, [POOL_NAMESPACE_LABEL]: '' };
    const matching = mine.filter((e) => selectorMatches(e.selector, labels, NIL_SELECTS.nothing));
    for (const cidr of allocation.cidrs) {
      const prefix = parsePrefix(cidr);
      if (prefix === null || prefix.family !== family) continue;
      const text = formatPrefix(prefix);
      for (const entry of matching) out.push({ prefix, text, attributes: entry.attributes, origin: 'igp' });
    }
  }
  return out;
}
