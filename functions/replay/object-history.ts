// `bgpcast audit object`: one object's history on the events topic, as a pure function of the
// topic's records. Every record keyed by the object is a step, and so is a sync marker that swept
// it away. Each step says which fields changed (a structural diff of the object as the store holds
// it: sanitized, stamped — events/sanitize.ts, functions/store/fold.ts) and, when the object
// changed, which prefixes each node's desired state announced or withdrew because of it: the whole
// topic is folded in order (log-fold.ts, the store's fold), and around each step the world before
// and after it gives every node's desired state (replay-world.ts) to compare.
//
// Order across partitions: the partitions are merged by the envelopes' observedAt, each partition
// kept in offset order; within a partition the order is the fold's own. Cost: the records of the
// whole topic are held in memory for the merge, and each step that changed the object costs two
// worlds and every node's desired state twice; steps past `limit` (the oldest) are not shown and
// cost no computation.

import diff from 'microdiff';
import type { ConsumedEvent } from '../../events/bus.ts';
import { EventType } from '../../events/envelope.ts';
import { knownKinds } from '../../events/kinds.ts';
import { foldEvent } from '../store/fold.ts';
import type { Settings } from '../settings.ts';
import { LogFold } from './log-fold.ts';
import { announcedPrefixes, desiredOfAll, worldOfObjects } from './replay-world.ts';

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

/** The partitions' records in one order: by observedAt, each partition's own order kept. */
export function mergeByObservedAt(partitions: ReadonlyMap<number, readonly ConsumedEvent[]>): ConsumedEvent[] {
  const heads = [...partitions].map(([p, events]) => ({ p, events, i: 0 })).filter((h) => h.events.length > 0);
  const out: ConsumedEvent[] = [];
  for (;;) {
    let best: (typeof heads)[number] | undefined;
    for (const h of heads) {
      if (h.i >= h.events.length) continue;
      const t = h.events[h.i]!.envelope.observedAt;
      // ISO times of one form compare as text only when both are UTC: compare as instants.
      if (!best || Date.parse(t) < Date.parse(best.events[best.i]!.envelope.observedAt) || (t === best.events[best.i]!.envelope.observedAt && h.p < best.p)) best = h;
    }
    if (!best) return out;
    out.push(best.events[best.i++]!);
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

function prefixesOf(objects: ReadonlyMap<string, string>, settings: Partial<Settings>): Map<string, Set<string>> {
  const world = worldOfObjects(objects, settings);
  return new Map([...desiredOfAll(objects, world)].map(([node, doc]) => [node, announcedPrefixes(doc)]));
}

export interface HistoryOptions {
  readonly settings?: Partial<Settings>;
  /** Show at most this many steps, the newest (default: all). */
  readonly limit?: number;
}

export function objectHistory(key: string, records: readonly ConsumedEvent[], opts: HistoryOptions = {}): ObjectHistory {
  const settings = opts.settings ?? {};
  const fold = new LogFold();
  const objects = fold.objects;
  const keyed = records.filter((e) => e.key === key).length;
  const limit = opts.limit ?? Infinity;
  const steps: ObjectStep[] = [];
  let seen = 0;
  let worlds = 0;
  for (const e of records) {
    const f = foldEvent(e);
    if (f === null) continue;
    const own = f.key === key && (f.op === 'u' || f.op === 'd');
    const marker = (f.op === 's' || f.op === 'k') && key.startsWith(`${f.key}/`) && objects.has(key);
    if (!own && !marker) {
      fold.fold(f);
      continue;
    }
    const shown = own ? ++seen > keyed - limit : steps.length > 0 || keyed <= limit;
    const beforeText = objects.get(key);
    const beforeObjects = shown ? new Map(objects) : null;
    const applied = fold.applied;
    fold.fold(f);
    const afterText = objects.get(key);
    if (!shown || (marker && afterText !== undefined)) continue;
    const env = e.envelope;
    const changed = afterText !== beforeText;
    let routes = { announced: [] as RouteChange[], withdrawn: [] as RouteChange[] };
    if (changed) {
      routes = routeChanges(prefixesOf(beforeObjects!, settings), prefixesOf(objects, settings));
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
