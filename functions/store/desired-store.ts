// Desired state in Redis, written only by compare-and-set on a per-target counter (seq):
// - a node's state in two hashes, <p>:{<node>}:desired (the head, events/redis-keys.ts
//   DESIRED_FIELDS) and <p>:{<node>}:desired:routes (one field per route); a write changes only the
//   routes that changed and publishes a DesiredDelta (layout and delta: events/desired-delta.ts;
//   script: scripts.ts NODE_CAS_SCRIPT);
// - the conditions, one JSON document in <p>:{world}:conditions (scripts.ts CAS_SCRIPT).
// Readers other than the functions read a node's document with events/desired-read.ts.

import type { Redis } from 'ioredis';
import { MAX_DELTA_ROUTES, routeField, routeValue, type DesiredDelta, type DesiredRouteChange } from '../../events/desired-delta.ts';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import { CONDITIONS_FIELDS as C, DESIRED_FIELDS as F, type StoreKeys } from '../../events/redis-keys.ts';
import { parsePositions, type Positions } from './positions.ts';

export type Target = { readonly type: 'node'; readonly node: string } | { readonly type: 'conditions' };

export const CONDITIONS_TARGET: Target = { type: 'conditions' };

export function targetId(t: Target): string {
  return t.type === 'node' ? `node/${t.node}` : 'conditions';
}

export type CasOutcome =
  | { readonly status: 'conflict' }
  | { readonly status: 'unchanged' | 'written'; readonly revision: number };

function outcomeOf(status: number, revision: string): CasOutcome {
  if (status === 0) return { status: 'conflict' };
  return { status: status === 2 ? 'written' : 'unchanged', revision: Number(revision) };
}

// --- nodes ---------------------------------------------------------------------------------------

/** What a node writer reads before computing. */
export interface NodeHead {
  /** The compare-and-set counter. */
  readonly seq: string;
  readonly revision: number;
  /** The world positions the stored state is known to reflect (none when written under another epoch). */
  readonly positions: Positions;
  /** The stored sessions JSON text (null: never written). */
  readonly sessions: string | null;
  /** The token of the last successful compare-and-set (NodeWrite.writer); null: none yet. */
  readonly writer: string | null;
}

/**
 * Positions stored under `stored` epoch, as seen from `epoch`: offsets of another epoch (a world
 * since rebuilt, maybe from another topic) say nothing about the current one.
 */
function underEpoch(positions: string | null | undefined, stored: string | null | undefined, epoch: string): Positions {
  return stored === epoch ? parsePositions(positions) : {};
}

export async function readNodeHeads(redis: Redis, keys: StoreKeys, nodes: readonly string[], epoch: string): Promise<NodeHead[]> {
  if (nodes.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const node of nodes) pipeline.hmget(keys.desired(node), F.seq, F.revision, F.positions, F.sessions, F.writer, F.epoch);
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    const [seq, revision, positions, sessions, writer, stored] = value as (string | null)[];
    return { seq: seq ?? '0', revision: Number(revision ?? 0), positions: underEpoch(positions, stored, epoch), sessions: sessions ?? null, writer: writer ?? null };
  });
}

/** A node's stored state as the writer diffs against it: both hashes, one revision. */
export interface StoredNode {
  readonly seq: string;
  readonly revision: number;
  readonly sessions: string | null;
  /** routeField → routeValue. */
  readonly routes: ReadonlyMap<string, string>;
}

/** Both hashes in one MULTI, so the routes belong to the seq and revision returned. */
export async function readStoredNode(redis: Redis, keys: StoreKeys, node: string): Promise<StoredNode> {
  const replies = await redis.multi().hmget(keys.desired(node), F.seq, F.revision, F.sessions).hgetall(keys.desiredRoutes(node)).exec();
  if (replies === null) throw new Error('MULTI aborted');
  const [[e1, head], [e2, routes]] = replies as [[Error | null, (string | null)[]], [Error | null, Record<string, string>]];
  if (e1) throw e1;
  if (e2) throw e2;
  const [seq, revision, sessions] = head;
  return { seq: seq ?? '0', revision: Number(revision ?? 0), sessions: sessions ?? null, routes: new Map(Object.entries(routes)) };
}

export interface NodeWrite {
  readonly node: string;
  /** The head's seq: the write applies only if nobody wrote or confirmed since. */
  readonly seq: string;
  /** The head's revision; a write produces revision + 1. */
  readonly revision: number;
  /** The head's writer token (null: none), checked with seq. */
  readonly expectedWriter: string | null;
  /** 'confirm': the stored state already is the computed one; only the positions advance. */
  readonly mode: 'write' | 'confirm';
  /** Positions JSON (positionsJson). */
  readonly positions: string;
  /** Unique per write of a node: stored with it, see NODE_CAS_SCRIPT. */
  readonly writer: string;
  /** The store epoch the positions belong to; carried by the delta. */
  readonly epoch: string;
  readonly updatedAt: string;
  /** New sessions JSON text; null = unchanged. */
  readonly sessions: string | null;
  /** The parsed sessions for the delta message when sessions != null. */
  readonly sessionsDoc: DesiredNodeState | null;
  /** Delete every stored route first; `changes` is then the whole route set (published truncated). */
  readonly replaceAll: boolean;
  readonly changes: readonly DesiredRouteChange[];
}

/**
 * The DesiredDelta a write publishes (JSON): truncated when replaceAll or too many changes.
 * `writtenAt`: when it is sent (epoch ms), for the speaker's desired → UPDATE latency.
 */
export function deltaMessage(w: NodeWrite, writtenAt: number): string {
  const truncated = w.replaceAll || w.changes.length > MAX_DELTA_ROUTES;
  const sessions = w.sessions === null ? null : (w.sessionsDoc ?? (JSON.parse(w.sessions) as DesiredNodeState));
  const delta: DesiredDelta = {
    node: w.node,
    epoch: w.epoch,
    revision: w.revision + 1,
    previous: w.revision,
    sessions,
    routes: truncated ? [] : w.changes,
    truncated,
    writtenAt,
  };
  return JSON.stringify(delta);
}

function nodeCasArgs(keys: StoreKeys, w: NodeWrite): string[] {
  const args = [w.seq, String(w.revision), w.expectedWriter ?? '', w.mode, w.positions, w.writer, w.epoch];
  if (w.mode === 'confirm') return args;
  args.push(w.updatedAt, keys.desiredChanged(w.node), w.sessions ?? '', w.replaceAll ? '1' : '', deltaMessage(w, Date.now()));
  for (const c of w.changes) args.push(routeField(c, c.prefix), c.route === null ? '' : routeValue(c.route));
  return args;
}

/**
 * One pipeline, one script call per node; outcomes in the order of `writes`. Written nodes are
 * added to the desired-nodes set, except those `listed` says are in it already.
 */
export async function compareAndSetNodes(
  redis: Redis,
  keys: StoreKeys,
  writes: readonly NodeWrite[],
  listed: (node: string) => boolean = () => false,
): Promise<CasOutcome[]> {
  if (writes.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const w of writes) pipeline.bgpcastNodeCas(keys.desired(w.node), keys.desiredRoutes(w.node), ...nodeCasArgs(keys, w));
  const replies = (await pipeline.exec()) ?? [];
  const outcomes = replies.map(([error, value]): CasOutcome => {
    if (error) throw error;
    const [status, revision] = value as [number, string];
    return outcomeOf(status, revision);
  });
  const written = writes.flatMap((w, i) => (outcomes[i]!.status === 'written' && !listed(w.node) ? [w.node] : []));
  // A different hash tag than the node's keys, so not part of their script; idempotent.
  if (written.length > 0) await redis.sadd(keys.desiredNodes, ...written);
  return outcomes;
}

export async function listDesiredNodes(redis: Redis, keys: StoreKeys): Promise<string[]> {
  return (await redis.smembers(keys.desiredNodes)).sort();
}

// --- the conditions -------------------------------------------------------------------------------

/** What the conditions writer reads before computing. */
export interface Head {
  readonly seq: string;
  readonly digest: string | null;
  /** The world positions the stored document is known to reflect. */
  readonly positions: Positions;
  readonly revision: number;
}

export async function readConditionsHead(redis: Redis, keys: StoreKeys, epoch: string): Promise<Head> {
  const [seq, digest, positions, revision, stored] = await redis.hmget(keys.conditions, C.seq, C.digest, C.positions, C.revision, C.epoch);
  return { seq: seq ?? '0', digest: digest ?? null, positions: underEpoch(positions, stored, epoch), revision: Number(revision ?? 0) };
}

export interface CasWrite {
  readonly seq: string;
  /** 'confirm': the computed document equals the stored one (or both are empty). */
  readonly mode: 'write' | 'confirm';
  readonly positions: string;
  /** The store epoch the positions belong to. */
  readonly epoch: string;
  readonly digest: string;
  readonly document: string;
  readonly updatedAt: string;
}

export async function compareAndSetConditions(redis: Redis, keys: StoreKeys, w: CasWrite): Promise<CasOutcome> {
  const args =
    w.mode === 'confirm'
      ? [w.seq, 'confirm', w.positions, '', '', '', '', w.epoch]
      : [w.seq, 'write', w.positions, w.digest, w.document, w.updatedAt, keys.conditionsChanged, w.epoch];
  const [status, revision] = await redis.bgpcastCas(keys.conditions, ...args);
  return outcomeOf(status, revision);
}

export interface StoredDesired {
  readonly revision: number;
  /** The document's JSON text. */
  readonly document: string;
  readonly updatedAt: string | null;
  readonly positions: Positions;
}

export async function readConditions(redis: Redis, keys: StoreKeys): Promise<StoredDesired | null> {
  const [revision, document, updatedAt, positions] = await redis.hmget(keys.conditions, C.revision, C.document, C.updatedAt, C.positions);
  if (document == null) return null;
  return { revision: Number(revision ?? 0), document, updatedAt: updatedAt ?? null, positions: parsePositions(positions) };
}
