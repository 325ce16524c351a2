// Which map a world map was copied from, and which keys may differ between the two.
//
// The world is copy-on-write per kind (world.ts, store/apply-changes.ts): a change to one Service
// yields a new services map that differs from the old one in one key. Caches derived from a map
// (functions/desired: the Service index, per-entry route candidates, merged routes) are keyed by
// map identity, so without more they would be rebuilt from scratch for the new map. This registry
// says how the new map came about, so a cache can be rebuilt from the old map's cache by
// re-deriving only the changed keys.
//
// Memory: a record must not keep old maps alive by itself, or a long-lived world would pin every
// map it ever descended from. So a record names its ancestors through WeakRefs, holds at most
// MAX_STEPS of them (with the keys changed since each, composed), and only the sources of the last
// KEEP_RECENT derivations are held strongly — long enough for the usual "fold, then recompute"
// to find its predecessor's caches whatever the garbage collector does in between. Past that, a
// cache that finds no live ancestor is simply rebuilt from scratch: slower, never wrong.
//
// Contract for recorders: `next` is a new map that is never mutated after it is recorded, and
// every key whose value in `next` differs from `from` is in `keys` (extra keys are harmless).

export interface Derivation<K, V> {
  readonly from: ReadonlyMap<K, V>;
  /** Every key whose value may differ between `from` and the derived map. */
  readonly keys: ReadonlySet<K>;
}

type AnyMap = ReadonlyMap<unknown, unknown>;

interface Step {
  readonly from: WeakRef<AnyMap>;
  readonly keys: ReadonlySet<unknown>;
}

const MAX_STEPS = 4;
const KEEP_RECENT = 12;

const steps = new WeakMap<AnyMap, readonly Step[]>();
const recent: AnyMap[] = [];

function keepRecent(map: AnyMap): void {
  const at = recent.indexOf(map);
  if (at >= 0) recent.splice(at, 1);
  recent.push(map);
  if (recent.length > KEEP_RECENT) recent.shift();
}

/** Records that `next` is `from` with (at most) `keys` changed. */
export function recordDerivation<K, V>(next: ReadonlyMap<K, V>, from: ReadonlyMap<K, V>, keys: Iterable<K>): void {
  if ((next as AnyMap) === from) return;
  const changed = new Set<unknown>(keys);
  const chain: Step[] = [{ from: new WeakRef(from as AnyMap), keys: changed }];
  for (const step of steps.get(from as AnyMap) ?? []) {
    if (chain.length >= MAX_STEPS) break;
    if (step.from.deref() === undefined) break;
    const composed = new Set(step.keys);
    for (const k of changed) composed.add(k);
    chain.push({ from: step.from, keys: composed });
  }
  steps.set(next as AnyMap, chain);
  keepRecent(from as AnyMap);
}

/** The live maps `map` was derived from, nearest first, each with the keys changed since. */
export function derivationsOf<K, V>(map: ReadonlyMap<K, V>): Derivation<K, V>[] {
  const out: Derivation<K, V>[] = [];
  for (const step of steps.get(map as AnyMap) ?? []) {
    const from = step.from.deref();
    if (from !== undefined) out.push({ from: from as ReadonlyMap<K, V>, keys: step.keys as ReadonlySet<K> });
  }
  return out;
}
