// An immutable map that is cheap to derive with a few changes: a base shared by every version plus
// this version's differences, flattened into a new base when they outgrow a bound, so a change
// costs O(1) amortised per key rather than a copy of the map (docs/incremental.md).

/** A map this version was derived from (held weakly), and every key that may differ since. */
export interface Origin<K, V> {
  readonly from: WeakRef<ReadonlyMap<K, V>>;
  readonly keys: ReadonlySet<K>;
}

const GONE: unique symbol = Symbol('gone');
type Slot<V> = V | typeof GONE;

// Differences beyond this many are folded into a fresh base: small enough that copying them per
// version is cheap, large enough that a full copy happens once per several hundred changes.
const flattenAt = (baseSize: number) => 64 + (baseSize >> 5);

export class LayeredMap<K, V> {
  private readonly base: ReadonlyMap<K, V>;
  private readonly delta: ReadonlyMap<K, Slot<V>>;
  readonly size: number;
  /** Set by derivation.ts deriveMap(): the maps this version was derived from, nearest first. */
  readonly origins: readonly Origin<K, V>[];

  private constructor(base: ReadonlyMap<K, V>, delta: ReadonlyMap<K, Slot<V>>, size: number, origins: readonly Origin<K, V>[] = []) {
    this.base = base;
    this.delta = delta;
    this.size = size;
    this.origins = origins;
  }

  /** A layered map holding `map`'s entries; `map` must not be changed afterwards. */
  static of<K, V>(map: ReadonlyMap<K, V>): LayeredMap<K, V> {
    return new LayeredMap(map, new Map(), map.size);
  }

  get(key: K): V | undefined {
    if (this.delta.size > 0) {
      const d = this.delta.get(key);
      if (d !== undefined) return d === GONE ? undefined : d;
    }
    return this.base.get(key);
  }

  has(key: K): boolean {
    if (this.delta.size > 0) {
      const d = this.delta.get(key);
      if (d !== undefined) return d !== GONE;
    }
    return this.base.has(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.delta.size === 0 ? this.base.entries() : this.layered();
  }

  private *layered(): IterableIterator<[K, V]> {
    for (const entry of this.base) if (!this.delta.has(entry[0])) yield entry;
    for (const [key, value] of this.delta) if (value !== GONE) yield [key, value];
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  keys(): IterableIterator<K> {
    return this.delta.size === 0 ? this.base.keys() : this.mapped(([key]) => key);
  }

  values(): IterableIterator<V> {
    return this.delta.size === 0 ? this.base.values() : this.mapped(([, value]) => value);
  }

  forEach(f: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [key, value] of this.entries()) f(value, key, this as unknown as ReadonlyMap<K, V>);
  }

  private *mapped<T>(f: (entry: [K, V]) => T): IterableIterator<T> {
    for (const entry of this.layered()) yield f(entry);
  }

  /**
   * A new version with `changes` applied (undefined deletes), carrying `origins`; this version is
   * left as it is. Returns this version itself when nothing changes.
   */
  with(changes: ReadonlyMap<K, V | undefined>, origins: readonly Origin<K, V>[] = []): LayeredMap<K, V> {
    if (changes.size === 0) return this;
    const delta = new Map(this.delta);
    let size = this.size;
    let touched = false;
    for (const [key, value] of changes) {
      const had = this.has(key);
      if (value === undefined) {
        if (!had) continue;
        size--;
      } else {
        if (had && this.get(key) === value) continue;
        if (!had) size++;
      }
      touched = true;
      // A key whose new value is the base's own needs no difference recorded.
      const baseHas = this.base.has(key);
      if (value === undefined ? !baseHas : baseHas && this.base.get(key) === value) delta.delete(key);
      else delta.set(key, value === undefined ? GONE : value);
    }
    if (!touched) return this;
    if (delta.size <= flattenAt(this.base.size)) return new LayeredMap(this.base, delta, size, origins);
    const flat = new Map(this.base);
    for (const [key, value] of delta) {
      if (value === GONE) flat.delete(key);
      else flat.set(key, value);
    }
    return new LayeredMap(flat, new Map(), size, origins);
  }
}
