import { describe, expect, it } from 'vitest';
import { backoffMs, CasConflictError, DEFAULT_RETRY } from '../../../functions/runner/backoff.ts';
import { CoalescingQueue } from '../../../functions/runner/coalesce.ts';

describe('back-off', () => {
  it('grows exponentially, jittered below a cap', () => {
    const p = { attempts: 5, baseMs: 2, maxMs: 100 };
    expect(backoffMs(p, 1, 0.999)).toBe(3);
    expect(backoffMs(p, 3, 0.999)).toBe(15);
    expect(backoffMs(p, 20, 0.999)).toBe(99);
    expect(backoffMs(p, 3, 0)).toBe(0);
    expect(DEFAULT_RETRY.attempts).toBeGreaterThan(1);
  });

  it('the conflict error names the targets and says the batch comes back', () => {
    const e = new CasConflictError(['node/a', 'node/b'], 12);
    expect(e.message).toMatch(/node\/a, node\/b still conflicted after 12 .* redelivered/);
  });
});

describe('CoalescingQueue', () => {
  it('runs one batch at a time and merges what arrived meanwhile', async () => {
    const runs: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new CoalescingQueue<number, number>(async (items) => {
      runs.push(items);
      if (runs.length === 1) await gate;
      return items.length;
    });
    const first = q.push([1]);
    const second = q.push([2, 3]);
    const third = q.push([4]);
    release();
    expect(await first).toBe(1);
    expect(await second).toBe(3);
    expect(await third).toBe(3);
    expect(runs).toEqual([[1], [2, 3, 4]]);
    await q.idle();
  });

  it('a failed batch rejects every caller in it, and the queue goes on', async () => {
    let fail = true;
    const q = new CoalescingQueue<number, string>(async () => {
      if (fail) throw new Error('redis down');
      return 'ok';
    });
    await expect(q.push([1])).rejects.toThrow('redis down');
    fail = false;
    expect(await q.push([2])).toBe('ok');
  });

  it('respects the size cap', async () => {
    const runs: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new CoalescingQueue<number, void>(async (items) => {
      runs.push(items);
      if (runs.length === 1) await gate;
    }, 2);
    const all = [q.push([0]), q.push([1]), q.push([2]), q.push([3])];
    release();
    await Promise.all(all);
    expect(runs).toEqual([[0], [1, 2], [3]]);
  });
});
