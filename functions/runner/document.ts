// What a recomputation writes for a target, as pure functions of the computed state and what is
// stored.
//
// A node is stored as its sessions part (the document with empty route lists, JSON) and a routes
// hash (routeField → routeValue; events/desired-delta.ts). planNodeDocument diffs the computed
// document against the stored one and writes exactly what changed; a change costs what it
// changes in Redis and on the wire to the speakers, though the diff itself is O(routes).
// computeDesiredNode builds every object in one fixed field order and sorts every list
// (events/desired-state.ts), so equal states give byte-equal sessions text and route values.
//
// The conditions are still one JSON document with a sha256 digest: small, and read whole. The
// revision is never part of a document: it lives beside it in the hash.

import { createHash } from 'node:crypto';
import { routeField, routeValue, parseRouteField, sessionsOf, type DesiredRouteChange } from '../../events/desired-delta.ts';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import type { Condition } from '../cilium/conditions.ts';
import type { NodeHead, NodeWrite, StoredNode } from '../store/desired-store.ts';

export interface StoredDocument {
  readonly text: string;
  readonly digest: string;
  /** True for an empty conditions list. */
  readonly empty: boolean;
}

export function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function conditionsDocument(conditions: readonly Condition[]): StoredDocument {
  const text = JSON.stringify(conditions);
  return { text, digest: digestOf(text), empty: conditions.length === 0 };
}

/**
 * The conditions' document, serialised and hashed again only when the conditions array is another
 * one: the DesiredCache returns the same array while the conditions' inputs are the same objects.
 */
export class ConditionsDocuments {
  #last: { readonly conditions: readonly Condition[]; readonly doc: StoredDocument } | null = null;

  of(conditions: readonly Condition[]): StoredDocument {
    if (this.#last?.conditions !== conditions) this.#last = { conditions, doc: conditionsDocument(conditions) };
    return this.#last.doc;
  }
}

/**
 * The canonical JSON of a node's whole document, revision left out: what a reader assembles from
 * the two hashes, serialised. Not stored as such; for comparisons (tests) and measurements.
 */
export function nodeDocument(state: DesiredNodeState): { readonly text: string; readonly empty: boolean } {
  const { revision: _revision, ...doc } = state;
  return { text: JSON.stringify(doc), empty: state.instances.length === 0 };
}

/** What every write of one recomputation round carries besides its content. */
export interface WriteStamp {
  /** The world positions the computation reflects (positionsJson). */
  readonly positions: string;
  /** A token unique to the round (each round writes a node at most once): NodeWrite.writer. */
  readonly writer: string;
  /** The store epoch the positions belong to. */
  readonly epoch: string;
  readonly updatedAt: string;
}

export interface RouteDiff {
  readonly changes: DesiredRouteChange[];
  /** A stored field that does not parse as a route field: only a replaceAll write removes it. */
  readonly unreadable: boolean;
}

/** The route changes that turn `stored` (routeField → routeValue) into the routes of `doc`. */
export function diffRoutes(doc: DesiredNodeState, stored: ReadonlyMap<string, string>): RouteDiff {
  const changes: DesiredRouteChange[] = [];
  const fields: string[] = [];
  let present = 0;
  for (const inst of doc.instances) {
    for (const peer of inst.peers) {
      for (const fam of peer.families) {
        const slot = { instance: inst.name, peer: peer.name, afi: fam.afi };
        for (const route of fam.routes) {
          const field = routeField(slot, route.prefix);
          fields.push(field);
          const have = stored.get(field);
          if (have !== undefined) present++;
          if (have !== routeValue(route)) changes.push({ ...slot, prefix: route.prefix, route });
        }
      }
    }
  }
  // Withdrawals only when the stored hash holds fields the document does not (the common case,
  // routes added or changed, skips building the set).
  if (present === stored.size) return { changes, unreadable: false };
  const wanted = new Set(fields);
  let unreadable = false;
  for (const field of stored.keys()) {
    if (wanted.has(field)) continue;
    const parsed = parseRouteField(field);
    if (parsed === null) unreadable = true;
    else changes.push({ ...parsed.slot, prefix: parsed.prefix, route: null });
  }
  return { changes, unreadable };
}

/** Every route of `doc` as a change: the content of a replaceAll write. */
function allRoutes(doc: DesiredNodeState): DesiredRouteChange[] {
  return doc.instances.flatMap((inst) =>
    inst.peers.flatMap((peer) =>
      peer.families.flatMap((fam) => fam.routes.map((route) => ({ instance: inst.name, peer: peer.name, afi: fam.afi, prefix: route.prefix, route }))),
    ),
  );
}

/**
 * The write that brings a node's stored state to `doc`. `head` is what the compare-and-set
 * checks (seq, revision); `stored` is the stored state to diff against, read after the head (or
 * held in memory from the last write): when it is not the state at head.seq, the write is
 * refused by the compare-and-set anyway, since seq only grows. Unchanged → 'confirm', as is a
 * node never written whose document is empty.
 */
export function planNodeDocument(doc: DesiredNodeState, head: NodeHead, stored: StoredNode, stamp: WriteStamp): NodeWrite {
  const sessionsDoc = sessionsOf(doc);
  const sessionsText = JSON.stringify(sessionsDoc);
  const diff = diffRoutes(doc, stored.routes);
  const base = { node: doc.node, seq: head.seq, revision: head.revision, expectedWriter: head.writer, positions: stamp.positions, writer: stamp.writer, epoch: stamp.epoch, updatedAt: stamp.updatedAt };
  const neverWritten = stored.sessions === null && stored.routes.size === 0;
  const same = sessionsText === stored.sessions && diff.changes.length === 0 && !diff.unreadable;
  if (same || (neverWritten && doc.instances.length === 0)) {
    return { ...base, mode: 'confirm', sessions: null, sessionsDoc: null, replaceAll: false, changes: [] };
  }
  const sessionsChanged = sessionsText !== stored.sessions;
  return {
    ...base,
    mode: 'write',
    sessions: sessionsChanged ? sessionsText : null,
    sessionsDoc: sessionsChanged ? sessionsDoc : null,
    replaceAll: diff.unreadable,
    changes: diff.unreadable ? allRoutes(doc) : diff.changes,
  };
}
