// Which maps a derived world map came from, and which keys may differ since: recorded on the map
// itself (LayeredMap.origins), held weakly, so caches keyed by an old map can be brought up to date
// by the changed keys only (docs/incremental.md).

import { LayeredMap, type Origin } from './layered-map.ts';

export interface Derivation<K, V> {
  readonly from: ReadonlyMap<K, V>;
  /** Every key whose value may differ between `from` and the derived map. */
  readonly keys: ReadonlySet<K>;
}

const MAX_STEPS = 4;

/**
 * `from` with `changes` applied (undefined deletes), as a new map that records it was derived from
 * `from` with those keys changed; `from` itself when nothing changes. `from` is left as it is.
 */
export function deriveMap<K, V>(from: ReadonlyMap<K, V>, changes: ReadonlyMap<K, V | undefined>): ReadonlyMap<K, V> {
  const layered = from instanceof LayeredMap ? (from as LayeredMap<K, V>) : LayeredMap.of(from);
  const keys = new Set(changes.keys());
  const origins: Origin<K, V>[] = [{ from: new WeakRef(from), keys }];
  for (const older of layered.origins) {
    if (origins.length >= MAX_STEPS || older.from.deref() === undefined) break;
    origins.push({ from: older.from, keys: new Set([...older.keys, ...keys]) });
  }
  const next = layered.with(changes, origins);
  return next === layered ? from : (next as unknown as ReadonlyMap<K, V>);
}

/** The live maps `map` was derived from, nearest first, each with the keys changed since. */
export function derivationsOf<K, V>(map: ReadonlyMap<K, V>): Derivation<K, V>[] {
  if (!(map instanceof LayeredMap)) return [];
  const out: Derivation<K, V>[] = [];
  for (const origin of (map as LayeredMap<K, V>).origins) {
    const from = origin.from.deref();
    if (from !== undefined) out.push({ from, keys: origin.keys });
  }
  return out;
}
