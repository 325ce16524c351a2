// The fast path of a node's write: while the stored state is the view this instance last wrote
// (its token is in the head), the write is the diff of two views, against the head that write
// left, without a read; an entry can only cost the slow path, never a wrong write
// (docs/incremental.md).

import type { DesiredCache, NodeView } from '../incremental/desired-cache.ts';
import type { CasOutcome, NodeHead, NodeWrite } from '../store/desired-store.ts';
import type { Positions } from '../store/positions.ts';
import type { WriteStamp } from './document.ts';

export const DEFAULT_VIEW_MAX_AGE_MS = 5 * 60_000;

export class ViewCache {
  readonly #views = new Map<string, { readonly writer: string; readonly view: NodeView; readonly since: number; readonly head: NodeHead }>();
  readonly #maxAgeMs: number;
  readonly #clock: () => number;

  constructor(maxAgeMs = DEFAULT_VIEW_MAX_AGE_MS, clock: () => number = () => performance.now()) {
    this.#maxAgeMs = maxAgeMs;
    this.#clock = clock;
  }

  /** The view the stored state equals, when the head carries the token we stored it with. */
  lookup(node: string, head: NodeHead): NodeView | null {
    const hit = this.#fresh(node);
    if (hit === null || head.writer === null || hit.writer !== head.writer) return null;
    return hit.view;
  }

  /** The head our last compare-and-set of `node` left, while the entry is fresh. */
  predictedHead(node: string): NodeHead | null {
    return this.#fresh(node)?.head ?? null;
  }

  /**
   * After a successful compare-and-set of `view` with `writer`, which left `head`. `verified`: the
   * write was planned against the stored routes (slow path), which restarts the entry's age.
   */
  remember(node: string, writer: string, view: NodeView, verified: boolean, head: NodeHead): void {
    const since = verified ? this.#clock() : (this.#views.get(node)?.since ?? this.#clock());
    this.#views.set(node, { writer, view, since, head });
  }

  #fresh(node: string) {
    const hit = this.#views.get(node);
    return hit !== undefined && this.#clock() - hit.since <= this.#maxAgeMs ? hit : null;
  }

  forget(node: string): void {
    this.#views.delete(node);
  }

  /** Forgets every view: the store was rebuilt, its heads are not those our writes left. */
  clear(): void {
    this.#views.clear();
  }

  get size(): number {
    return this.#views.size;
  }
}

/**
 * The head a successful compare-and-set leaves (NODE_CAS_SCRIPT): seq one up, the revision the
 * script returned, the write's positions and token, the sessions written or kept.
 */
export function headAfter(head: NodeHead, write: NodeWrite, outcome: Exclude<CasOutcome, { status: 'conflict' }>, positions: Positions): NodeHead {
  return {
    seq: String(Number(head.seq) + 1),
    revision: outcome.revision,
    positions,
    sessions: write.sessions ?? head.sessions,
    writer: write.writer,
  };
}

/** The write that turns the stored state (equal to `prev`) into `next`. */
export function planViewWrite(desired: Pick<DesiredCache, 'diff'>, prev: NodeView, next: NodeView, head: NodeHead, stamp: WriteStamp): NodeWrite {
  const base = { node: next.node, seq: head.seq, revision: head.revision, expectedWriter: head.writer, positions: stamp.positions, writer: stamp.writer, epoch: stamp.epoch, updatedAt: stamp.updatedAt };
  const sessionsChanged = prev.sessionsText !== next.sessionsText;
  const changes = desired.diff(prev, next);
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
