// Bringing each target's desired state up to the positions it must reflect, in rounds: the heads
// first (read, or for a node this instance wrote last the head its write left), then the world,
// compute, and compare-and-set on seq; a target already covering its positions is settled without
// computing, and a conflict goes to the next round after a jittered back-off (too many rounds
// throw, so the batch comes back). Step 5 of docs/functions-correctness.md.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../../events/log.ts';
import type { WorldView } from '../model/world.ts';
import {
  compareAndSetConditions,
  compareAndSetNodes,
  readConditionsHead,
  readNodeHeads,
  readStoredNode,
  targetId,
  type CasOutcome,
  type CasWrite,
  type Head,
  type NodeHead,
  type NodeWrite,
  type Target,
} from '../store/desired-store.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import { covers, positionsJson, type Positions } from '../store/positions.ts';
import type { SyncResult, WorldMirror } from '../store/world-mirror.ts';
import { backoffMs, CasConflictError, type RetryPolicy } from './backoff.ts';
import { randomUUID } from 'node:crypto';
import type { DesiredCache, NodeView } from '../incremental/desired-cache.ts';
import { planNodeDocument, type ConditionsDocuments, type WriteStamp } from './document.ts';
import { headAfter, planViewWrite, ViewCache } from './view-write.ts';

export interface Requirement {
  readonly target: Target;
  /** Positions the stored document must reflect. */
  readonly need: Positions;
}

/** Test seams: the integration tests widen race windows and simulate crashes here. */
export interface HandlerHooks {
  /** Before the batch is folded (after the first mirror sync). */
  beforeFold?(): Promise<void> | void;
  /** After the batch is folded, before anything is recomputed. */
  afterFold?(): Promise<void> | void;
  /** After a round's heads were read, before the world is read. */
  afterHeads?(targets: readonly Target[]): Promise<void> | void;
  /** After a round's documents were computed, before the compare-and-set. */
  beforeWrite?(targets: readonly Target[]): Promise<void> | void;
}

export interface RecomputeContext {
  /** The store epoch this instance folds and writes under (docs/functions-correctness.md). */
  epoch: string;
  readonly redis: Redis;
  readonly keys: StoreKeys;
  readonly mirror: WorldMirror;
  /** Syncs the mirror, throwing StoreChangedError when the store is not the epoch's any more. */
  readonly syncWorld: () => Promise<Pick<SyncResult, 'end' | 'positions'>>;
  readonly log: Logger;
  readonly retry: RetryPolicy;
  readonly hooks: HandlerHooks;
  readonly now: () => Date;
  /** The incremental computation of desired state and conditions; one per handler. */
  readonly desired: DesiredCache;
  /** The views this instance last wrote, per node (view-write.ts); one per handler. */
  readonly views: ViewCache;
  /** The conditions' head as this instance's last compare-and-set left it, and their last document; one per handler. */
  readonly conditions: { head: Head | null; document: ConditionsDocuments };
}

export interface RecomputeResult {
  /** targetId → positions its document now reflects. */
  readonly settled: Map<string, Positions>;
  written: number;
  unchanged: number;
  covered: number;
  conflicts: number;
  computeMs: number;
  /** Targets left for later because the time budget ran out (their pending entries stay). */
  deferred: number;
  /** Node writes that went through as planned from the view last written (no read of the stored routes). */
  fastPath: number;
  /** node → the revision this call wrote, the positions it reflects, and those of the revision it replaced. */
  readonly revisions: Map<string, { readonly revision: number; readonly positions: Positions; readonly previous: Positions }>;
}

/** Targets computed and written per pipeline. */
const WRITE_CHUNK = 32;
const LOG_EACH_WRITE_UP_TO = 50;

/** A target whose head was read this round, with what its compare-and-set must check. */
type Uncovered =
  | { readonly type: 'node'; readonly req: Requirement; readonly node: string; readonly head: NodeHead }
  | { readonly type: 'conditions'; readonly req: Requirement; readonly head: Head };
type UncoveredNode = Extract<Uncovered, { type: 'node' }>;
type UncoveredConditions = Extract<Uncovered, { type: 'conditions' }>;

/**
 * The heads of `todo`, in its order, and whether any had to be read. In a first round, a target
 * this instance wrote last is taken at the head that write left (nodes: ViewCache.predictedHead;
 * the conditions: ctx.conditions); the others are read, node heads in one pipeline and the
 * conditions' beside it. A predicted head that is no longer the stored one makes the
 * compare-and-set refuse the write, and the target's head is read in the next round.
 */
async function readRoundHeads(
  ctx: RecomputeContext,
  todo: readonly Requirement[],
  predict: boolean,
): Promise<{ heads: (NodeHead | Head)[]; read: boolean; conditionsPredicted: boolean }> {
  const predicted = todo.map((r) =>
    !predict ? null : r.target.type === 'node' ? ctx.views.predictedHead(r.target.node) : ctx.conditions.head,
  );
  const nodes = todo.flatMap((r, i) => (r.target.type === 'node' && predicted[i] === null ? [r.target.node] : []));
  const withConditions = todo.some((r, i) => r.target.type === 'conditions' && predicted[i] === null);
  const [nodeHeads, conditionsHead] = await Promise.all([
    readNodeHeads(ctx.redis, ctx.keys, nodes, ctx.epoch),
    withConditions ? readConditionsHead(ctx.redis, ctx.keys, ctx.epoch) : null,
  ]);
  let n = 0;
  const heads = todo.map((r, i) => predicted[i] ?? (r.target.type === 'node' ? nodeHeads[n++]! : conditionsHead!));
  const conditionsPredicted = todo.some((r, i) => r.target.type === 'conditions' && predicted[i] !== null);
  return { heads, read: nodes.length > 0 || withConditions, conditionsPredicted };
}

/** The head the conditions' compare-and-set leaves (CAS_SCRIPT): seq one up, the digest stored. */
function conditionsHeadAfter(head: Head, write: CasWrite, outcome: Exclude<CasOutcome, { status: 'conflict' }>, positions: Positions): Head {
  return { seq: String(Number(head.seq) + 1), digest: write.mode === 'write' ? write.digest : head.digest, positions, revision: outcome.revision };
}

async function syncedWorld(ctx: RecomputeContext): Promise<{ world: WorldView; positions: Positions }> {
  const { end, positions } = await ctx.syncWorld();
  return { world: end, positions };
}

/**
 * The conditions' write. Against a predicted head the digest it holds is not trusted for a
 * confirmation: the document is sent, and the script compares it with the stored digest itself
 * (equal: nothing is rewritten), so a lost write of ours cannot be confirmed as stored.
 */
function planConditions(ctx: RecomputeContext, world: WorldView, head: Head, stamp: WriteStamp, predicted: boolean): CasWrite {
  const doc = ctx.conditions.document.of(ctx.desired.conditions(world));
  const same = (!predicted && doc.digest === head.digest) || (head.digest === null && doc.empty);
  return { seq: head.seq, mode: same ? 'confirm' : 'write', positions: stamp.positions, epoch: stamp.epoch, digest: doc.digest, document: same ? '' : doc.text, updatedAt: stamp.updatedAt };
}

/**
 * Settles the requirements, or as many as fit before `deadline` (performance.now() time): every
 * requirement comes from a pending entry, so what is left over is safe in Redis and settled by a
 * later batch or sweep. Without a deadline, conflicts that do not resolve throw.
 */
export async function recompute(
  ctx: RecomputeContext,
  requirements: readonly Requirement[],
  deadline = Number.POSITIVE_INFINITY,
): Promise<RecomputeResult> {
  const result: RecomputeResult = { settled: new Map(), written: 0, unchanged: 0, covered: 0, conflicts: 0, computeMs: 0, deferred: 0, fastPath: 0, revisions: new Map() };
  let todo = requirements;
  // At least one chunk is written per call, whatever the budget: a continuation makes progress.
  let worked = false;
  const outOfTime = () => worked && performance.now() > deadline;
  for (let attempt = 0; todo.length > 0; attempt++) {
    if (outOfTime()) {
      result.deferred += todo.length;
      break;
    }
    if (attempt >= ctx.retry.attempts) {
      throw new CasConflictError(todo.map((r) => targetId(r.target)), attempt);
    }
    if (attempt > 0) await sleep(backoffMs(ctx.retry, attempt));
    const { heads, read, conditionsPredicted } = await readRoundHeads(ctx, todo, attempt === 0);
    await ctx.hooks.afterHeads?.(todo.map((r) => r.target));

    const uncovered: Uncovered[] = [];
    todo.forEach((req, i) => {
      const head = heads[i]!;
      if (covers(head.positions, req.need)) {
        result.settled.set(targetId(req.target), head.positions);
        result.covered++;
      } else if (req.target.type === 'node') {
        uncovered.push({ type: 'node', req, node: req.target.node, head: head as NodeHead });
      } else {
        uncovered.push({ type: 'conditions', req, head: head as Head });
      }
    });
    if (uncovered.length === 0) break;

    // The world is read after the heads: a state written from it can only replace one that was
    // current when the heads were read (the compare-and-set on seq checks exactly that). Heads
    // that were all predicted are those our last writes left, older than the world the handler
    // synced since: the mirror as it is will do, one Redis round trip less.
    const { world, positions } = read ? await syncedWorld(ctx) : { world: ctx.mirror.world, positions: ctx.mirror.positions };
    const stamp: WriteStamp = { positions: positionsJson(positions), writer: randomUUID(), epoch: ctx.epoch, updatedAt: ctx.now().toISOString() };
    const next: Requirement[] = [];
    const written: { target: Target; revision: number; routes: number }[] = [];
    // In chunks: bounded memory (a node can hold tens of thousands of routes), and early writes
    // go out early. While a chunk of fast-path writes (small: only what changed) is on its way to
    // Redis, the next one is computed; a chunk that had to read stored routes is awaited first.
    const sent: Promise<void>[] = [];
    let failure: { error: unknown } | null = null;
    const settle = (
      nodeItems: readonly UncoveredNode[],
      conditionsItem: UncoveredConditions | undefined,
      views: readonly NodeView[],
      prevs: readonly (NodeView | null)[],
      nodeWrites: readonly NodeWrite[],
      conditionsWrite: CasWrite | null,
    ): Promise<void> => {
      // A fast-path write (the head carries our token: our last compare-and-set of the node, and
      // the desired-nodes update that follows a write, went through) of a node written before
      // (revision > 0) finds it listed already; every other write lists it.
      const listed = new Set(nodeItems.flatMap((u, j) => (prevs[j] !== null && u.head.revision > 0 ? [u.node] : [])));
      return Promise.all([
        compareAndSetNodes(ctx.redis, ctx.keys, nodeWrites, (node) => listed.has(node)),
        conditionsWrite ? compareAndSetConditions(ctx.redis, ctx.keys, conditionsWrite) : null,
      ]).then(([nodeOutcomes, conditionsOutcome]) => {
        nodeItems.forEach((u, j) => {
          const outcome = nodeOutcomes[j]!;
          if (outcome.status === 'conflict') {
            ctx.views.forget(u.node);
            return;
          }
          if (prevs[j] !== null) result.fastPath++;
          if (outcome.status === 'written') result.revisions.set(u.node, { revision: outcome.revision, positions, previous: u.head.positions });
          ctx.views.remember(u.node, stamp.writer, views[j]!, prevs[j] === null, headAfter(u.head, nodeWrites[j]!, outcome, positions));
        });
        const outcomes: [Requirement, CasOutcome, number][] = nodeItems.map((u, j) => [u.req, nodeOutcomes[j]!, nodeWrites[j]!.changes.length]);
        if (conditionsItem) {
          outcomes.push([conditionsItem.req, conditionsOutcome!, 0]);
          ctx.conditions.head =
            conditionsOutcome!.status === 'conflict' ? null : conditionsHeadAfter(conditionsItem.head, conditionsWrite!, conditionsOutcome!, positions);
        }
        for (const [req, outcome, routes] of outcomes) {
          if (outcome.status === 'conflict') {
            next.push(req);
            result.conflicts++;
            continue;
          }
          result.settled.set(targetId(req.target), positions);
          if (outcome.status === 'written') {
            result.written++;
            written.push({ target: req.target, revision: outcome.revision, routes });
          } else {
            result.unchanged++;
          }
        }
      });
    };
    try {
      for (let i = 0; i < uncovered.length; i += WRITE_CHUNK) {
        if (outOfTime()) {
          result.deferred += uncovered.length - i;
          break;
        }
        const chunk = uncovered.slice(i, i + WRITE_CHUNK);
        const nodeItems = chunk.filter((u): u is UncoveredNode => u.type === 'node');
        const conditionsItem = chunk.find((u): u is UncoveredConditions => u.type === 'conditions');
        let t0 = performance.now();
        const views = nodeItems.map((u) => ctx.desired.view(world, u.node));
        const prevs = nodeItems.map((u) => ctx.views.lookup(u.node, u.head));
        result.computeMs += performance.now() - t0;
        // Nodes whose stored state is not the view we last wrote are diffed against what is
        // stored, read after the heads (and the world): when a writer got in between, the seq
        // moved and the compare-and-set refuses the write planned against this state.
        const misses = nodeItems.flatMap((u, j) => (prevs[j] === null ? [u.node] : []));
        const stored = new Map(
          await Promise.all(misses.map(async (node) => [node, await readStoredNode(ctx.redis, ctx.keys, node)] as const)),
        );
        t0 = performance.now();
        const nodeWrites: NodeWrite[] = nodeItems.map((u, j) => {
          const prev = prevs[j];
          return prev
            ? planViewWrite(ctx.desired, prev, views[j]!, u.head, stamp)
            : planNodeDocument(ctx.desired.document(views[j]!), u.head, stored.get(u.node)!, stamp);
        });
        const conditionsWrite = conditionsItem ? planConditions(ctx, world, conditionsItem.head, stamp, conditionsPredicted) : null;
        result.computeMs += performance.now() - t0;
        await ctx.hooks.beforeWrite?.(chunk.map((u) => u.req.target));
        const settled = settle(nodeItems, conditionsItem, views, prevs, nodeWrites, conditionsWrite);
        settled.catch(() => undefined); // observed below, after every chunk sent has settled
        sent.push(settled);
        if (misses.length > 0) await settled;
        worked = true;
        await yieldToLoop();
      }
    } catch (error) {
      failure = { error };
    }
    // Every write sent is accounted for before the round ends; a failed one (Redis went away)
    // fails the round as an awaited one would.
    const outcomes = await Promise.allSettled(sent);
    if (failure) throw failure.error;
    const rejected = outcomes.find((o) => o.status === 'rejected');
    if (rejected) throw rejected.reason;
    for (const { target, revision, routes } of written) {
      const fields = target.type === 'node' ? { node: target.node, revision, routeChanges: routes } : { conditions: true, revision };
      if (written.length <= LOG_EACH_WRITE_UP_TO) ctx.log.info({ ...fields, positions }, 'desired state written');
      else ctx.log.debug({ ...fields, positions }, 'desired state written');
    }
    if (next.length > 0) ctx.log.debug({ conflicts: next.length, attempt: attempt + 1 }, 'compare-and-set conflicts; retrying');
    todo = next;
  }
  return result;
}
