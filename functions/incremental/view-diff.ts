// The route changes between two views of one node, for writing only what changed.
//
// Per slot present in both views, only the prefixes where the bases may differ and the prefixes of
// either overlay (none when both hold the same overlay object) are compared. Where the bases may
// differ is known in O(1) when one is derived from the other (lineage.ts: the normal case, next
// computed from a world derived from prev's), so a diff costs O(changes + own routes). Otherwise
// (bases built from scratch, a changed Advertisement or settings, a lineage longer than it is
// kept) the two bases are compared route by route, O(routes), once per pair of bases however
// many nodes share them. Either way the result is exact: routes are compared by content.

import type { DesiredRouteChange } from '../../events/desired-delta.ts';
import { slotId } from '../../events/desired-delta.ts';
import type { DesiredRoute } from '../../events/desired-state.ts';
import { changedSince } from './lineage.ts';
import type { NodeView } from './node-view.ts';
import { sameRoute } from '../../events/desired-state.ts';
import type { SharedBase } from './shared-base.ts';
import { routeAt, slotRoutes, type SlotView } from './slot-view.ts';

function change(view: SlotView, prefix: string, route: DesiredRoute | null): DesiredRouteChange {
  const { instance, peer, afi } = view.slot;
  return { instance, peer, afi, prefix, route };
}

/**
 * The prefixes whose base route differs between two bases: from lineage when one derives from the
 * other (a superset), else by comparing them route by route, once per pair of bases.
 */
export class BaseChanges {
  readonly #compared = new WeakMap<SharedBase, WeakMap<SharedBase, ReadonlySet<string>>>();

  between(prev: SharedBase, next: SharedBase): ReadonlySet<string> {
    const known = changedSince(prev.id, next);
    if (known !== null) return known;
    let byNext = this.#compared.get(prev);
    if (byNext === undefined) this.#compared.set(prev, (byNext = new WeakMap()));
    let changed = byNext.get(next);
    if (changed === undefined) {
      const found = new Set<string>();
      for (const [prefix, group] of next.groups) if (!sameRoute(prev.groups.get(prefix)?.route, group.route)) found.add(prefix);
      for (const prefix of prev.groups.keys()) if (!next.groups.has(prefix)) found.add(prefix);
      byNext.set(next, (changed = found));
    }
    return changed;
  }
}

function diffSlot(prev: SlotView, next: SlotView, bases: BaseChanges, out: DesiredRouteChange[]): void {
  if (prev.base === next.base && prev.overlay === next.overlay) return;
  const changed = bases.between(prev.base, next.base);
  const compare = (prefix: string) => {
    const after = routeAt(next, prefix);
    if (!sameRoute(routeAt(prev, prefix), after)) out.push(change(next, prefix, after));
  };
  for (const prefix of changed) compare(prefix);
  if (prev.overlay === next.overlay) return;
  for (const prefix of prev.overlay.routes.keys()) if (!changed.has(prefix)) compare(prefix);
  for (const prefix of next.overlay.routes.keys()) {
    if (!changed.has(prefix) && !prev.overlay.routes.has(prefix)) compare(prefix);
  }
}

/**
 * The route changes that turn prev's routes into next's. Slots only in prev withdraw all their
 * routes, slots only in next add all theirs. Each (slot, prefix) appears at most once.
 */
export function diffViews(prev: NodeView, next: NodeView, bases: BaseChanges): DesiredRouteChange[] {
  const out: DesiredRouteChange[] = [];
  const before = new Map<string, SlotView>();
  for (const s of prev.slots) before.set(slotId(s.slot), s);
  for (const s of next.slots) {
    const id = slotId(s.slot);
    const old = before.get(id);
    if (old === undefined) {
      for (const r of slotRoutes(s)) out.push(change(s, r.prefix, r));
      continue;
    }
    before.delete(id);
    diffSlot(old, s, bases, out);
  }
  for (const s of before.values()) for (const r of slotRoutes(s)) out.push(change(s, r.prefix, null));
  return out;
}
