// The route changes between two views of one node: per slot, only where the bases may differ
// (known from their lineage, else compared once per pair of bases) and the overlays' prefixes are
// compared, by content (docs/incremental.md).

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
