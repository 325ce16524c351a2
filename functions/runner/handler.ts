// The functions' one handler, shared by the Kafka runner and the HTTP entry point. Per batch: sync
// the world mirror, fold the events into Redis with a pending entry naming what they may have made
// stale, sync again, then bring every pending target (this batch's and any left by others) up to
// the positions it must reflect, by compare-and-set, and clear what is settled. Offsets are
// committed, or 200 answered, only after that. Why this loses no update, is idempotent and equals a
// clean replay: docs/functions-correctness.md.

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BatchHandler, ConsumedEvent, DeliveredRange, PoisonRecord } from '../../events/bus.ts';
import type { Logger } from '../../events/log.ts';
import type { Settings } from '../settings.ts';
import { applyChanges } from '../store/apply-changes.ts';
import { CONDITIONS_TARGET, targetId, type Head, type Target } from '../store/desired-store.ts';
import { addPending, clearPending, DEFAULT_CHANGES_MAXLEN, foldChanges, foldEvent, foldIntoWorld, foldPositions, readPending } from '../store/fold.ts';
import type { PendingEntry } from '../../events/redis-keys.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import { covers, maxPositions, type Positions } from '../store/positions.ts';
import { isRedisUnavailable } from '../../events/redis-client.ts';
import { WorldMirror } from '../store/world-mirror.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './backoff.ts';
import { CoalescingQueue } from './coalesce.ts';
import { dirtyTargets, nodesDirtiedBy, NOTHING_DIRTY, type Dirty } from './dirty.ts';
import { causesByNode } from './causes.ts';
import { writeCauses } from '../store/causes-store.ts';
import type { Cause } from '../../events/causes.ts';
import { CauseBook } from './cause-book.ts';
import { recompute, type HandlerHooks, type Requirement } from './recompute.ts';
import { ViewCache } from './view-write.ts';
import { ConditionsDocuments } from './document.ts';
import { DesiredCache } from '../incremental/desired-cache.ts';
import { RouterIdAllocator, type Publish } from './router-id-allocator.ts';
import type { EventLog } from '../replay/event-log.ts';
import { StoreChangedError, StoreGuard } from '../replay/store-guard.ts';
import type { SyncResult } from '../store/world-mirror.ts';

export type { HandlerHooks } from './recompute.ts';

export interface FunctionsHandlerOptions {
  readonly redis: Redis;
  readonly keys: StoreKeys;
  readonly log: Logger;
  readonly settings?: Partial<Settings>;
  readonly retry?: Partial<RetryPolicy>;
  /** MAXLEN ~ of the change stream. */
  readonly changesMaxLen?: number;
  /** Upper bound of events coalesced into one batch. */
  readonly maxBatchEvents?: number;
  readonly hooks?: HandlerHooks;
  readonly now?: () => Date;
  /** Stop recomputing after this long per batch and continue in a sweep (default: no limit). */
  readonly recomputeBudgetMs?: number;
  /** How long a written view may stand in for the stored routes (view-write.ts; default 5 min). */
  readonly viewMaxAgeMs?: number;
  /** Told of every batch processed or failed, once per batch (functions-telemetry.ts). */
  readonly observer?: BatchObserver;
  /** Publishes on the events topic: the ip-pool router-ID allocations (router-id-allocator.ts). */
  readonly publish?: Publish;
}

export interface BatchObserver {
  processed(events: readonly ConsumedEvent[], report: BatchReport): void;
  failed(events: readonly ConsumedEvent[]): void;
}

export interface BatchReport {
  readonly events: number;
  /** Events of kinds bgpcast does not consume. */
  readonly ignored: number;
  /** Folds that changed the world (the rest were redeliveries). */
  readonly applied: number;
  /** Objects deleted by sync markers. */
  readonly swept: number;
  readonly targets: number;
  readonly written: number;
  readonly unchanged: number;
  readonly covered: number;
  readonly conflicts: number;
  readonly pendingCleared: number;
  /** Targets left to the continuation sweep (recompute budget spent). */
  readonly deferred: number;
  readonly ms: number;
  readonly computeMs: number;
  /** Node writes planned from the view last written, without reading the stored routes. */
  readonly fastPath: number;
}

export interface FunctionsHandler extends BatchHandler {
  /**
   * Folds and recomputes; resolves with what was done (onEvents is this without the report).
   * `range`: the offsets the delivery covered (the Kafka consumer's fetch), checked against the
   * world and recorded with it.
   */
  process(events: readonly ConsumedEvent[], range?: DeliveredRange): Promise<BatchReport>;
  /**
   * The log the store is a fold of: before the next write the store is judged against it, and
   * rebuilt from it when it cannot be trusted (functions/replay/store-guard.ts). Without one the
   * store is taken as it is.
   */
  useLog(log: EventLog): void;
  /** Judges the store against the log now (and rebuilds it if need be), before any event. */
  checkStore(): Promise<void>;
  /** Settles pending recomputations without new events (left by a crashed instance). */
  sweep(): Promise<BatchReport>;
  /** Resolves once no batch is queued or running. */
  idle(): Promise<void>;
  readonly mirror: WorldMirror;
}

function targetsOf(entry: PendingEntry): Target[] {
  const nodes: Target[] = entry.nodes.map((node) => ({ type: 'node', node }));
  return entry.conditions ? [...nodes, CONDITIONS_TARGET] : nodes;
}

function targetsOfDirty(dirty: Dirty): Target[] {
  const nodes: Target[] = [...dirty.nodes].sort().map((node) => ({ type: 'node', node }));
  return dirty.conditions ? [...nodes, CONDITIONS_TARGET] : nodes;
}

export function createFunctionsHandler(opts: FunctionsHandlerOptions): FunctionsHandler {
  const { redis, keys, log } = opts;
  const now = opts.now ?? (() => new Date());
  const mirror = new WorldMirror(redis, keys, { settings: opts.settings ?? {}, log });
  const guard = new StoreGuard({ redis, keys, log, now });
  // A Redis that comes back may be another one (restarted empty, or from an older copy).
  let connected = redis.status === 'ready';
  redis.on('ready', () => {
    if (connected) guard.suspect('Redis reconnected');
    connected = true;
  });
  const ctx = {
    epoch: '',
    redis,
    keys,
    mirror,
    syncWorld: () => syncChecked(),
    log,
    retry: { ...DEFAULT_RETRY, ...opts.retry },
    hooks: opts.hooks ?? {},
    now,
    desired: new DesiredCache(),
    views: new ViewCache(opts.viewMaxAgeMs),
    conditions: { head: null as Head | null, document: new ConditionsDocuments() },
  };
  /** The causes folded here that no revision has recorded yet (cause-book.ts). */
  const book = new CauseBook();
  const allocator = new RouterIdAllocator({ redis, keys, log, ...(opts.publish ? { publish: opts.publish } : {}) });

  /** The epoch to write under, after the guard's check; a new epoch drops what our writes left. */
  const ensureStore = async (): Promise<void> => {
    const epoch = await guard.ensure();
    if (epoch === ctx.epoch) return;
    ctx.epoch = epoch;
    ctx.views.clear();
    book.clear();
    ctx.conditions.head = null;
  };

  /** A mirror sync that throws when the store is not the one this batch started with. */
  const syncChecked = async (): Promise<SyncResult> => {
    const sync = await mirror.sync();
    if (sync.suspect !== null) guard.suspect(sync.suspect);
    if (sync.epoch !== ctx.epoch) guard.suspect(sync.epoch === null ? 'the store lost its log record (wiped?)' : 'the store epoch changed');
    if (sync.suspect !== null || sync.epoch !== ctx.epoch) throw new StoreChangedError(sync.suspect ?? 'epoch');
    return sync;
  };

  const processBatch = async (items: readonly (ConsumedEvent | DeliveredRange)[]): Promise<BatchReport> => {
    const events = items.filter((i): i is ConsumedEvent => 'envelope' in i);
    const ranges = items.filter((i): i is DeliveredRange => !('envelope' in i));
    // The store changed under the batch (wiped, rebuilt by another instance, went back): judge it
    // again, rebuild it if need be, and start over. Bounded: a store that keeps changing fails the
    // batch, which comes back.
    for (let attempt = 0; ; attempt++) {
      try {
        return await processOnce(events, ranges);
      } catch (e) {
        if (!(e instanceof StoreChangedError) || attempt >= 3) throw e;
        log.warn({ why: e.why, attempt: attempt + 1 }, 'the store changed under the batch; checking it against the log and starting the batch over');
      }
    }
  };

  const processOnce = async (events: readonly ConsumedEvent[], ranges: readonly DeliveredRange[]): Promise<BatchReport> => {
    const t0 = performance.now();
    const known = guard.topic?.id;
    for (const r of ranges) {
      if (r.identity !== undefined && known !== undefined && r.identity !== known) guard.suspect('an identity record of another topic was delivered', { topic: true });
    }
    await ensureStore();
    const folds = events.map(foldEvent).filter((f) => f !== null);
    const { end: w0 } = await syncChecked();

    let own: Positions = {};
    let window: Dirty = NOTHING_DIRTY;
    let fold = { applied: 0, swept: 0 };
    let pendingAfterFold: Map<string, PendingEntry> | null = null;
    if (folds.length > 0 || ranges.length > 0) {
      const { changes, marker } = foldChanges(folds);
      const w1 = applyChanges(w0, changes);
      // One closure for both: each changed object's nodes are worked out once.
      const dirtiedBy = nodesDirtiedBy(w0, w1);
      const stale = dirtyTargets(w0, w1, changes.map((c) => c.ref), marker, dirtiedBy);
      const causes: Map<string, Cause[]> = causesByNode(events, dirtiedBy);
      own = foldPositions(folds);
      const entry: PendingEntry = {
        nodes: [...stale.nodes].sort(),
        conditions: stale.conditions,
        positions: own,
        at: now().toISOString(),
      };
      await ctx.hooks.beforeFold?.();
      // A delivery of no event (poison or control records only) still records the offsets it covered.
      const outcome = await foldIntoWorld(redis, keys, ctx.epoch, folds, ranges, folds.length > 0 ? { id: randomUUID(), entry } : null, opts.changesMaxLen ?? DEFAULT_CHANGES_MAXLEN);
      if (outcome.refused !== null) {
        const why =
          outcome.refused.why === 'epoch'
            ? 'the fold found another epoch, or none, in the store'
            : `the store lacks offsets of partition ${outcome.refused.partition} before this delivery`;
        guard.suspect(why);
        throw new StoreChangedError(why);
      }
      fold = outcome;
      book.add(causes);
      await ctx.hooks.afterFold?.();
      if (folds.length > 0) {
        // Both read what the fold wrote: sent together, one round trip.
        const [sync, pending] = await Promise.all([syncChecked(), readPending(redis, keys)]);
        pendingAfterFold = pending;
        window = dirtyTargets(sync.start, sync.end, sync.refs, sync.reloaded);
        const extra = [...window.nodes].filter((n) => !stale.nodes.has(n)).sort();
        if (extra.length > 0 || (window.conditions && !stale.conditions)) {
          const entry: PendingEntry = { nodes: extra, conditions: window.conditions, positions: own, at: now().toISOString() };
          const id = randomUUID();
          await addPending(redis, keys, id, entry);
          pending.set(id, entry);
        }
      }
    }

    // The ip-pool router IDs this world needs, published for the fold to decide (never a failure of the batch).
    await allocator.propose(mirror.world).catch((e: Error) => log.warn({ err: e.message }, 'router-ID allocation not published; trying again with the next batch'));

    const pending = pendingAfterFold ?? (await readPending(redis, keys));
    const needs = new Map<string, Requirement>();
    const require = (target: Target, positions: Positions) => {
      const id = targetId(target);
      const current = needs.get(id);
      needs.set(id, { target, need: current ? maxPositions(current.need, positions) : positions });
    };
    for (const entry of pending.values()) for (const t of targetsOf(entry)) require(t, entry.positions);
    // Also from memory, in case another instance settled and removed the entries meanwhile.
    for (const t of targetsOfDirty(window)) require(t, own);

    const budget = opts.recomputeBudgetMs;
    const result = await recompute(ctx, [...needs.values()], budget === undefined ? undefined : t0 + budget);
    if (result.deferred > 0) setImmediate(() => void sweep().catch(() => undefined));
    // The causes of each revision written, for the audit; the desired state is written already, so
    // a failure here costs the audit its causes, never the batch.
    const taken = new Map([...result.revisions].map(([node, w]) => [node, book.take(node, w.previous, w.positions)] as const));
    for (const [id, positions] of result.settled) {
      const target = needs.get(id)?.target;
      if (target?.type === 'node' && !result.revisions.has(target.node)) book.settle(target.node, positions);
    }
    await writeCauses(redis, keys, ctx.epoch, result.revisions, taken).catch((e: Error) =>
      log.warn({ err: e.message, nodes: [...result.revisions.keys()] }, 'causes of the revisions written not recorded'),
    );

    const settledIds = [...pending].flatMap(([id, entry]) =>
      targetsOf(entry).every((t) => {
        const have = result.settled.get(targetId(t));
        return have !== undefined && covers(have, entry.positions);
      })
        ? [id]
        : [],
    );
    const pendingCleared = await clearPending(redis, keys, settledIds);

    const report: BatchReport = {
      events: events.length,
      ignored: events.length - folds.length,
      applied: fold.applied,
      swept: fold.swept,
      targets: needs.size,
      written: result.written,
      unchanged: result.unchanged,
      covered: result.covered,
      conflicts: result.conflicts,
      pendingCleared,
      deferred: result.deferred,
      ms: Math.round(performance.now() - t0),
      computeMs: Math.round(result.computeMs),
      fastPath: result.fastPath,
    };
    if (report.written > 0 || report.applied > 0) log.info(report, 'batch processed');
    else log.debug(report, 'batch processed');
    return report;
  };

  const observer = opts.observer;
  const observed = async (items: readonly (ConsumedEvent | DeliveredRange)[]): Promise<BatchReport> => {
    if (!observer) return processBatch(items);
    const events = items.filter((i): i is ConsumedEvent => 'envelope' in i);
    let report: BatchReport;
    try {
      report = await processBatch(items);
    } catch (e) {
      observer.failed(events);
      throw e;
    }
    observer.processed(events, report);
    return report;
  };
  // Ranges ride along with the events they came with and weigh nothing against the batch bound.
  const queue = new CoalescingQueue<ConsumedEvent | DeliveredRange, BatchReport>(observed, opts.maxBatchEvents, (i) => ('envelope' in i ? 1 : 0));

  const process = async (events: readonly ConsumedEvent[], range?: DeliveredRange): Promise<BatchReport> => {
    try {
      return await queue.push(range ? [...events, range] : events);
    } catch (e) {
      const first = events[0];
      const where = first ? { partition: first.partition, offset: first.offset, events: events.length } : { events: 0 };
      if (isRedisUnavailable(e)) {
        log.warn({ ...where, err: (e as Error).message }, 'redis unavailable: batch not processed, it will be delivered again');
      } else {
        log.error({ ...where, err: e }, 'batch failed: it will be delivered again');
      }
      throw e;
    }
  };

  const sweep = () => process([]);
  return {
    mirror,
    process,
    sweep,
    idle: () => queue.idle(),
    useLog: (source) => guard.useLog(source),
    async checkStore() {
      await queue.push([]);
    },
    async onEvents(events, range) {
      await process(events, range);
    },
    onPoison(record: PoisonRecord) {
      log.warn(
        { topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, err: record.error.message },
        'skipped a record that is not a valid event envelope',
      );
    },
  };
}
