// The events topic folded into a world in memory: the same fold the store's Lua script does event
// by event (functions/store/scripts.ts FOLD_SCRIPT), as a pure function of the records read, so a
// whole topic can be folded in one pass and written at once (world-load.ts). Used to rebuild the
// live store from the log (store-guard.ts) and to replay the log into a scratch prefix; an
// integration test holds it to the script on random histories (test/integration/replay.test.ts).
//
// What a fold keeps, per hash of the world (events/redis-keys.ts):
// - objects: object key → the JSON of the version in effect (live objects); invalid: object key →
//   its latest version when that one breaks bgpcast's rules (OBJ-5); object-sources: the latest
//   version's envelope source;
// - object-positions: object key → "partition:offset" of its last fold, kept after a delete (a
//   tombstone) and set by a sweep;
// - positions: partition → the highest offset folded or passed over;
// - sync-markers: "source|Kind|partition" → "offset syncId" of the last marker;
// - sync-parts: the parts of a split marker received so far.
// Rules: an event at or below the stored position of its object (same partition) changes nothing;
// an object without creationTimestamp is stamped when first seen and keeps that time (OBJ-6); a
// RouterIDAllocation upsert applies only when its spec.previous names the version held; an
// invalid version goes to `invalid` and leaves `objects` as it was, a valid one clears it, a delete
// and a sweep clear both;
// a marker without keys deletes the objects of its kind and source in its partition not folded
// since the previous marker; a marker with keys deletes those folded before it and not listed,
// at its last part, with the keys of every part (a series that breaks off sweeps nothing).

import type { ConsumedEvent, DeliveredRange } from '../../events/bus.ts';
import { invalidVersion, normaliseObject } from '../model/normalise.ts';
import { foldRecord, stampHalves, type FoldEvent } from '../store/fold.ts';
import { compareOffsets, type Positions } from '../store/positions.ts';
import { CAS_KIND_PREFIX } from '../store/scripts.ts';

const lt = (a: string, b: string) => compareOffsets(a, b) < 0;

/**
 * Validity is asked only where it decides something. Upserts of an object are held unresolved (up to
 * MAX_UNRESOLVED), and resolved newest first: the newest valid one is the version in effect, so
 * the versions before it are never classified — unless its creation time comes from them (OBJ-6).
 * A replay folds each version once, validates about one per object (a store script run classifies
 * every version: its caller cannot know which will matter).
 */
interface Unresolved {
  readonly e: FoldEvent;
  /** Whether the version breaks bgpcast's rules; undefined until asked. */
  invalid: boolean | undefined;
}
const MAX_UNRESOLVED = 8;

interface HeldParts {
  readonly syncId: string | undefined;
  next: number;
  readonly keys: string[];
}

/** The world hashes as the store holds them: field → value, all text. */
export interface FoldedHashes {
  readonly objects: ReadonlyMap<string, string>;
  readonly invalidObjects: ReadonlyMap<string, string>;
  readonly objectPositions: ReadonlyMap<string, string>;
  readonly objectSources: ReadonlyMap<string, string>;
  readonly positions: ReadonlyMap<string, string>;
  readonly syncMarkers: ReadonlyMap<string, string>;
  readonly syncParts: ReadonlyMap<string, string>;
}

export class LogFold {
  readonly #objects = new Map<string, string>();
  readonly #invalid = new Map<string, string>();
  /** Object key → its upserts folded after what the two maps hold, oldest first. */
  readonly #unresolved = new Map<string, Unresolved[]>();
  readonly #objectPositions = new Map<string, string>();
  readonly #objectSources = new Map<string, string>();
  readonly #positions = new Map<string, string>();
  readonly #syncMarkers = new Map<string, string>();
  readonly #syncParts = new Map<string, HeldParts>();
  /** Folds that changed the world, and objects deleted by markers. */
  applied = 0;
  swept = 0;
  /** Records read: events, and those of kinds bgpcast does not consume. */
  events = 0;
  ignored = 0;

  /** One fetch of a partition: its events in offset order, then every offset it covered. */
  foldBatch(events: readonly ConsumedEvent[], range?: DeliveredRange): void {
    for (const e of events) {
      this.events++;
      const f = foldRecord(e);
      if (f === null) this.ignored++;
      else this.fold(f);
    }
    if (range) this.passOver(String(range.partition), range.next);
  }

  /** Records every offset below `next` of `partition` as seen (folded or not). */
  passOver(partition: string, next: string): void {
    if (next !== '0') this.#bump(partition, (BigInt(next) - 1n).toString());
  }

  fold(e: FoldEvent): void {
    if (e.op === 's' || e.op === 'k') this.#marker(e);
    else this.#object(e);
  }

  /** The live objects' versions in effect as folded so far (object key → JSON); changes as the fold goes on. */
  get objects(): ReadonlyMap<string, string> {
    this.#resolveAll();
    return this.#objects;
  }

  /** The objects whose latest version is invalid: that version (object key → JSON). */
  get invalidObjects(): ReadonlyMap<string, string> {
    this.#resolveAll();
    return this.#invalid;
  }

  /** An object's latest version as the store holds it (an invalid one, else the one in effect). */
  latest(key: string): string | undefined {
    this.#resolve(key);
    return this.#invalid.get(key) ?? this.#objects.get(key);
  }

  get positions(): Positions {
    return Object.fromEntries(this.#positions);
  }

  /** The hashes to write, as the store's script would have left them. */
  hashes(): FoldedHashes {
    this.#resolveAll();
    return {
      objects: this.#objects,
      invalidObjects: this.#invalid,
      objectPositions: this.#objectPositions,
      objectSources: this.#objectSources,
      positions: this.#positions,
      syncMarkers: this.#syncMarkers,
      syncParts: new Map([...this.#syncParts].map(([k, v]) => [k, JSON.stringify({ syncId: v.syncId, next: v.next, keys: v.keys })])),
    };
  }

  #bump(partition: string, offset: string): void {
    const current = this.#positions.get(partition);
    if (current === undefined || lt(current, offset)) this.#positions.set(partition, offset);
  }

  #object(e: FoldEvent): void {
    const held = this.#objectPositions.get(e.key);
    const stored = parsePosition(held);
    if (stored !== null && stored.partition === e.partition && !lt(stored.offset, e.offset)) return;
    let invalid = e.op === 'i' ? true : e.normalised === undefined ? undefined : invalidVersion(e.normalised) !== null;
    if (e.op === 'u' && e.key.startsWith(CAS_KIND_PREFIX)) {
      this.#resolve(e.key);
      invalid ??= isInvalid(e);
      // Compare-and-set (a valid version only, as the script): a version computed from another
      // version than the one held changes nothing, but its offset counts as folded.
      const current = this.#objects.has(e.key) ? (held ?? '') : '';
      if (!invalid && previousOf(e.object) !== current) {
        this.#bump(e.partition, e.offset);
        return;
      }
    }
    if (e.op === 'u' || e.op === 'i') {
      const list = this.#unresolved.get(e.key) ?? [];
      list.push({ e, invalid });
      this.#unresolved.set(e.key, list);
      if (list.length >= MAX_UNRESOLVED || e.key.startsWith(CAS_KIND_PREFIX)) this.#resolve(e.key);
      this.#objectSources.set(e.key, e.source);
    } else {
      this.#forget(e.key);
    }
    this.#objectPositions.set(e.key, `${e.partition}:${e.offset}`);
    this.#bump(e.partition, e.offset);
    this.applied++;
  }

  #forget(key: string): void {
    this.#objects.delete(key);
    this.#invalid.delete(key);
    this.#unresolved.delete(key);
    this.#objectSources.delete(key);
  }

  #resolveAll(): void {
    for (const key of [...this.#unresolved.keys()]) this.#resolve(key);
  }

  /**
   * Folds an object's unresolved upserts into the maps as the script folds them one by one: the
   * newest valid one in effect (stamped, OBJ-6), the newest stored as invalid when it is not valid.
   */
  #resolve(key: string): void {
    const list = this.#unresolved.get(key);
    if (list === undefined) return;
    this.#unresolved.delete(key);
    const valid = (i: number): boolean => !(list[i]!.invalid ??= isInvalid(list[i]!.e));
    const before = this.#objects.get(key);
    // The creation time of the version in effect when version i was folded (the script's stamp for
    // a file-applied version i, OBJ-6): that of the newest valid version before it — its own, or for
    // a file-applied one the same rule again, else that one's first-seen time — or of `before`.
    // Walked back without asking file-applied versions whether they are valid: that matters only when
    // nothing older gives a time, and then the oldest valid one of them gives its first-seen time.
    const timestampBefore = (i: number): string | undefined => {
      let j = i - 1;
      let found: string | undefined;
      for (; j >= 0; j--) {
        const e = list[j]!.e;
        if (e.firstSeen === undefined && valid(j)) {
          found = creationTimestampOf(e.object);
          break;
        }
      }
      if (j < 0 && before !== undefined) found = creationTimestampOf(JSON.parse(before) as unknown);
      for (let m = j + 1; found === undefined && m < i; m++) if (list[m]!.e.firstSeen !== undefined && valid(m)) found = list[m]!.e.firstSeen;
      return found;
    };
    const last = list.length - 1;
    let k = last;
    while (k >= 0 && !valid(k)) k--;
    if (k >= 0) {
      const e = list[k]!.e;
      if (e.firstSeen === undefined) this.#objects.set(key, JSON.stringify(e.object));
      else {
        const [head, tail] = stampHalves(e.object as Record<string, unknown>);
        this.#objects.set(key, head + JSON.stringify(timestampBefore(k) ?? e.firstSeen) + tail);
      }
    }
    if (k === last) this.#invalid.delete(key);
    else this.#invalid.set(key, JSON.stringify(list[last]!.e.object));
  }

  #marker(e: FoldEvent): void {
    const id = `${e.source}|${e.key}|${e.partition}`;
    const previous = /^(\d+)/.exec(this.#syncMarkers.get(id) ?? '')?.[1];
    if (previous !== undefined && !lt(previous, e.offset)) return;
    this.#syncMarkers.set(id, `${e.offset} ${e.syncId ?? ''}`);
    if (e.op === 's') {
      if (previous !== undefined) this.#sweep(e, previous, null);
    } else {
      const count = e.listed?.parts ?? 1;
      const index = e.listed?.part ?? 0;
      let held: HeldParts = { syncId: e.syncId, next: 0, keys: [] };
      if (count > 1) {
        const stored = this.#syncParts.get(id);
        if (stored && stored.syncId === e.syncId) held = stored;
      }
      if (index === held.next) {
        held.keys.push(...(e.listed?.keys ?? []));
        if (index + 1 < count) {
          held.next = index + 1;
          this.#syncParts.set(id, held);
        } else {
          this.#syncParts.delete(id);
          this.#sweep(e, e.offset, new Set(held.keys));
        }
      } else {
        this.#syncParts.delete(id);
      }
    }
    this.#bump(e.partition, e.offset);
    this.applied++;
  }

  /** Deletes the marker's kind and source in its partition folded before `before`, not `listed`. */
  #sweep(e: FoldEvent, before: string, listed: ReadonlySet<string> | null): void {
    const prefix = `${e.key}/`;
    for (const key of new Set([...this.#objects.keys(), ...this.#invalid.keys(), ...this.#unresolved.keys()])) {
      if (!key.startsWith(prefix) || this.#objectSources.get(key) !== e.source || listed?.has(key)) continue;
      const at = parsePosition(this.#objectPositions.get(key));
      if (at === null || at.partition !== e.partition || !lt(at.offset, before)) continue;
      this.#forget(key);
      this.#objectPositions.set(key, `${e.partition}:${e.offset}`);
      this.swept++;
    }
  }
}

function parsePosition(text: string | undefined): { partition: string; offset: string } | null {
  const m = /^(\d+):(\d+)$/.exec(text ?? '');
  return m ? { partition: m[1]!, offset: m[2]! } : null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** spec.previous of a compare-and-set object ('' when absent or not text). */
function previousOf(object: unknown): string {
  const previous = isObject(object) && isObject(object['spec']) ? object['spec']['previous'] : undefined;
  return typeof previous === 'string' ? previous : '';
}

/** Whether an upsert's version breaks bgpcast's rules (model/normalise.ts invalidVersion). */
function isInvalid(e: FoldEvent): boolean {
  return invalidVersion(e.normalised ?? normaliseObject(e.object)) !== null;
}

/** An object's creationTimestamp, when it has a non-empty one. */
function creationTimestampOf(o: unknown): string | undefined {
  const t = isObject(o) && isObject(o['metadata']) ? o['metadata']['creationTimestamp'] : undefined;
  return typeof t === 'string' && t !== '' ? t : undefined;
}
