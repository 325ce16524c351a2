// ViewCache (functions/runner/view-write.ts): a written view stands in for the stored routes only
// while the head carries the writer token it was stored with, and only until it ages out.

import { describe, expect, it } from 'vitest';
import { computeNodeView } from '../../../functions/desired/node-view.ts';
import { emptyWorld } from '../../../functions/model/world.ts';
import type { NodeHead } from '../../../functions/store/desired-store.ts';
import { ViewCache } from '../../../functions/runner/view-write.ts';

const view = computeNodeView(emptyWorld(), 'n1');
const head = (writer: string | null): NodeHead => ({ seq: '3', revision: 2, positions: {}, sessions: null, writer });

describe('ViewCache', () => {
  it('gives the view back while the head carries the token it was written with', () => {
    const cache = new ViewCache();
    cache.remember('n1', 'tok-1', view, true);
    expect(cache.lookup('n1', head('tok-1'))).toBe(view);
    expect(cache.lookup('n1', head('tok-2'))).toBeNull();
    expect(cache.lookup('n1', head(null))).toBeNull();
    expect(cache.lookup('n2', head('tok-1'))).toBeNull();
  });

  it('forgets a node after a conflict', () => {
    const cache = new ViewCache();
    cache.remember('n1', 'tok-1', view, true);
    cache.forget('n1');
    expect(cache.lookup('n1', head('tok-1'))).toBeNull();
  });

  it('ages out from the last write planned against the stored routes, not from the last fast write', () => {
    let now = 0;
    const cache = new ViewCache(100, () => now);
    cache.remember('n1', 'tok-1', view, true);
    now = 60;
    cache.remember('n1', 'tok-2', view, false);
    expect(cache.lookup('n1', head('tok-2'))).toBe(view);
    now = 101;
    expect(cache.lookup('n1', head('tok-2'))).toBeNull();
    cache.remember('n1', 'tok-3', view, true);
    expect(cache.lookup('n1', head('tok-3'))).toBe(view);
  });
});
