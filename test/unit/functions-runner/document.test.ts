// The canonical form of desired documents: equal states give equal text, whatever order the world
// was built in; the revision is not part of it. (How a node's document is written: plan-node-write.test.ts.)
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { computeConditions } from '../../../functions/cilium/conditions.ts';
import { worldFromObjects } from '../../../functions/model/world.ts';
import { conditionsDocument, digestOf, nodeDocument } from '../../../functions/runner/document.ts';

const seedDir = new URL('../../../infra/examples/seed/', import.meta.url);
const seed = readdirSync(seedDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(new URL(f, seedDir), 'utf8')).map((d) => d.toJSON() as unknown));

describe('stored documents', () => {
  it('the same world in any order gives byte-equal documents', () => {
    const reference = nodeDocument(computeDesiredNode(worldFromObjects(seed), 'worker1'));
    expect(reference.empty).toBe(false);
    fc.assert(
      fc.property(fc.shuffledSubarray(seed, { minLength: seed.length, maxLength: seed.length }), (objects) => {
        const doc = nodeDocument(computeDesiredNode(worldFromObjects(objects), 'worker1'));
        expect(doc.text).toBe(reference.text);
      }),
      { numRuns: 50 },
    );
  });

  it('the revision is left out', () => {
    const state = computeDesiredNode(worldFromObjects(seed), 'worker2');
    const a = nodeDocument(state);
    const b = nodeDocument({ ...state, revision: 7 });
    expect(b).toEqual(a);
    expect(JSON.parse(a.text)).toEqual({ node: 'worker2', instances: state.instances });
  });

  it('different states give different texts; a node without configuration is empty', () => {
    const world = worldFromObjects(seed);
    const w1 = nodeDocument(computeDesiredNode(world, 'worker1'));
    const w2 = nodeDocument(computeDesiredNode(world, 'worker2'));
    const cp = nodeDocument(computeDesiredNode(world, 'control-plane'));
    expect(w1.text).not.toBe(w2.text);
    expect(cp).toMatchObject({ empty: true, text: '{"node":"control-plane","instances":[]}' });
  });

  it('conditions: the JSON list and its sha256', () => {
    const doc = conditionsDocument(computeConditions(worldFromObjects(seed)));
    expect(JSON.parse(doc.text)).toEqual(computeConditions(worldFromObjects(seed)));
    expect(doc.digest).toBe(digestOf(doc.text));
    expect(conditionsDocument([]).empty).toBe(true);
  });
});
