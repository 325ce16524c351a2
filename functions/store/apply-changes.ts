// Many changes folded into a world view at once, as the runner's world mirror does. world.ts's
// applyObject copies the changed kind's map on every call (10,000 Services: 2 ms per change); here
// each touched kind becomes a derived version of a layered map (incremental/derivation.ts), which
// copies only the differences and records the keys the batch touched, so the caches keyed by the
// old map are brought up to date by those keys only. The rules are world.ts's (an invalid version
// keeps the last valid record and is remembered in `invalid`; a delete removes both); a unit test
// holds the two equal on random change sequences.

import {
  isRecordKind,
  KINDS,
  mapKey,
  normaliseObject,
  objectIdentity,
  invalidVersion,
  type NormaliseResult,
  type RecordKind,
  type WorldRecord,
} from '../model/normalise.ts';
import { WORLD_FIELD, type ObjectRef, type WorldView } from '../model/world.ts';
import type { InvalidObject } from '../model/validation.ts';
import { deriveMap } from '../incremental/derivation.ts';

export interface WorldChange {
  readonly ref: ObjectRef;
  /** The object as stored; null when it was deleted. */
  readonly raw: unknown;
  /** `raw` normalised already (store/fold.ts foldEvent), so it is not done twice. */
  readonly normalised?: NormaliseResult;
}

type Field = (typeof WORLD_FIELD)[RecordKind];

export function applyChanges(world: WorldView, changes: readonly WorldChange[]): WorldView {
  // Per touched kind: key → new record (undefined: deleted), in order, the last change winning.
  const touched = new Map<Field, Map<string, WorldRecord | undefined>>();
  let invalid: Map<string, InvalidObject> | undefined;
  const records = (kind: RecordKind): Map<string, WorldRecord | undefined> => {
    const field = WORLD_FIELD[kind];
    let changed = touched.get(field);
    if (changed === undefined) {
      changed = new Map();
      touched.set(field, changed);
    }
    return changed;
  };
  const invalids = (): Map<string, InvalidObject> => (invalid ??= new Map(world.invalid));
  // Copied only when it changes, so that a valid change keeps the map (the conditions' cache
  // compares it by identity, incremental/desired-cache.ts).
  const clearInvalid = (id: string) => {
    if ((invalid ?? world.invalid).has(id)) invalids().delete(id);
  };

  for (const { ref, raw, normalised } of changes) {
    if (raw === null) {
      if (!isRecordKind(ref.kind)) continue;
      const namespace = KINDS[ref.kind].namespaced ? ref.namespace || 'default' : null;
      const key = mapKey(namespace, ref.name);
      records(ref.kind).set(key, undefined);
      clearInvalid(objectIdentity(ref.kind, namespace, ref.name));
      continue;
    }
    const result = normalised ?? normaliseObject(raw);
    const error = invalidVersion(result);
    if (result.status === 'ok') {
      const record = result.record;
      const { namespace, name } = record.kind === 'Secret' ? record : record.meta;
      const key = mapKey(namespace, name);
      records(record.kind).set(key, record);
      clearInvalid(objectIdentity(record.kind, namespace, name));
    } else if (error !== null) {
      invalids().set(objectIdentity(error.kind, error.namespace, error.name), error);
    }
  }
  if (touched.size === 0 && invalid === undefined) return world;
  const next: Record<string, unknown> = { ...world };
  for (const [field, changed] of touched) next[field] = deriveMap(world[field] as ReadonlyMap<string, WorldRecord>, changed);
  if (invalid !== undefined) next['invalid'] = invalid;
  return next as unknown as WorldView;
}
