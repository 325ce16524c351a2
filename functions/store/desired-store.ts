// Desired documents in Redis: a hash per node (<p>:{<node>}:desired) and one for the conditions
// (<p>:{world}:conditions), written only by compare-and-set (scripts.ts CAS_SCRIPT).

import type { Redis } from 'ioredis';
import type { StoreKeys } from './keys.ts';
import { parsePositions, type Positions } from './positions.ts';

export type Target = { readonly type: 'node'; readonly node: string } | { readonly type: 'conditions' };

export const CONDITIONS_TARGET: Target = { type: 'conditions' };

export function targetId(t: Target): string {
  return t.type === 'node' ? `node/${t.node}` : 'conditions';
}

function docKey(keys: StoreKeys, t: Target): string {
  return t.type === 'node' ? keys.desired(t.node) : keys.conditions;
}

function channel(keys: StoreKeys, t: Target): string {
  return t.type === 'node' ? keys.desiredChanged(t.node) : keys.conditionsChanged;
}

/** What a writer reads before computing: the compare-and-set counter and what is stored. */
export interface Head {
  readonly seq: string;
  readonly digest: string | null;
  /** The world positions the stored document is known to reflect. */
  readonly positions: Positions;
  readonly revision: number;
}

export async function readHeads(redis: Redis, keys: StoreKeys, targets: readonly Target[]): Promise<Head[]> {
  if (targets.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const t of targets) pipeline.hmget(docKey(keys, t), 'seq', 'digest', 'positions', 'revision');
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    const [seq, digest, positions, revision] = value as (string | null)[];
    return { seq: seq ?? '0', digest: digest ?? null, positions: parsePositions(positions), revision: Number(revision ?? 0) };
  });
}

export interface CasWrite {
  readonly target: Target;
  readonly seq: string;
  /** 'confirm': the computed document equals the stored one (or both are empty). */
  readonly mode: 'write' | 'confirm';
  readonly positions: string;
  readonly digest: string;
  readonly document: string;
  readonly updatedAt: string;
}

export type CasOutcome =
  | { readonly status: 'conflict' }
  | { readonly status: 'unchanged' | 'written'; readonly revision: number };

export async function compareAndSet(redis: Redis, keys: StoreKeys, writes: readonly CasWrite[]): Promise<CasOutcome[]> {
  if (writes.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const w of writes) {
    const args =
      w.mode === 'confirm'
        ? [w.seq, 'confirm', w.positions, '', '', '', '']
        : [w.seq, 'write', w.positions, w.digest, w.document, w.updatedAt, channel(keys, w.target)];
    pipeline.bgpcastCas(docKey(keys, w.target), ...args);
  }
  const replies = (await pipeline.exec()) ?? [];
  const outcomes = replies.map(([error, value]): CasOutcome => {
    if (error) throw error;
    const [status, revision] = value as [number, string];
    if (status === 0) return { status: 'conflict' };
    return { status: status === 2 ? 'written' : 'unchanged', revision: Number(revision) };
  });
  const written = writes.flatMap((w, i) =>
    w.target.type === 'node' && outcomes[i]!.status === 'written' ? [w.target.node] : [],
  );
  // A different hash tag than the documents, so not part of their script; idempotent.
  if (written.length > 0) await redis.sadd(keys.desiredNodes, ...written);
  return outcomes;
}

export interface StoredDesired {
  readonly revision: number;
  /** The document's JSON text. */
  readonly document: string;
  readonly updatedAt: string | null;
  readonly positions: Positions;
}

async function readDoc(redis: Redis, key: string): Promise<StoredDesired | null> {
  const [revision, document, updatedAt, positions] = await redis.hmget(key, 'revision', 'document', 'updatedAt', 'positions');
  if (document == null) return null;
  return { revision: Number(revision ?? 0), document, updatedAt: updatedAt ?? null, positions: parsePositions(positions) };
}

export function readDesired(redis: Redis, keys: StoreKeys, node: string): Promise<StoredDesired | null> {
  return readDoc(redis, keys.desired(node));
}

export function readConditions(redis: Redis, keys: StoreKeys): Promise<StoredDesired | null> {
  return readDoc(redis, keys.conditions);
}

export async function listDesiredNodes(redis: Redis, keys: StoreKeys): Promise<string[]> {
  return (await redis.smembers(keys.desiredNodes)).sort();
}
