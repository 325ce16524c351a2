// The ancestry of a derived cache value (a Service index, a shared base): its last few ancestors,
// held weakly, with the keys changed since each — to derive a cache from the nearest ancestor's,
// and to diff two values in O(changes) (docs/incremental.md).

export interface Ancestor<T extends object> {
  readonly id: number;
  readonly ref: WeakRef<T>;
  /** Keys that may differ between that ancestor and the value holding this record. */
  readonly changed: ReadonlySet<string>;
}

export interface Lineaged<T extends object> {
  readonly id: number;
  readonly ancestors: readonly Ancestor<T>[];
}

export const MAX_ANCESTORS = 8;

// The one piece of module state here, and not a cache: a counter that only has to give every value
// of the process its own number (ids are compared for equality, across DesiredCaches too).
let lastId = 0;

/** A fresh id; ids are never reused, so equal ids mean the same value. */
export function nextId(): number {
  return ++lastId;
}

/** The ancestors of a value derived from `from` with `changed` keys: `from`, then its own, composed. */
export function descend<T extends Lineaged<T>>(from: T, changed: ReadonlySet<string>): Ancestor<T>[] {
  const out: Ancestor<T>[] = [{ id: from.id, ref: new WeakRef(from), changed }];
  for (const a of from.ancestors) {
    if (out.length >= MAX_ANCESTORS) break;
    const composed = new Set(a.changed);
    for (const k of changed) composed.add(k);
    out.push({ id: a.id, ref: a.ref, changed: composed });
  }
  return out;
}

const NOTHING: ReadonlySet<string> = new Set();

/** Keys that may differ between the value with id `fromId` and `to`; null when not known. */
export function changedSince<T extends Lineaged<T>>(fromId: number, to: T): ReadonlySet<string> | null {
  if (fromId === to.id) return NOTHING;
  for (const a of to.ancestors) if (a.id === fromId) return a.changed;
  return null;
}

/** The nearest live ancestor for which `lookup` finds something, with the keys changed since. */
export function nearestAncestor<T extends Lineaged<T>, R>(
  value: T,
  lookup: (ancestor: T) => R | undefined,
): { ancestor: T; found: R; changed: ReadonlySet<string> } | null {
  for (const a of value.ancestors) {
    const ancestor = a.ref.deref();
    if (ancestor === undefined) continue;
    const found = lookup(ancestor);
    if (found !== undefined) return { ancestor, found, changed: a.changed };
  }
  return null;
}
