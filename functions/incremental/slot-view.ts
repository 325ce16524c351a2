// One slot (instance, peer, family) of a node's view: the shared base with the node's overlay on
// top, both immutable and shared, read through rather than copied.

import type { RouteSlot } from '../../events/desired-delta.ts';
import type { DesiredRoute } from '../../events/desired-state.ts';
import { comparePrefixes } from '../../events/ip.ts';
import { EMPTY_OVERLAY, type Overlay, type OverlayRoute } from './node-overlay.ts';
import { EMPTY_BASE, type SharedBase, type SortedGroups } from './shared-base.ts';

export interface SlotView {
  readonly slot: RouteSlot;
  readonly base: SharedBase;
  readonly overlay: Overlay;
}

/** A slot without routes (a family that selects no advertisement entry). */
export function emptySlot(slot: RouteSlot): SlotView {
  return { slot, base: EMPTY_BASE, overlay: EMPTY_OVERLAY };
}

/** The slot's route at `prefix` (prefix text), or null. */
export function routeAt(slot: SlotView, prefix: string): DesiredRoute | null {
  return slot.overlay.routes.get(prefix) ?? slot.base.groups.get(prefix)?.route ?? null;
}

/** Every route of a slot, in no particular order. */
export function* slotRoutes(slot: SlotView): Iterable<DesiredRoute> {
  const { routes } = slot.overlay;
  yield* routes.values();
  for (const [text, group] of slot.base.groups) if (routes.size === 0 || !routes.has(text)) yield group.route;
}

/** The number of routes of a slot, in O(1). */
export function slotSize(slot: SlotView): number {
  return slot.base.groups.size + slot.overlay.routes.size - slot.overlay.shadowed;
}

/** Every route of a slot in the contract's prefix order (a merge of two sorted runs). */
export function sortedSlotRoutes(slot: SlotView, sorted: SortedGroups): DesiredRoute[] {
  const own: readonly OverlayRoute[] = slot.overlay.sorted;
  const shadowing = slot.overlay.shadowed > 0 ? slot.overlay.routes : null;
  const out: DesiredRoute[] = [];
  let j = 0;
  for (const g of sorted.of(slot.base)) {
    if (shadowing !== null && shadowing.has(g.route.prefix)) continue;
    while (j < own.length && comparePrefixes((own[j] as OverlayRoute).prefix, g.prefix) < 0) out.push((own[j++] as OverlayRoute).route);
    out.push(g.route);
  }
  while (j < own.length) out.push((own[j++] as OverlayRoute).route);
  return out;
}
