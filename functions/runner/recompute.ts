// Stage 2: bring each target's desired document up to the positions it must reflect. Per round:
// read the heads (seq, digest, positions) first, then read the world, compute, and write by
// compare-and-set on seq. A target whose stored document already reflects the positions it needs
// is settled without computing (a redelivered batch, or another instance got there first). A
// conflict sends the target to the next round after a jittered back-off; too many rounds throw,
// so the batch is not committed and comes back.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../../events/log.ts';
import { computeConditions } from '../conditions/compute-conditions.ts';
import { computeDesiredNode } from '../desired/compute-desired-node.ts';
import type { WorldView } from '../model/world.ts';
import { compareAndSet, readHeads, targetId, type CasWrite, type Target } from '../store/desired-store.ts';
import type { StoreKeys } from '../store/keys.ts';
import { covers, positionsJson, type Positions } from '../store/positions.ts';
import type { WorldMirror } from '../store/world-mirror.ts';
import { backoffMs, CasConflictError, type RetryPolicy } from './backoff.ts';
import { conditionsDocument, nodeDocument, type StoredDocument } from './document.ts';

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
  readonly redis: Redis;
  readonly keys: StoreKeys;
  readonly mirror: WorldMirror;
  readonly log: Logger;
  readonly retry: RetryPolicy;
  readonly hooks: HandlerHooks;
  readonly now: () => Date;
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
}

/** Targets computed and written per pipeline. */
const WRITE_CHUNK = 32;
const LOG_EACH_WRITE_UP_TO = 50;

export function computeTarget(world: WorldView, target: Target): StoredDocument {
  return target.type === 'node'
    ? nodeDocument(computeDesiredNode(world, target.node))
    : conditionsDocument(computeConditions(world));
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
  const result: RecomputeResult = { settled: new Map(), written: 0, unchanged: 0, covered: 0, conflicts: 0, computeMs: 0, deferred: 0 };
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
    const heads = await readHeads(ctx.redis, ctx.keys, todo.map((r) => r.target));
    await ctx.hooks.afterHeads?.(todo.map((r) => r.target));

    const uncovered: { req: Requirement; seq: string; digest: string | null }[] = [];
    todo.forEach((req, i) => {
      const head = heads[i]!;
      if (covers(head.positions, req.need)) {
        result.settled.set(targetId(req.target), head.positions);
        result.covered++;
      } else {
        uncovered.push({ req, seq: head.seq, digest: head.digest });
      }
    });
    if (uncovered.length === 0) break;

    // The world is read after the heads: a document written from it can only replace one that
    // was current when the heads were read (the compare-and-set on seq checks exactly that).
    const { end: world, positions } = await ctx.mirror.sync();
    const positionsText = positionsJson(positions);
    const updatedAt = ctx.now().toISOString();
    const next: Requirement[] = [];
    const written: { target: Target; revision: number }[] = [];
    // In chunks: bounded memory (a document can be hundreds of KB), and early writes go out early.
    for (let i = 0; i < uncovered.length; i += WRITE_CHUNK) {
      if (outOfTime()) {
        result.deferred += uncovered.length - i;
        break;
      }
      const chunk = uncovered.slice(i, i + WRITE_CHUNK);
      const t0 = performance.now();
      const writes: CasWrite[] = [];
      for (const { req, seq, digest } of chunk) {
        const doc = computeTarget(world, req.target);
        const same = doc.digest === digest || (digest === null && doc.empty);
        writes.push({
          target: req.target,
          seq,
          mode: same ? 'confirm' : 'write',
          positions: positionsText,
          digest: doc.digest,
          document: same ? '' : doc.text,
          updatedAt,
        });
      }
      result.computeMs += performance.now() - t0;
      await ctx.hooks.beforeWrite?.(writes.map((w) => w.target));
      const outcomes = await compareAndSet(ctx.redis, ctx.keys, writes);
      outcomes.forEach((outcome, j) => {
        const req = chunk[j]!.req;
        if (outcome.status === 'conflict') {
          next.push(req);
          result.conflicts++;
          return;
        }
        result.settled.set(targetId(req.target), positions);
        if (outcome.status === 'written') {
          result.written++;
          written.push({ target: req.target, revision: outcome.revision });
        } else {
          result.unchanged++;
        }
      });
      worked = true;
      await yieldToLoop();
    }
    for (const { target, revision } of written) {
      const fields = target.type === 'node' ? { node: target.node, revision } : { conditions: true, revision };
      if (written.length <= LOG_EACH_WRITE_UP_TO) ctx.log.info({ ...fields, positions }, 'desired state written');
      else ctx.log.debug({ ...fields, positions }, 'desired state written');
    }
    if (next.length > 0) ctx.log.debug({ conflicts: next.length, attempt: attempt + 1 }, 'compare-and-set conflicts; retrying');
    todo = next;
  }
  return result;
}
