// ViewCache (functions/runner/view-write.ts): a written view stands in for the stored routes only
// while the head carries the writer token it was stored with, and only until it ages out; the
// head a write left stands in for reading it while the entry is fresh.

import { describe, expect, it } from 'vitest';
import { DesiredCache } from '../../../functions/incremental/desired-cache.ts';
import { emptyWorld } from '../../../functions/model/world.ts';
import type { NodeHead } from '../../../functions/store/desired-store.ts';
import { headAfter, ViewCache } from '../../../functions/runner/view-write.ts';

const view = new DesiredCache().view(emptyWorld(), 'n1');
const head = (writer: string | null): NodeHead => ({ seq: '3', revision: 2, positions: {}, sessions: null, writer });

describe('ViewCache', () => {
  it('gives the view back while the head carries the token it was written with', () => {
    const cache = new ViewCache();
    cache.remember('n1', 'tok-1', view, true, head('tok-1'));
    expect(cache.lookup('n1', head('tok-1'))).toBe(view);
    expect(cache.lookup('n1', head('tok-2'))).toBeNull();
    expect(cache.lookup('n1', head(null))).toBeNull();
    expect(cache.lookup('n2', head('tok-1'))).toBeNull();
  });

  it('forgets a node after a conflict', () => {
    const cache = new ViewCache();
    cache.remember('n1', 'tok-1', view, true, head('tok-1'));
    cache.forget('n1');
    expect(cache.lookup('n1', head('tok-1'))).toBeNull();
  });

  it('ages out from the last write planned against the stored routes, not from the last fast write', () => {
    let now = 0;
    const cache = new ViewCache(100, () => now);
    cache.remember('n1', 'tok-1', view, true, head('tok-1'));
    now = 60;
    cache.remember('n1', 'tok-2', view, false, head('tok-2'));
    expect(cache.lookup('n1', head('tok-2'))).toBe(view);
    now = 101;
    expect(cache.lookup('n1', head('tok-2'))).toBeNull();
    cache.remember('n1', 'tok-3', view, true, head('tok-3'));
    expect(cache.lookup('n1', head('tok-3'))).toBe(view);
  });

  it('predicts the head its last write left, until the entry is forgotten or ages out', () => {
    let now = 0;
    const cache = new ViewCache(100, () => now);
    expect(cache.predictedHead('n1')).toBeNull();
    cache.remember('n1', 'tok-1', view, true, head('tok-1'));
    expect(cache.predictedHead('n1')).toEqual(head('tok-1'));
    // A predicted head carries the token, so the view it was remembered with goes with it.
    expect(cache.lookup('n1', cache.predictedHead('n1')!)).toBe(view);
    now = 101;
    expect(cache.predictedHead('n1')).toBeNull();
    cache.remember('n1', 'tok-2', view, true, head('tok-2'));
    cache.forget('n1');
    expect(cache.predictedHead('n1')).toBeNull();
  });
});

describe('headAfter (the head NODE_CAS_SCRIPT leaves)', () => {
  const before: NodeHead = { seq: '41', revision: 7, positions: { '0': '10' }, sessions: '{"instances":[]}', writer: 'old' };
  const write = { node: 'n1', seq: '41', revision: 7, expectedWriter: 'old', positions: '{"0":"12"}', writer: 'new', epoch: 'e1', updatedAt: 'now', replaceAll: false, changes: [] };

  it('a write: seq one up, the revision the script returned, the new positions, token and sessions', () => {
    const after = headAfter(before, { ...write, mode: 'write', sessions: '{"instances":[1]}', sessionsDoc: null }, { status: 'written', revision: 8 }, { '0': '12' });
    expect(after).toEqual({ seq: '42', revision: 8, positions: { '0': '12' }, sessions: '{"instances":[1]}', writer: 'new' });
  });

  it('a confirmation: seq one up, the revision and sessions kept', () => {
    const after = headAfter(before, { ...write, mode: 'confirm', sessions: null, sessionsDoc: null }, { status: 'unchanged', revision: 7 }, { '0': '12' });
    expect(after).toEqual({ seq: '42', revision: 7, positions: { '0': '12' }, sessions: '{"instances":[]}', writer: 'new' });
  });
});
