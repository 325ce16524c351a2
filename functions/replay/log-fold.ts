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
import { foldEvent, foldPayload, stampHalves, type FoldEvent } from '../store/fold.ts';
import { compareOffsets, type Positions } from '../store/positions.ts';
import { CAS_KIND_PREFIX } from '../store/scripts.ts';

const lt = (a: string, b: string) => compareOffsets(a, b) < 0;

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
      const f = foldEvent(e);
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
    return this.#objects;
  }

  /** The objects whose latest version is invalid: that version (object key → JSON). */
  get invalidObjects(): ReadonlyMap<string, string> {
    return this.#invalid;
  }

  get positions(): Positions {
    return Object.fromEntries(this.#positions);
  }

  /** The hashes to write, as the store's script would have left them. */
  hashes(): FoldedHashes {
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
    if (e.op === 'u' && e.key.startsWith(CAS_KIND_PREFIX)) {
      // Compare-and-set: a version computed from another version than the one held changes
      // nothing, but its offset counts as folded.
      const current = this.#objects.has(e.key) ? (held ?? '') : '';
      if (previousOf(e.object) !== current) {
        this.#bump(e.partition, e.offset);
        return;
      }
    }
    if (e.op === 'u') {
      this.#objects.set(e.key, this.#upsertText(e));
      this.#invalid.delete(e.key);
      this.#objectSources.set(e.key, e.source);
    } else if (e.op === 'i') {
      this.#invalid.set(e.key, foldPayload(e));
      this.#objectSources.set(e.key, e.source);
    } else {
      this.#objects.delete(e.key);
      this.#invalid.delete(e.key);
      this.#objectSources.delete(e.key);
    }
    this.#objectPositions.set(e.key, `${e.partition}:${e.offset}`);
    this.#bump(e.partition, e.offset);
    this.applied++;
  }

  /** The text an upsert stores: an object without creationTimestamp keeps the one it was first given (OBJ-6). */
  #upsertText(e: FoldEvent): string {
    if (e.firstSeen === undefined) return foldPayload(e);
    const [head, tail] = stampHalves(e.object as Record<string, unknown>);
    return head + JSON.stringify(creationTimestampOf(this.#objects.get(e.key)) ?? e.firstSeen) + tail;
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
    for (const key of new Set([...this.#objects.keys(), ...this.#invalid.keys()])) {
      if (!key.startsWith(prefix) || this.#objectSources.get(key) !== e.source || listed?.has(key)) continue;
      const at = parsePosition(this.#objectPositions.get(key));
      if (at === null || at.partition !== e.partition || !lt(at.offset, before)) continue;
      this.#objects.delete(key);
      this.#invalid.delete(key);
      this.#objectSources.delete(key);
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

/** The creationTimestamp of a stored object's JSON, when it has a non-empty one. */
function creationTimestampOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const o: unknown = JSON.parse(text);
    const t = isObject(o) && isObject(o['metadata']) ? o['metadata']['creationTimestamp'] : undefined;
    return typeof t === 'string' && t !== '' ? t : undefined;
  } catch {
    return undefined;
  }
}
