// The derivation record (functions/incremental/derivation.ts): every map the runner's fold
// (applyChanges) produces says which map it was derived from and which keys may differ, so caches
// keyed by maps can be rebuilt by those keys only; the record is bounded and weak, so it pins no
// history.
import { describe, expect, it } from 'vitest';
import { derivationsOf } from '../../../functions/incremental/derivation.ts';
import { applyObject, worldFromObjects } from '../../../functions/model/world.ts';
import { applyChanges } from '../../../functions/store/apply-changes.ts';
import { applied, deleted, endpointSlice, node, service } from './builders.ts';

const svc = (name: string, ip: string) => service(name, { clusterIPs: [ip] });
const ref = (kind: string, name: string, namespace: string | null = 'default') => ({ kind, namespace, name });

describe('derivation record', () => {
  it('a world built from objects has no derivation', () => {
    const world = worldFromObjects([svc('a', '10.96.0.1')]);
    expect(derivationsOf(world.services)).toEqual([]);
  });

  it('a change of one object records the one key it changes, on the map of its kind only', () => {
    const w0 = worldFromObjects([svc('a', '10.96.0.1'), node('n1')]);
    const w1 = applied(w0, svc('b', '10.96.0.2'));
    expect(w1.nodes).toBe(w0.nodes);
    expect(derivationsOf(w1.services)).toEqual([{ from: w0.services, keys: new Set(['default/b']) }]);
    const w2 = deleted(w1, ref('Service', 'a'));
    expect(derivationsOf(w2.services)[0]).toEqual({ from: w1.services, keys: new Set(['default/a']) });
  });

  it('a world changed by applyObject (a plain copy, outside the runner) records nothing', () => {
    const w0 = worldFromObjects([svc('a', '10.96.0.1')]);
    expect(derivationsOf(applyObject(w0, svc('b', '10.96.0.2')).world.services)).toEqual([]);
  });

  it('deleting an object that is not there keeps the map', () => {
    const w0 = applied(worldFromObjects([]), svc('a', '10.96.0.1'));
    expect(deleted(w0, ref('Service', 'nope')).services).toBe(w0.services);
  });

  it('applyChanges records every key a batch touches, deletes included, per map', () => {
    const w0 = worldFromObjects([svc('a', '10.96.0.1'), node('n1')]);
    const w1 = applyChanges(w0, [
      { ref: ref('Service', 'b'), raw: svc('b', '10.96.0.2') },
      { ref: ref('Service', 'a'), raw: null },
      { ref: ref('EndpointSlice', 'b-1'), raw: endpointSlice('b-1', 'b', [{ nodeName: 'n1' }]) },
    ]);
    expect(derivationsOf(w1.services)[0]).toEqual({ from: w0.services, keys: new Set(['default/a', 'default/b']) });
    expect(derivationsOf(w1.endpointSlices)[0]).toEqual({ from: w0.endpointSlices, keys: new Set(['default/b-1']) });
    expect(derivationsOf(w1.nodes)).toEqual([]);
  });

  it('composes the keys over the last few steps, and no further', () => {
    let world = worldFromObjects([]);
    const maps = [world.services];
    for (let i = 0; i < 6; i++) {
      world = applied(world, svc(`s${i}`, `10.96.0.${i + 1}`));
      maps.push(world.services);
    }
    const steps = derivationsOf(world.services);
    expect(steps.length).toBe(4);
    expect(steps.map((s) => s.from)).toEqual([maps[5], maps[4], maps[3], maps[2]]);
    expect(steps[3]!.keys).toEqual(new Set(['default/s2', 'default/s3', 'default/s4', 'default/s5']));
  });
});
