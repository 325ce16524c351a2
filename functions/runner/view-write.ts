// The fast path of a node's write: when the stored state is exactly the view this instance last
// wrote (its writer token is in the head), the write is the difference of two views —
// O(what changed), with no read of the stored routes and no walk over the node's whole table.
// Otherwise (first write after a start, another instance wrote, a lost reply) the computed view is
// materialised and diffed against the stored routes (document.ts planNodeDocument), O(routes).
//
// The cache is an optimisation only: a hit is decided by the token the compare-and-set script
// stores with every successful write or confirmation, so a wrong entry cannot produce a wrong
// write; at worst it costs the slow path. Only a hand edit of the routes hash (redis-cli) would
// go unseen by the token; entries therefore expire (maxAgeMs, default 5 min), after which one
// write per node diffs against what is really stored and repairs such an edit.

import type { NodeView } from '../desired/node-view.ts';
import { diffViews } from '../desired/node-view.ts';
import type { NodeHead, NodeWrite } from '../store/desired-store.ts';
import type { WriteStamp } from './document.ts';

export const DEFAULT_VIEW_MAX_AGE_MS = 5 * 60_000;

export class ViewCache {
  readonly #views = new Map<string, { readonly writer: string; readonly view: NodeView; readonly since: number }>();
  readonly #maxAgeMs: number;
  readonly #clock: () => number;

  constructor(maxAgeMs = DEFAULT_VIEW_MAX_AGE_MS, clock: () => number = () => performance.now()) {
    this.#maxAgeMs = maxAgeMs;
    this.#clock = clock;
  }

  /** The view the stored state equals, when the head carries the token we stored it with. */
  lookup(node: string, head: NodeHead): NodeView | null {
    const hit = this.#views.get(node);
    if (hit === undefined || head.writer === null || hit.writer !== head.writer) return null;
    return this.#clock() - hit.since <= this.#maxAgeMs ? hit.view : null;
  }

  /**
   * After a successful compare-and-set of `view` with `writer`. `verified`: the write was planned
   * against the stored routes (slow path), which restarts the entry's age.
   */
  remember(node: string, writer: string, view: NodeView, verified: boolean): void {
    const since = verified ? this.#clock() : (this.#views.get(node)?.since ?? this.#clock());
    this.#views.set(node, { writer, view, since });
  }

  forget(node: string): void {
    this.#views.delete(node);
  }

  get size(): number {
    return this.#views.size;
  }
}

/** The write that turns the stored state (equal to `prev`) into `next`. */
export function planViewWrite(prev: NodeView, next: NodeView, head: NodeHead, stamp: WriteStamp): NodeWrite {
  const base = { node: next.node, seq: head.seq, revision: head.revision, positions: stamp.positions, writer: stamp.writer, updatedAt: stamp.updatedAt };
  const sessionsChanged = prev.sessionsText !== next.sessionsText;
  const changes = diffViews(prev, next);
  if (!sessionsChanged && changes.length === 0) {
    return { ...base, mode: 'confirm', sessions: null, sessionsDoc: null, replaceAll: false, changes: [] };
  }
  return {
    ...base,
    mode: 'write',
    sessions: sessionsChanged ? next.sessionsText : null,
    sessionsDoc: sessionsChanged ? next.sessions : null,
    replaceAll: false,
    changes,
  };
}
