// When the functions trust the store as a fold of the log, and when they rebuild it: never is
// Redis trusted over the log.
import { describe, expect, it } from 'vitest';
import { judgeStore, missingOffsets } from '../../../functions/replay/store-judge.ts';
import type { TopicIdentity } from '../../../events/kafka/topic-identity.ts';

const topic: TopicIdentity = { topic: 'bgpcast.events', id: 'id-1', cluster: 'c-1' };
const store = { epoch: 'e1', topic, positions: { '0': '9', '1': '4' }, hasWorld: true };

describe('judgeStore', () => {
  it('trusts a store of this topic that holds every offset the group committed', () => {
    expect(judgeStore(store, { topic, committed: { '0': '10', '1': '5' } })).toEqual({ trust: true });
    expect(judgeStore(store, { topic, committed: { '0': '3', '1': '-1', '2': '0' } })).toEqual({ trust: true });
    expect(judgeStore(store, { topic, committed: null })).toEqual({ trust: true });
  });

  it('rebuilds an empty store (first start, Redis lost its data), quietly', () => {
    expect(judgeStore({ epoch: null, topic: null, positions: {}, hasWorld: false }, { topic, committed: {} })).toMatchObject({ trust: false, level: 'info' });
  });

  it('rebuilds a store that names no log though it holds a world (an older bgpcast, a partial wipe)', () => {
    expect(judgeStore({ ...store, epoch: null, topic: null }, { topic, committed: {} })).toMatchObject({ trust: false, level: 'warn' });
  });

  it('rebuilds, as an error, a store folded from another topic: recreated (another id), another cluster, another name', () => {
    for (const other of [{ ...topic, id: 'id-2' }, { ...topic, id: null }, { ...topic, cluster: 'c-2' }, { ...topic, topic: 'other' }]) {
      const verdict = judgeStore(store, { topic: other, committed: { '0': '10' } });
      expect(verdict).toMatchObject({ trust: false, level: 'error' });
      expect(verdict.trust === false && verdict.reason).toMatch(/none of its positions hold here/);
    }
  });

  it('rebuilds a store that lacks offsets the group committed past (Redis back from an older copy)', () => {
    const verdict = judgeStore(store, { topic, committed: { '0': '11', '1': '5' } });
    expect(verdict).toMatchObject({ trust: false, level: 'warn' });
    expect(verdict.trust === false && verdict.reason).toMatch(/partition 0: folded up to 9, committed 11/);
  });
});

describe('missingOffsets', () => {
  it('compares the next offset to read with the highest offset held, as decimal text of any length', () => {
    expect(missingOffsets({ '0': '99' }, { '0': '100' })).toEqual([]);
    expect(missingOffsets({ '0': '99' }, { '0': '101' })).toEqual([{ partition: '0', have: '99', committed: '101' }]);
    expect(missingOffsets({}, { '3': '1' })).toEqual([{ partition: '3', have: null, committed: '1' }]);
    expect(missingOffsets({ '0': '18446744073709551614' }, { '0': '18446744073709551615' })).toEqual([]);
  });
});
