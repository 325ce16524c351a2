// Stage 1 in Redis: events folded into the world (scripts.ts FOLD_SCRIPT), together with the
// pending entry that records which desired documents the fold may have made stale, and the
// positions a recomputation must reflect to settle it. An object without a creationTimestamp
// (applied from a file) is given one as the API server would: when first seen — the envelope's
// observedAt at the fold that finds it absent — and keeps it across re-applies
// (docs/cilium-semantics.md OBJ-6). A version that passes the CRD schema but breaks bgpcast's rules
// is folded beside the object's version in effect, never over it (OBJ-5): the fold is told which
// it is ('i'), so every reader of the store sees the same last valid version.

import type { Redis } from 'ioredis';
import type { ConsumedEvent, DeliveredRange } from '../../events/bus.ts';
import { EventType } from '../../events/envelope.ts';
import { lookupKind } from '../../events/kinds.ts';
import { objectKey } from '../../events/object-key.ts';
import { sanitizeObject } from '../../events/sanitize.ts';
import type { PendingEntry, StoreKeys } from '../../events/redis-keys.ts';
import { qualifiedKind, refFromKey } from './object-ref.ts';
import { maxPositions, parsePositions, positionsJson, type Positions } from './positions.ts';
import { CAS_KIND_PREFIX } from './scripts.ts';
import type { WorldChange } from './apply-changes.ts';
import { invalidVersion, normaliseObject, type NormaliseResult } from '../model/normalise.ts';

export const DEFAULT_CHANGES_MAXLEN = 100_000;

export interface FoldEvent {
  /**
   * Upsert, upsert of a version that breaks bgpcast's rules (kept beside the version in effect),
   * delete, sync marker (v1: since the previous marker), sync marker with its keys. An upsert
   * without `normalised` is not classified yet (foldRecord): only replay/log-fold.ts takes those.
   */
  readonly op: 'u' | 'i' | 'd' | 's' | 'k';
  /** Object key; for a sync marker the kind's key prefix "Kind[.group]". */
  readonly key: string;
  readonly partition: string;
  readonly offset: string;
  readonly source: string;
  /** Sanitized object (upsert), null (delete) or the syncId (marker). */
  readonly object: unknown;
  /** An upsert's object normalised (model/normalise.ts), so that it is done once per event. */
  readonly normalised?: NormaliseResult;
  /** An upsert of an object without metadata.creationTimestamp: the envelope's observedAt. */
  readonly firstSeen?: string;
  readonly syncId?: string;
  /** A marker's listing in this partition, and which part of it this record is. */
  readonly listed?: { readonly keys: readonly string[]; readonly part: number; readonly parts: number };
}

/**
 * The fold of one consumed event, its upsert classified: 'i' for a version that breaks bgpcast's
 * rules (never stamped: it gives the object no creation time), 'u' with `normalised` otherwise.
 * Null for kinds bgpcast does not consume.
 */
export function foldEvent(e: ConsumedEvent): FoldEvent | null {
  const f = foldRecord(e);
  return f === null ? null : classifyFold(f);
}

/** An unclassified upsert classified as foldEvent does; any other fold as it is. */
export function classifyFold(f: FoldEvent): FoldEvent {
  if (f.op !== 'u' || f.normalised !== undefined) return f;
  const normalised = normaliseObject(f.object);
  if (invalidVersion(normalised) === null) return { ...f, normalised };
  const { firstSeen: _, ...unstamped } = f;
  return { ...unstamped, op: 'i', normalised };
}

/**
 * The fold of one consumed event with its upsert not classified yet ('u' without `normalised`): for
 * replay/log-fold.ts, which classifies only the versions whose validity decides something.
 */
export function foldRecord(e: ConsumedEvent): FoldEvent | null {
  const env = e.envelope;
  if (!lookupKind(env.apiVersion, env.kind)) return null;
  const position = { partition: String(e.partition), offset: e.offset, source: env.source };
  if (env.type === EventType.Synced) {
    const kind = qualifiedKind(env.apiVersion, env.kind);
    if (env.keys === undefined) return { ...position, op: 's', key: kind, object: null, syncId: env.syncId };
    const listed = { keys: env.keys, part: env.part ?? 0, parts: env.parts ?? 1 };
    return { ...position, op: 'k', key: kind, object: null, syncId: env.syncId, listed };
  }
  const key = objectKey(env);
  if (env.type === EventType.Deleted) return { ...position, op: 'd', key, object: null };
  const object = sanitizeObject(env.object);
  // bgpcast's compare-and-set objects (RouterIDAllocation) are nobody's creation order: no stamp.
  const stamp = lacksCreationTimestamp(object) && !key.startsWith(CAS_KIND_PREFIX);
  return { ...position, op: 'u', key, object, ...(stamp ? { firstSeen: env.observedAt } : {}) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function lacksCreationTimestamp(object: unknown): boolean {
  if (!isObject(object) || !isObject(object['metadata'])) return false;
  const t = object['metadata']['creationTimestamp'];
  return t === undefined || t === null || t === '';
}

/**
 * The object's JSON around the place its creationTimestamp goes: the script puts the JSON string of
 * the time between the two halves. `metadata` comes first and `creationTimestamp` first in it.
 */
export function stampHalves(object: Record<string, unknown>): [head: string, tail: string] {
  const { metadata, ...rest } = object;
  const { creationTimestamp: _, ...meta } = metadata as Record<string, unknown>;
  const more = (o: object) => {
    const text = JSON.stringify(o);
    return text === '{}' ? '}' : `,${text.slice(1)}`;
  };
  return ['{"metadata":{"creationTimestamp":', more(meta) + more(rest)];
}

/** How the fold looks to the in-memory world: the changed objects, and whether a marker was seen. */
export function foldChanges(events: readonly FoldEvent[]): { changes: WorldChange[]; marker: boolean } {
  const changes: WorldChange[] = [];
  let marker = false;
  for (const e of events) {
    if (e.op === 's' || e.op === 'k') {
      marker = true;
      continue;
    }
    const ref = refFromKey(e.key);
    if (ref === null) continue;
    if (e.op === 'd') changes.push({ ref, raw: null });
    else changes.push({ ref, raw: e.object, ...(e.normalised ? { normalised: e.normalised } : {}) });
  }
  return { changes, marker };
}

export function foldPositions(events: readonly FoldEvent[]): Positions {
  return maxPositions(...events.map((e) => ({ [e.partition]: e.offset })));
}

export function encodePending(entry: PendingEntry): string {
  return JSON.stringify({ ...entry, positions: JSON.parse(positionsJson(entry.positions)) as unknown });
}

export function decodePending(text: string): PendingEntry | null {
  try {
    const v = JSON.parse(text) as Partial<PendingEntry>;
    if (!Array.isArray(v.nodes)) return null;
    return {
      nodes: v.nodes.filter((n): n is string => typeof n === 'string'),
      conditions: v.conditions === true,
      positions: parsePositions(JSON.stringify(v.positions ?? {})),
      at: typeof v.at === 'string' ? v.at : '',
    };
  } catch {
    return null;
  }
}

/** The script's arguments; every upsert must be classified (foldEvent), as the script trusts 'u'. */
export function foldArgs(events: readonly FoldEvent[]): string[] {
  const unclassified = events.find((e) => e.op === 'u' && e.normalised === undefined);
  if (unclassified) throw new Error(`fold: the upsert of ${unclassified.key} at ${unclassified.partition}:${unclassified.offset} is not classified (foldEvent, not foldRecord)`);
  return events.flatMap((e) => [
    e.op === 'u' && e.firstSeen !== undefined ? 'n' : e.op,
    e.key,
    e.partition,
    e.offset,
    e.source,
    foldPayload(e),
  ]);
}

/** The script argument an event's payload travels as (and the text an upsert stores). */
export function foldPayload(e: FoldEvent): string {
  switch (e.op) {
    case 'i':
      return JSON.stringify(e.object);
    case 'u':
      // JSON text holds no raw newline: it separates the time (a JSON string) and the two halves.
      if (e.firstSeen !== undefined) return [JSON.stringify(e.firstSeen), ...stampHalves(e.object as Record<string, unknown>)].join('\n');
      return JSON.stringify(e.object);
    case 's':
      return e.syncId ?? '';
    case 'k':
      return JSON.stringify({ syncId: e.syncId, keys: e.listed?.keys ?? [], part: e.listed?.part ?? 0, parts: e.listed?.parts ?? 1 });
    case 'd':
      return '';
  }
}

/**
 * The ranges delivered, as the fold script checks and records them: per partition, the offset
 * before the first one delivered ('' when that is 0) and the last offset delivered.
 */
export function rangeArgs(ranges: readonly DeliveredRange[]): [string, string, string][] {
  const byPartition = new Map<number, { from: bigint; next: bigint }>();
  for (const r of ranges) {
    const from = BigInt(r.from);
    const next = BigInt(r.next);
    if (next <= 0n) continue;
    const current = byPartition.get(r.partition);
    byPartition.set(r.partition, current ? { from: from < current.from ? from : current.from, next: next > current.next ? next : current.next } : { from, next });
  }
  return [...byPartition]
    .sort(([a], [b]) => a - b)
    .map(([p, { from, next }]) => [String(p), from > 0n ? (from - 1n).toString() : '', (next - 1n).toString()]);
}

/** Why the fold script wrote nothing: the store is not the one the caller knows. */
export type FoldRefusal =
  | { readonly why: 'epoch' }
  | { readonly why: 'behind'; readonly partition: number };

export type FoldOutcome =
  | { readonly applied: number; readonly swept: number; readonly refused: null }
  | { readonly applied: 0; readonly swept: 0; readonly refused: FoldRefusal };

export async function foldIntoWorld(
  redis: Redis,
  keys: StoreKeys,
  epoch: string,
  events: readonly FoldEvent[],
  ranges: readonly DeliveredRange[],
  pending: { readonly id: string; readonly entry: PendingEntry } | null,
  maxlen = DEFAULT_CHANGES_MAXLEN,
): Promise<FoldOutcome> {
  const checked = rangeArgs(ranges);
  const [applied, swept, refused] = await redis.bgpcastFold(
    keys.objects,
    keys.invalidObjects,
    keys.objectPositions,
    keys.objectSources,
    keys.positions,
    keys.changes,
    keys.syncMarkers,
    keys.pending,
    keys.syncParts,
    keys.log,
    String(maxlen),
    pending?.id ?? '',
    pending ? encodePending(pending.entry) : '',
    epoch,
    checked.length > 0 ? JSON.stringify(checked) : '',
    ...foldArgs(events),
  );
  if (refused === 1) return { applied: 0, swept: 0, refused: { why: 'epoch' } };
  if (refused === 2) return { applied: 0, swept: 0, refused: { why: 'behind', partition: applied } };
  return { applied, swept, refused: null };
}

export async function readPending(redis: Redis, keys: StoreKeys): Promise<Map<string, PendingEntry>> {
  const all = await redis.hgetall(keys.pending);
  const out = new Map<string, PendingEntry>();
  for (const [id, text] of Object.entries(all)) {
    const entry = decodePending(text);
    if (entry) out.set(id, entry);
  }
  return out;
}

/** A pending entry on its own (the fold writes its first one in the same script). */
export async function addPending(redis: Redis, keys: StoreKeys, id: string, entry: PendingEntry): Promise<void> {
  await redis.hset(keys.pending, id, encodePending(entry));
}

export async function clearPending(redis: Redis, keys: StoreKeys, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return redis.bgpcastClearPending(keys.pending, ...ids);
}
