// PodCIDR advertisements (A22).
// - Only in the ipam modes kubernetes and cluster-pool; other modes advertise no PodCIDR.
// - The node's pod CIDRs come from CiliumNode.spec.ipam.podCIDRs when a CiliumNode exists for the
//   node (the agent's source, even when that list is still empty), else from the Node's
//   spec.podCIDRs (clusters without Cilium objects, e.g. the seed example). Each CIDR goes only to
//   the family of its address.
// - Every PodCIDR entry selected for the family contributes its attributes; the selector is ignored.

import { ADVERTISEMENT_TYPES } from '../model/advertisement.ts';
import { formatPrefix, parsePrefix } from '../../events/ip.ts';
import type { WorldView } from '../model/world.ts';
import type { RouteCandidate, RouteContext } from './candidates.ts';

const PODCIDR_IPAM_MODES = new Set(['kubernetes', 'cluster-pool']);

export function nodePodCIDRs(world: WorldView, node: string): readonly string[] {
  return world.ciliumNodes.get(node)?.podCIDRs ?? world.nodes.get(node)?.podCIDRs ?? [];
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
