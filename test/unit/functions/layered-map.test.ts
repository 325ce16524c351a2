// LayeredMap (functions/incremental/layered-map.ts) is an immutable map: every version reads exactly as
// a plain Map given the same changes would, and deriving a version never changes an older one.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LayeredMap } from '../../../functions/incremental/layered-map.ts';

// Enough keys that the differences outgrow the bound (64 + size/32) and versions get flattened.
const KEYS = 300;
const keyArb = fc.integer({ min: 0, max: KEYS }).map((n) => `k${n}`);
// A batch of changes; undefined deletes.
const batchArb = fc.array(fc.tuple(keyArb, fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined })), { maxLength: 60 });

const sorted = (entries: Iterable<[string, number]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function expectSame(layered: LayeredMap<string, number>, plain: ReadonlyMap<string, number>): void {
  expect(layered.size).toBe(plain.size);
  expect(sorted(layered.entries())).toEqual(sorted(plain.entries()));
  expect([...layered.keys()].sort()).toEqual([...plain.keys()].sort());
  expect([...layered.values()].sort()).toEqual([...plain.values()].sort());
  for (let n = 0; n <= KEYS; n++) {
    expect(layered.get(`k${n}`)).toBe(plain.get(`k${n}`));
    expect(layered.has(`k${n}`)).toBe(plain.has(`k${n}`));
  }
}

describe('LayeredMap', () => {
  it('reads like a plain Map after any sequence of batches, and older versions never change', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArb, fc.integer()), { maxLength: 100 }), fc.array(batchArb, { maxLength: 30 }), (initial, batches) => {
        const versions: [LayeredMap<string, number>, Map<string, number>][] = [];
        let plain = new Map(initial);
        let layered = LayeredMap.of(new Map(plain));
        versions.push([layered, new Map(plain)]);
        for (const batch of batches) {
          const changes = new Map(batch);
          plain = new Map(plain);
          for (const [k, v] of changes) {
            if (v === undefined) plain.delete(k);
            else plain.set(k, v);
          }
          layered = layered.with(changes);
          expectSame(layered, plain);
          versions.push([layered, new Map(plain)]);
        }
        for (const [version, snapshot] of versions) expectSame(version, snapshot);
      }),
      { numRuns: 40 },
    );
  });

  it('a batch that changes nothing returns the same version', () => {
    const map = LayeredMap.of(new Map([['a', 1]]));
    expect(map.with(new Map([['a', 1], ['b', undefined]]))).toBe(map);
  });
});
