// applyChanges (one new layered version per touched map) must fold exactly like world.ts (one copy
// per change). Worlds are compared by content: the maps' kinds differ, and their iteration order
// is not part of the world's meaning.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChanges } from '../../../functions/store/apply-changes.ts';
import { applyObject, deleteObject, emptyWorld, type WorldView } from '../../../functions/model/world.ts';
import { changes } from './changes-arbitrary.ts';

function sequential(world: WorldView, list: Parameters<typeof applyChanges>[1]): WorldView {
  let w = world;
  for (const c of list) w = c.raw === null ? deleteObject(w, c.ref) : applyObject(w, c.raw).world;
  return w;
}

/** The world with every map as its entries sorted by key. */
function content(world: WorldView): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(world).map(([field, value]) => [
      field,
      value instanceof Map || (typeof value === 'object' && value !== null && 'entries' in value && typeof value.entries === 'function')
        ? [...(value as ReadonlyMap<string, unknown>).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        : value,
    ]),
  );
}

describe('applyChanges', () => {
  it('equals applyObject/deleteObject one by one, for any sequence (invalid versions and deletes included)', () => {
    fc.assert(
      fc.property(changes(8), changes(12), (setup, list) => {
        const start = sequential(emptyWorld(), setup);
        expect(content(applyChanges(start, list))).toEqual(content(sequential(start, list)));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves the world it started from untouched', () => {
    fc.assert(
      fc.property(changes(8), changes(8), (setup, list) => {
        const start = sequential(emptyWorld(), setup);
        const snapshot = sequential(emptyWorld(), setup);
        applyChanges(start, list);
        expect(content(start)).toEqual(content(snapshot));
      }),
      { numRuns: 100 },
    );
  });

  it('returns the same world when nothing changes', () => {
    const w = emptyWorld();
    expect(applyChanges(w, [])).toBe(w);
  });
});
