// Which map a world map was derived from, and which keys may differ between the two, recorded on
// the new map itself (LayeredMap.origins). The world is copy-on-write per kind
// (store/apply-changes.ts): a change to one Service yields a new services map that differs from the
// old one in one key, and caches keyed by the old map (the Service index, an entry's candidates,
// the shared routes) can then be brought up to date by re-deriving that key only.
//
// A record must not keep old maps alive, or a long-lived world would pin every map it descended
// from: origins hold their maps through WeakRefs, at most MAX_STEPS of them (with the keys changed
// since each, composed). Whoever wants an old map's caches found keeps that map alive (the
// Service indexes keep their last few, service-index.ts); otherwise a cache finding no live
// ancestor is rebuilt from scratch — slower, never wrong.

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
