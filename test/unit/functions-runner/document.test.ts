// The stored form of desired documents: equal states give equal text and digests, whatever order
// the world was built in; the revision is not part of it.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { computeDesiredNode } from '../../../functions/desired/compute-desired-node.ts';
import { computeConditions } from '../../../functions/conditions/compute-conditions.ts';
import { worldFromObjects } from '../../../functions/model/world.ts';
import { conditionsDocument, digestOf, nodeDocument } from '../../../functions/runner/document.ts';

const seedDir = new URL('../../../../shared/examples/seed/', import.meta.url);
const seed = readdirSync(seedDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(new URL(f, seedDir), 'utf8')).map((d) => d.toJSON() as unknown));

describe('stored documents', () => {
  it('the same world in any order gives byte-equal documents and digests', () => {
    const reference = nodeDocument(computeDesiredNode(worldFromObjects(seed), 'worker1'));
    expect(reference.empty).toBe(false);
    fc.assert(
      fc.property(fc.shuffledSubarray(seed, { minLength: seed.length, maxLength: seed.length }), (objects) => {
        const doc = nodeDocument(computeDesiredNode(worldFromObjects(objects), 'worker1'));
        expect(doc.text).toBe(reference.text);
        expect(doc.digest).toBe(reference.digest);
      }),
      { numRuns: 50 },
    );
  });

  it('the digest is the sha256 of the text, and the revision is left out', () => {
    const state = computeDesiredNode(worldFromObjects(seed), 'worker2');
    const a = nodeDocument(state);
    const b = nodeDocument({ ...state, revision: 7 });
    expect(b).toEqual(a);
    expect(a.digest).toBe(digestOf(a.text));
    expect(JSON.parse(a.text)).toEqual({ node: 'worker2', instances: state.instances });
  });

  it('different states give different digests; a node without configuration is empty', () => {
    const world = worldFromObjects(seed);
    const w1 = nodeDocument(computeDesiredNode(world, 'worker1'));
    const w2 = nodeDocument(computeDesiredNode(world, 'worker2'));
    const cp = nodeDocument(computeDesiredNode(world, 'control-plane'));
    expect(w1.digest).not.toBe(w2.digest);
    expect(cp).toMatchObject({ empty: true, text: '{"node":"control-plane","instances":[]}' });
  });

  it('conditions: the JSON list', () => {
    const doc = conditionsDocument(computeConditions(worldFromObjects(seed)));
    expect(JSON.parse(doc.text)).toEqual(computeConditions(worldFromObjects(seed)));
    expect(conditionsDocument([]).empty).toBe(true);
  });
});
