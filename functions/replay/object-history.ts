// `bgpcast audit object`: one object's history on the events topic, as a pure function of the
// topic's records. Every record keyed by the object is a step, and so is a sync marker that swept
// it away. Each step says which fields changed (a structural diff of the object as the store holds
// it: sanitized, stamped — events/sanitize.ts, functions/store/fold.ts; its latest version, an
// invalid one included) and, when the object
// changed, which prefixes each node's desired state announced or withdrew because of it: the whole
// topic is folded in order (log-fold.ts, the store's fold), and around each step the world before
// and after it gives every node's desired state (replay-world.ts) to compare. The world after is the
// world before with the object applied (model/world.ts applyObject: an invalid version keeps the
// last valid one in effect, OBJ-5), sharing the rest, so the runner's caches
// (incremental/desired-cache.ts) compute the second world's documents at the cost of the change.
//
// Order across partitions: the partitions are merged by the envelopes' observedAt, each partition
// kept in offset order, the audited object's records after the others observed at the same instant
// (an apply observes all its objects at once: the Service's step sees the config applied with it). Cost: the records of the
// whole topic are held in memory for the merge, and each step that changed the object costs two
// worlds and every node's desired state twice; steps past `limit` (the oldest) are not shown and
// cost no computation.

import diff from 'microdiff';
import type { ConsumedEvent } from '../../events/bus.ts';
import { EventType } from '../../events/envelope.ts';
import { knownKinds } from '../../events/kinds.ts';
import { DesiredCache } from '../incremental/desired-cache.ts';
import { applyObject, deleteObject, type WorldView } from '../model/world.ts';
import { foldRecord } from '../store/fold.ts';
import { refFromKey } from '../store/object-ref.ts';
import type { Settings } from '../settings.ts';
import { LogFold } from './log-fold.ts';
import { announcedPrefixes, desiredOfAll, worldOfObjects } from './replay-world.ts';
import type { FoldedObjects } from './world-load.ts';

export class ObjectArgError extends Error {
  readonly code = 'OBJECT_ARG_INVALID';
  constructor(text: string, why: string) {
    super(`${JSON.stringify(text)}: ${why}; expected KIND/[NAMESPACE/]NAME (Service/default/web, CiliumBGPClusterConfig/cilium-bgp)`);
    this.name = 'ObjectArgError';
  }
}

/**
 * The object key (events/object-key.ts) of KIND/[NAMESPACE/]NAME. The kind is matched without
 * regard to case, with or without its group (CiliumBGPPeerConfig, ciliumbgppeerconfig.cilium.io);
 * a namespaced kind without a namespace is in "default", as kubectl takes it.
 */
export function parseObjectArg(text: string): string {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw new ObjectArgError(text, 'not KIND/[NAMESPACE/]NAME');
  const asked = parts[0]!.toLowerCase();
  const info = knownKinds.find((k) => k.kind.toLowerCase() === asked || `${k.kind}.${k.group}`.toLowerCase() === asked);
  if (!info) throw new ObjectArgError(text, `unknown kind ${parts[0]} (one of ${knownKinds.map((k) => k.kind).join(', ')})`);
  const kind = info.group ? `${info.kind}.${info.group}` : info.kind;
  if (!info.namespaced && parts.length === 3) throw new ObjectArgError(text, `${info.kind} is not namespaced`);
  const name = parts[parts.length - 1]!;
  return info.namespaced ? `${kind}/${parts.length === 3 ? parts[1] : 'default'}/${name}` : `${kind}/${name}`;
}

export interface FieldChange {
  readonly op: 'add' | 'remove' | 'change';
  /** spec.ports[0].port */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface RouteChange {
  readonly node: string;
  readonly prefix: string;
}

export interface ObjectStep {
  /** The envelope's observedAt. */
  readonly time: string;
  readonly partition: number;
  readonly offset: string;
  /** added / modified / deleted, or swept: deleted by a sync marker that no longer listed it. */
  readonly type: 'added' | 'modified' | 'deleted' | 'swept';
  readonly source: string;
  readonly resourceVersion: string | null;
  readonly uid: string | null;
  /** False when the fold passed the record over (older than the version held, or a refused compare-and-set). */
  readonly folded: boolean;
  readonly changes: readonly FieldChange[];
  readonly announced: readonly RouteChange[];
  readonly withdrawn: readonly RouteChange[];
}

export interface ObjectHistory {
  readonly key: string;
  readonly steps: readonly ObjectStep[];
  /** Steps older than the ones shown (beyond the limit). */
  readonly omitted: number;
  /** Records read, and the worlds built to compare desired states. */
  readonly records: number;
  readonly worlds: number;
}

/**
 * The partitions' records in one order: by observedAt, each partition's own order kept. Records
 * observed at the same instant (one apply, one transaction) are in no order of their own: those
 * `last` picks go after the others, so a step of the audited object sees everything observed with it.
 */
export function mergeByObservedAt(partitions: ReadonlyMap<number, readonly ConsumedEvent[]>, last: (e: ConsumedEvent) => boolean = () => false): ConsumedEvent[] {
  const heads = [...partitions].map(([p, events]) => ({ p, events, i: 0 })).filter((h) => h.events.length > 0);
  const rank = (e: ConsumedEvent) => [Date.parse(e.envelope.observedAt), last(e) ? 1 : 0] as const;
  const out: ConsumedEvent[] = [];
  for (;;) {
    let best: { h: (typeof heads)[number]; r: readonly [number, number] } | undefined;
    for (const h of heads) {
      if (h.i >= h.events.length) continue;
      const r = rank(h.events[h.i]!);
      if (!best || r[0] < best.r[0] || (r[0] === best.r[0] && r[1] < best.r[1])) best = { h, r };
    }
    if (!best) return out;
    out.push(best.h.events[best.h.i++]!);
  }
}

const parse = (text: string | undefined): Record<string, unknown> => (text === undefined ? {} : (JSON.parse(text) as Record<string, unknown>));

function pathText(path: readonly (string | number)[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** The fields added, removed and changed from one version of the object to the next. */
export function fieldChanges(before: string | undefined, after: string | undefined): FieldChange[] {
  return diff(parse(before), parse(after)).map((d) =>
    d.type === 'CREATE'
      ? { op: 'add', path: pathText(d.path), after: d.value as unknown }
      : d.type === 'REMOVE'
        ? { op: 'remove', path: pathText(d.path), before: d.oldValue as unknown }
        : { op: 'change', path: pathText(d.path), before: d.oldValue as unknown, after: d.value as unknown },
  );
}

/** Per node, the prefixes announced in `after` and not `before`, and the reverse. */
function routeChanges(
  before: ReadonlyMap<string, ReadonlySet<string>>,
  after: ReadonlyMap<string, ReadonlySet<string>>,
): { announced: RouteChange[]; withdrawn: RouteChange[] } {
  const announced: RouteChange[] = [];
  const withdrawn: RouteChange[] = [];
  for (const node of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(node) ?? new Set<string>();
    const a = after.get(node) ?? new Set<string>();
    for (const prefix of [...a].sort()) if (!b.has(prefix)) announced.push({ node, prefix });
    for (const prefix of [...b].sort()) if (!a.has(prefix)) withdrawn.push({ node, prefix });
  }
  return { announced, withdrawn };
}

function prefixesOf(folded: FoldedObjects, world: WorldView, cache: DesiredCache): Map<string, Set<string>> {
  return new Map([...desiredOfAll(folded, world, cache)].map(([node, doc]) => [node, announcedPrefixes(doc)]));
}

/**
 * The world after a step from the world before it: the step's object applied or deleted, every
 * other map shared with `before` (so the desired-state caches keep their work), or a world of its
 * own after a marker, which may have swept other objects too.
 */
function worldAfter(
  before: WorldView,
  key: string,
  text: string | undefined,
  marker: boolean,
  folded: FoldedObjects,
  settings: Partial<Settings>,
): WorldView {
  if (marker) return worldOfObjects(folded, settings);
  if (text !== undefined) return applyObject(before, JSON.parse(text) as unknown).world;
  const ref = refFromKey(key);
  return ref === null ? before : deleteObject(before, ref);
}

export interface HistoryOptions {
  readonly settings?: Partial<Settings>;
  /** Show at most this many steps, the newest (default: all). */
  readonly limit?: number;
}

export function objectHistory(key: string, records: readonly ConsumedEvent[], opts: HistoryOptions = {}): ObjectHistory {
  const settings = opts.settings ?? {};
  const fold = new LogFold();
  // The object's latest version as the store holds it: an invalid one beside the one in effect.
  const latest = (): string | undefined => fold.latest(key);
  const keyed = records.filter((e) => e.key === key).length;
  const limit = opts.limit ?? Infinity;
  const steps: ObjectStep[] = [];
  let seen = 0;
  let worlds = 0;
  for (const e of records) {
    const f = foldRecord(e);
    if (f === null) continue;
    const own = f.key === key && (f.op === 'u' || f.op === 'd');
    const marker = (f.op === 's' || f.op === 'k') && key.startsWith(`${f.key}/`) && latest() !== undefined;
    if (!own && !marker) {
      fold.fold(f);
      continue;
    }
    const shown = own ? ++seen > keyed - limit : steps.length > 0 || keyed <= limit;
    const beforeText = latest();
    const beforeObjects: FoldedObjects | null = shown ? { objects: new Map(fold.objects), invalidObjects: new Map(fold.invalidObjects) } : null;
    const applied = fold.applied;
    fold.fold(f);
    const afterText = latest();
    if (!shown || (marker && afterText !== undefined)) continue;
    const env = e.envelope;
    const changed = afterText !== beforeText;
    let routes = { announced: [] as RouteChange[], withdrawn: [] as RouteChange[] };
    if (changed) {
      const cache = new DesiredCache();
      const before = worldOfObjects(beforeObjects!, settings);
      const after = worldAfter(before, key, afterText, marker, fold, settings);
      routes = routeChanges(prefixesOf(beforeObjects!, before, cache), prefixesOf(fold, after, cache));
      worlds += 2;
    }
    steps.push({
      time: env.observedAt,
      partition: e.partition,
      offset: e.offset,
      type: env.type === EventType.Synced ? 'swept' : env.type,
      source: env.source,
      resourceVersion: env.type === EventType.Synced ? null : env.resourceVersion,
      uid: env.type === EventType.Synced ? null : (env.uid ?? null),
      folded: fold.applied > applied,
      changes: changed ? fieldChanges(beforeText, afterText) : [],
      ...routes,
    });
  }
  return { key, steps, omitted: Math.max(0, keyed - limit), records: records.length, worlds };
}
