// The log folded in memory, rule by rule (the same rules as the store's fold script; an integration
// test holds the two together on random histories): last offset wins per object, a delete leaves a
// tombstone, an invalid version is kept beside the version in effect, markers sweep what their
// source no longer lists, every offset read counts as passed over; and which offsets a delivery covered, as the fold script checks them.
import { describe, expect, it } from 'vitest';
import { LogFold } from '../../../functions/replay/log-fold.ts';
import { nodesOf } from '../../../functions/replay/world-load.ts';
import { rangeArgs, type FoldEvent } from '../../../functions/store/fold.ts';

const up = (key: string, partition: string, offset: string, source = 'kube:a', object: unknown = { v: offset }): FoldEvent => ({ op: 'u', key, partition, offset, source, object });
const bad = (key: string, partition: string, offset: string, source = 'kube:a'): FoldEvent => ({ op: 'i', key, partition, offset, source, object: { bad: offset } });
const del = (key: string, partition: string, offset: string): FoldEvent => ({ op: 'd', key, partition, offset, source: 'kube:a', object: null });
const keyed = (kind: string, partition: string, offset: string, keys: string[], part = 0, parts = 1, syncId = 's1'): FoldEvent => ({
  op: 'k', key: kind, partition, offset, source: 'kube:a', object: null, syncId, listed: { keys, part, parts },
});

describe('LogFold', () => {
  it('keeps the last version of each object; an older or equal offset changes nothing', () => {
    const f = new LogFold();
    f.fold(up('Node/a', '0', '5'));
    f.fold(up('Node/a', '0', '3'));
    f.fold(up('Node/a', '0', '5', 'kube:a', { v: 'again' }));
    expect(f.hashes().objects.get('Node/a')).toBe('{"v":"5"}');
    expect(f.applied).toBe(1);
    expect(f.positions).toEqual({ '0': '5' });
  });

  it('a delete leaves a tombstone: an older add delivered later does not bring the object back', () => {
    const f = new LogFold();
    f.fold(up('Node/a', '0', '1'));
    f.fold(del('Node/a', '0', '2'));
    f.fold(up('Node/a', '0', '1'));
    const h = f.hashes();
    expect(h.objects.has('Node/a')).toBe(false);
    expect(h.objectPositions.get('Node/a')).toBe('0:2');
  });

  it('an invalid version is kept beside the version in effect; a valid one clears it, a delete clears both (OBJ-5)', () => {
    const f = new LogFold();
    f.fold(up('Node/a', '0', '1'));
    f.fold(bad('Node/a', '0', '2'));
    f.fold(bad('Node/a', '0', '3'));
    expect(f.hashes().objects.get('Node/a')).toBe('{"v":"1"}');
    expect(f.hashes().invalidObjects.get('Node/a')).toBe('{"bad":"3"}');
    expect(f.hashes().objectPositions.get('Node/a')).toBe('0:3');
    f.fold(up('Node/a', '0', '4'));
    expect(f.hashes().objects.get('Node/a')).toBe('{"v":"4"}');
    expect(f.hashes().invalidObjects.has('Node/a')).toBe(false);
    f.fold(bad('Node/a', '0', '5'));
    f.fold(del('Node/a', '0', '6'));
    expect(f.hashes().objects.has('Node/a')).toBe(false);
    expect(f.hashes().invalidObjects.has('Node/a')).toBe(false);
    f.fold(bad('Node/b', '0', '7'));
    expect(f.hashes().objects.has('Node/b')).toBe(false);
    expect(f.hashes().invalidObjects.get('Node/b')).toBe('{"bad":"7"}');
    expect(f.applied).toBe(7);
  });

  it('a marker sweeps an object whose only versions are invalid, and the invalid version of one in effect', () => {
    const f = new LogFold();
    f.fold(bad('Node/a', '0', '0'));
    f.fold(up('Node/b', '0', '1'));
    f.fold(bad('Node/b', '0', '2'));
    f.fold(up('Node/c', '0', '3'));
    f.fold(keyed('Node', '0', '4', ['Node/c']));
    expect([...f.hashes().objects.keys()]).toEqual(['Node/c']);
    expect(f.hashes().invalidObjects.size).toBe(0);
    expect(f.swept).toBe(2);
  });

  it('a marker without keys deletes what its source did not publish since the previous marker, in its partition', () => {
    const f = new LogFold();
    f.fold(up('Node/a', '0', '0'));
    f.fold(up('Node/b', '0', '1'));
    f.fold(up('Node/c', '1', '0'));
    f.fold({ op: 's', key: 'Node', partition: '0', offset: '2', source: 'kube:a', object: null, syncId: 's1' });
    f.fold(up('Node/a', '0', '3'));
    f.fold({ op: 's', key: 'Node', partition: '0', offset: '4', source: 'kube:a', object: null, syncId: 's2' });
    expect([...f.hashes().objects.keys()].sort()).toEqual(['Node/a', 'Node/c']);
    expect(f.hashes().objectPositions.get('Node/b')).toBe('0:4');
    expect(f.hashes().syncMarkers.get('kube:a|Node|0')).toBe('4 s2');
  });

  it('a marker with keys sweeps at its last part with the keys of every part; a broken series sweeps nothing', () => {
    const f = new LogFold();
    for (const [i, k] of ['Node/a', 'Node/b', 'Node/c'].entries()) f.fold(up(k, '0', String(i)));
    f.fold(keyed('Node', '0', '3', ['Node/a'], 0, 2));
    expect(f.hashes().syncParts.get('kube:a|Node|0')).toBe('{"syncId":"s1","next":1,"keys":["Node/a"]}');
    f.fold(keyed('Node', '0', '4', ['Node/b'], 1, 2));
    expect([...f.hashes().objects.keys()].sort()).toEqual(['Node/a', 'Node/b']);
    expect(f.hashes().syncParts.size).toBe(0);
    f.fold(keyed('Node', '0', '5', [], 1, 2, 's2')); // part 1 of a series whose part 0 never came
    expect([...f.hashes().objects.keys()].sort()).toEqual(['Node/a', 'Node/b']);
    expect(f.swept).toBe(1);
  });

  it('a fetch counts every offset it covered as passed over, folded or not', () => {
    const f = new LogFold();
    f.foldBatch([], { partition: 2, from: '0', next: '7' });
    f.passOver('3', '0');
    expect(f.positions).toEqual({ '2': '6' });
  });
});

describe('rangeArgs', () => {
  it('per partition: the offset before the first delivered (empty from 0) and the last delivered, over coalesced deliveries', () => {
    expect(
      rangeArgs([
        { partition: 1, from: '10', next: '20' },
        { partition: 1, from: '20', next: '25' },
        { partition: 0, from: '0', next: '3' },
      ]),
    ).toEqual([
      ['0', '', '2'],
      ['1', '9', '24'],
    ]);
  });
});

describe('nodesOf', () => {
  it('the node names of Nodes, CiliumNodes and overrides', () => {
    expect(nodesOf(['Node/a', 'CiliumNode.cilium.io/b', 'CiliumBGPNodeConfigOverride.cilium.io/c', 'Service/default/a', 'Node/a'])).toEqual(['a', 'b', 'c']);
  });
});
