// PodCIDR advertisements (docs/cilium-semantics.md POD-1, POD-2): only in the ipam modes kubernetes
// and cluster-pool; the node's pod CIDRs from its CiliumNode when it has one, else from its Node —
// and in kubernetes mode also while the CiliumNode lists none yet (it mirrors the Node's, so an
// empty list is a mirror not filled, not a withdrawal); each CIDR to the family of its address
// (ADV-2), with the attributes of every PodCIDR entry selected for the family (their selectors
// are ignored).

import { ADVERTISEMENT_TYPES } from '../model/advertisement.ts';
import { formatPrefix, parsePrefix } from '../../events/ip.ts';
import type { WorldView } from '../model/world.ts';
import type { RouteCandidate, RouteContext } from './candidates.ts';

const PODCIDR_IPAM_MODES = new Set(['kubernetes', 'cluster-pool']);

export function nodePodCIDRs(world: WorldView, node: string): readonly string[] {
  const cilium = world.ciliumNodes.get(node)?.podCIDRs;
  if (cilium !== undefined && (cilium.length > 0 || world.settings.ipamMode !== 'kubernetes')) return cilium;
  return world.nodes.get(node)?.podCIDRs ?? cilium ?? [];
}

export function podCIDRRoutes({ world, node, family, entries }: RouteContext): RouteCandidate[] {
  if (!PODCIDR_IPAM_MODES.has(world.settings.ipamMode)) return [];
  const mine = entries.filter((e) => e.type === ADVERTISEMENT_TYPES.PodCIDR);
  if (mine.length === 0) return [];
  const out: RouteCandidate[] = [];
  for (const cidr of nodePodCIDRs(world, node)) {
    const prefix = parsePrefix(cidr);
    if (prefix === null || prefix.family !== family) continue;
    const text = formatPrefix(prefix);
    for (const entry of mine) out.push({ prefix, text, attributes: entry.attributes, origin: 'igp' });
  }
  return out;
}
