// Many changes folded into a world view at once. world.ts's applyObject copies the changed kind's
// map on every call, so N changes to a kind of size M cost N×M (10,000 Services: 2 ms per change).
// Here each touched kind becomes a new version of a LayeredMap (functions/model/layered-map.ts):
// the old version's base is shared and only the differences are copied, so a batch costs about
// what it changes; the copy of a whole map is amortised over many batches. The rules are
// world.ts's (an invalid version keeps the last valid record and is remembered in `invalid`; a
// delete removes both); a unit test holds the two equal on random change sequences.
// Each copied map is recorded as derived from the one it copies, with the keys the batch touched
// (model/derivation.ts), so caches keyed by maps are rebuilt from the old map's by those keys.

import {
  isRecordKind,
  KINDS,
  mapKey,
  normaliseObject,
  objectIdentity,
  type RecordKind,
  type WorldRecord,
} from '../model/normalise.ts';
import { WORLD_FIELD, type ObjectRef, type WorldView } from '../model/world.ts';
import type { InvalidObject } from '../model/validation.ts';
import { recordDerivation } from '../incremental/derivation.ts';
import { LayeredMap } from '../incremental/layered-map.ts';

export interface WorldChange {
  readonly ref: ObjectRef;
  /** The object as stored; null when it was deleted. */
  readonly raw: unknown;
}

type Field = (typeof WORLD_FIELD)[RecordKind];

export function applyChanges(world: WorldView, changes: readonly WorldChange[]): WorldView {
  // Per touched kind: key → new record (undefined: deleted), in order, the last change winning.
  const touched = new Map<Field, Map<string, WorldRecord | undefined>>();
  let invalid: Map<string, InvalidObject> | undefined;
  const invalidKeys = new Set<string>();
  const records = (kind: RecordKind): Map<string, WorldRecord | undefined> => {
    const field = WORLD_FIELD[kind];
    let changed = touched.get(field);
    if (changed === undefined) {
      changed = new Map();
      touched.set(field, changed);
    }
    return changed;
  };
  const invalids = (id: string): Map<string, InvalidObject> => {
    invalidKeys.add(id);
    return (invalid ??= new Map(world.invalid));
  };

  for (const { ref, raw } of changes) {
    if (raw === null) {
      if (!isRecordKind(ref.kind)) continue;
      const namespace = KINDS[ref.kind].namespaced ? ref.namespace || 'default' : null;
      const key = mapKey(namespace, ref.name);
      records(ref.kind).set(key, undefined);
      const id = objectIdentity(ref.kind, namespace, ref.name);
      invalids(id).delete(id);
      continue;
    }
    const result = normaliseObject(raw);
    if (result.status === 'ok') {
      const record = result.record;
      const { namespace, name } = record.kind === 'Secret' ? record : record.meta;
      const key = mapKey(namespace, name);
      records(record.kind).set(key, record);
      const id = objectIdentity(record.kind, namespace, name);
      invalids(id).delete(id);
    } else if (result.status === 'invalid' && result.error.name !== '' && isRecordKind(result.error.kind)) {
      const e = result.error;
      const id = objectIdentity(e.kind as RecordKind, e.namespace, e.name);
      invalids(id).set(id, e);
    }
  }
  if (touched.size === 0 && invalid === undefined) return world;
  const next: Record<string, unknown> = { ...world };
  for (const [field, changed] of touched) {
    const from = world[field] as ReadonlyMap<string, WorldRecord>;
    const map = (from instanceof LayeredMap ? from : LayeredMap.of(from)).with(changed);
    recordDerivation(map as unknown as ReadonlyMap<string, WorldRecord>, from, changed.keys());
    next[field] = map;
  }
  if (invalid !== undefined) {
    recordDerivation(invalid, world.invalid, invalidKeys);
    next['invalid'] = invalid;
  }
  return next as unknown as WorldView;
}
