// The causes a functions instance holds until a revision records them: a revision takes those it
// reflects and the revision it replaced did not; what is not reflected yet waits (a deferred write);
// a node settled without our write drops what its positions reflect; a batch delivered again adds
// nothing twice; the bound counts what it cannot hold.

import { describe, expect, it } from 'vitest';
import type { Cause } from '../../../events/causes.ts';
import { CauseBook } from '../../../functions/runner/cause-book.ts';

const cause = (partition: number, offset: number, key = 'Service/default/web'): Cause => ({
  key, type: 'modified', resourceVersion: null, uid: null, source: 'file', observedAt: '2026-01-02T03:12:00.000Z', partition, offset: String(offset),
});
const offsets = (cs: readonly Cause[]) => cs.map((c) => `${c.partition}:${c.offset}`);

describe('CauseBook', () => {
  it('a revision takes the causes it reflects and its predecessor did not', () => {
    const book = new CauseBook();
    book.add(new Map([['w1', [cause(0, 5), cause(0, 9), cause(1, 3), cause(2, 12)]]]));
    // The previous revision (another instance's) already reflected 0:5; 2:12 is past what ours reflects.
    const taken = book.take('w1', { '0': '5' }, { '0': '9', '1': '3', '2': '10' });
    expect(offsets(taken.causes)).toEqual(['0:9', '1:3']);
    expect(book.size).toBe(1);
    expect(offsets(book.take('w1', { '0': '9', '1': '3', '2': '10' }, { '0': '9', '1': '3', '2': '12' }).causes)).toEqual(['2:12']);
    expect(book.size).toBe(0);
  });

  it('a node settled without our write drops what its positions reflect', () => {
    const book = new CauseBook();
    book.add(new Map([['w1', [cause(0, 5), cause(0, 7)]], ['w2', [cause(0, 5)]]]));
    book.settle('w1', { '0': '5' });
    book.settle('w2', { '0': '6' });
    expect(book.size).toBe(1);
    expect(offsets(book.take('w1', {}, { '0': '7' }).causes)).toEqual(['0:7']);
  });

  it('keeps each event once when a batch comes again, and counts what its bound cannot hold', () => {
    const book = new CauseBook(3);
    const batch = new Map([['w1', [cause(0, 1), cause(0, 2)]]]);
    book.add(batch);
    book.add(batch);
    book.add(new Map([['w1', [cause(0, 3), cause(0, 4), cause(0, 5)]]]));
    expect(book.take('w1', {}, { '0': '9' })).toMatchObject({ omitted: 2 });
  });

  it('forgets everything at another epoch', () => {
    const book = new CauseBook();
    book.add(new Map([['w1', [cause(0, 1)]]]));
    book.clear();
    expect(book.take('w1', {}, { '0': '9' }).causes).toEqual([]);
  });
});
