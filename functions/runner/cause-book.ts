// The causes (events/causes.ts) this functions instance folded and no revision has recorded yet,
// per node. A batch adds the causes of its events (causes.ts); when this instance writes a node's
// revision it takes those the new revision reflects and the one it replaced did not (positions are
// the last offset folded per partition): a cause another instance's revision already reflected is
// not credited to ours. A node settled without a write of ours — unchanged, or written by another
// instance — drops what its positions reflect. A node whose write was deferred keeps its causes
// for the sweep that writes it. Bounded: past `maxPerNode` a node keeps its oldest and counts the
// rest. Pure.

import type { Cause } from '../../events/causes.ts';
import { compareOffsets, type Positions } from '../store/positions.ts';

const reflects = (positions: Positions, c: Cause): boolean => {
  const at = positions[String(c.partition)];
  return at !== undefined && compareOffsets(c.offset, at) <= 0;
};

const id = (c: Cause) => `${c.partition}:${c.offset}`;

export class CauseBook {
  readonly #maxPerNode: number;
  readonly #byNode = new Map<string, { causes: Cause[]; omitted: number }>();

  constructor(maxPerNode = 1_000) {
    this.#maxPerNode = maxPerNode;
  }

  /** Nodes holding causes. */
  get size(): number {
    return this.#byNode.size;
  }

  add(causes: ReadonlyMap<string, readonly Cause[]>): void {
    for (const [node, list] of causes) {
      const held = this.#byNode.get(node) ?? { causes: [], omitted: 0 };
      // A batch delivered again (it failed after its fold) brings the same events: kept once.
      const known = new Set(held.causes.map(id));
      const fresh = list.filter((c) => !known.has(id(c)));
      const room = Math.max(0, this.#maxPerNode - held.causes.length);
      held.causes.push(...fresh.slice(0, room));
      held.omitted += Math.max(0, fresh.length - room);
      this.#byNode.set(node, held);
    }
  }

  /** The causes of a revision of `node` reflecting `written` that replaced one reflecting `previous`. */
  take(node: string, previous: Positions, written: Positions): { causes: Cause[]; omitted: number } {
    const held = this.#byNode.get(node);
    if (!held) return { causes: [], omitted: 0 };
    const causes = held.causes.filter((c) => reflects(written, c) && !reflects(previous, c));
    const later = held.causes.filter((c) => !reflects(written, c));
    const omitted = later.length === 0 ? held.omitted : 0;
    if (later.length === 0) this.#byNode.delete(node);
    else this.#byNode.set(node, { causes: later, omitted: held.omitted });
    return { causes, omitted };
  }

  /** `node` is settled at `positions` without a revision of ours: what they reflect is no one's to record here. */
  settle(node: string, positions: Positions): void {
    const held = this.#byNode.get(node);
    if (!held) return;
    const later = held.causes.filter((c) => !reflects(positions, c));
    if (later.length === 0) this.#byNode.delete(node);
    else this.#byNode.set(node, { causes: later, omitted: held.omitted });
  }

  /** Another epoch: positions of the old one say nothing. */
  clear(): void {
    this.#byNode.clear();
  }
}
