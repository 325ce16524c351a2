// Keeps the functions from writing into a store that is not a fold of the log. Before the first
// batch, and whenever something says the store changed under them (the change stream vanished or
// went back, the log record's epoch changed or vanished, the fold script refused, Redis
// reconnected, an identity record of another topic was delivered), the functions hold their batch
// and ask ensure(): the store is judged against the log (store-judge.ts); a store that cannot be
// trusted is rebuilt from the topic — every record up to the topic's end folded in memory
// (log-fold.ts), written beside the live world and put in its place in one step (world-load.ts)
// with a new epoch and one pending entry for every document — and only then does the batch go on,
// its recomputation bringing every document to the rebuilt world. One instance rebuilds at a time
// (a lock with a TTL, renewed while it works); the others wait for it and judge again.
// Why this keeps the documents equal to a clean replay: docs/functions-correctness.md.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { TopicIdentity } from '../../events/kafka/topic-identity.ts';
import { describeTopic } from '../../events/kafka/topic-identity.ts';
import type { Logger } from '../../events/log.ts';
import { LOG_FIELDS, type StoreKeys } from '../../events/redis-keys.ts';
import type { Positions } from '../store/positions.ts';
import type { EventLog } from './event-log.ts';
import { LogFold } from './log-fold.ts';
import { judgeStore, type StoreFacts } from './store-judge.ts';
import { installWorld, nodesOf, objectKeysOf, writeRebuildKeys } from './world-load.ts';

/** Thrown where a batch finds the store is not the one it started with; the batch starts over. */
export class StoreChangedError extends Error {
  readonly code = 'STORE_CHANGED';
  readonly why: string;
  constructor(why: string) {
    super(`the store changed under the batch: ${why}`);
    this.why = why;
    this.name = 'StoreChangedError';
  }
}

export const REBUILD_LOCK_MS = 30_000;
const RENEW_EVERY_MS = 10_000;
const WAIT_POLL_MS = 200;

export interface RebuildReport {
  readonly epoch: string;
  readonly topic: TopicIdentity;
  /** Records read, objects in the rebuilt world, nodes asked for, milliseconds per stage. */
  readonly events: number;
  readonly objects: number;
  readonly nodes: number;
  readonly positions: Positions;
  readonly readMs: number;
  readonly writeMs: number;
}

/** Folds the log up to its end as of now (or `upTo`) in memory: the world a replay of it gives. */
export async function foldLog(log: EventLog, upTo?: ReadonlyMap<number, bigint>): Promise<{ fold: LogFold; upTo: ReadonlyMap<number, bigint> }> {
  const fold = new LogFold();
  const bounds = await log.bounds();
  const end = upTo ?? new Map([...bounds].map(([p, b]) => [p, b.high]));
  await log.read(bounds, end, (b) => fold.foldBatch(b.events, b.range));
  // Every offset below the end was read (or is gone to retention): passed over.
  for (const [p, next] of end) fold.passOver(String(p), next.toString());
  return { fold, upTo: end };
}

export interface StoreGuardOptions {
  readonly redis: Redis;
  readonly keys: StoreKeys;
  readonly log: Logger;
  readonly now?: () => Date;
}

export class StoreGuard {
  readonly #o: StoreGuardOptions;
  #source: EventLog | null = null;
  #epoch: string | null = null;
  /** Why the store must be judged again before the next write (null: trusted). */
  #suspect: string | null = 'first use';
  /** The topic as last read from Kafka; read again after a rebuild or an identity record of another topic. */
  #topic: TopicIdentity | null = null;

  constructor(o: StoreGuardOptions) {
    this.#o = o;
  }

  /** The log to judge and rebuild the store against; without one the store is taken as it is. */
  useLog(source: EventLog): void {
    this.#source = source;
    this.#topic = null;
    this.suspect('a log to check against');
  }

  get epoch(): string | null {
    return this.#epoch;
  }

  /** The topic identity the store was last checked or built against (null: not read yet). */
  get topic(): TopicIdentity | null {
    return this.#topic;
  }

  /** Has the store judged again before the next write. `topic`: read the topic's identity again too. */
  suspect(why: string, opts: { topic?: boolean } = {}): void {
    this.#suspect ??= why;
    if (opts.topic) this.#topic = null;
  }

  /** The epoch to fold and write under, once the store is known to be a fold of the log. */
  async ensure(): Promise<string> {
    if (this.#suspect === null && this.#epoch !== null) return this.#epoch;
    const why = this.#suspect ?? 'check';
    for (let attempt = 0; ; attempt++) {
      const facts = await this.#facts();
      const source = this.#source;
      if (source === null) return this.#adopt(await this.#withoutLog(facts));
      const topic = (this.#topic ??= await source.identity());
      const verdict = judgeStore(facts, { topic, committed: await source.committed() });
      if (verdict.trust) {
        if (attempt === 0 && this.#epoch !== null && facts.epoch !== this.#epoch) this.#o.log.info({ epoch: facts.epoch }, 'the store was rebuilt by another instance; going on with it');
        this.#o.log.debug({ why, epoch: facts.epoch }, 'store checked against the log');
        return this.#adopt(facts.epoch!);
      }
      const report = await this.#rebuild(source, topic, verdict.reason, verdict.level);
      if (report !== null) return this.#adopt(report.epoch);
      // Another instance rebuilt, or our lock was lost: judge again.
      if (attempt >= 20) throw new Error(`the store could not be rebuilt: ${verdict.reason}`);
    }
  }

  #adopt(epoch: string): string {
    this.#epoch = epoch;
    this.#suspect = null;
    return epoch;
  }

  async #facts(): Promise<StoreFacts> {
    const { redis, keys } = this.#o;
    const [logRecord, positions, objects] = await Promise.all([redis.hgetall(keys.log), redis.hgetall(keys.positions), redis.exists(keys.objects, keys.invalidObjects)]);
    const epoch = logRecord[LOG_FIELDS.epoch] ?? null;
    const topicName = logRecord[LOG_FIELDS.topic];
    const topic = topicName ? { topic: topicName, id: logRecord[LOG_FIELDS.topicId] || null, cluster: logRecord[LOG_FIELDS.cluster] ?? '' } : null;
    return { epoch, topic, positions, hasWorld: objects > 0 || Object.keys(positions).length > 0 };
  }

  /** Without a log (tests, a handler fed by hand): the store is all there is; name it if nobody did. */
  async #withoutLog(facts: StoreFacts): Promise<string> {
    if (facts.epoch !== null) return facts.epoch;
    if (this.#epoch !== null) this.#o.log.error('the store lost its log record and there is no log to rebuild it from; going on with what it holds');
    const { redis, keys } = this.#o;
    await redis.hsetnx(keys.log, LOG_FIELDS.epoch, randomUUID());
    return (await redis.hget(keys.log, LOG_FIELDS.epoch))!;
  }

  /** Rebuilds under the lock; null when another instance holds it (waited for) or took it over. */
  async #rebuild(source: EventLog, topic: TopicIdentity, reason: string, level: 'info' | 'warn' | 'error'): Promise<RebuildReport | null> {
    const { redis, keys, log } = this.#o;
    const token = randomUUID();
    const locked = await redis.set(keys.rebuildLock, token, 'PX', REBUILD_LOCK_MS, 'NX');
    if (locked !== 'OK') {
      log.info({ reason }, 'another instance is rebuilding the store from the log; waiting for it');
      while ((await redis.exists(keys.rebuildLock)) === 1) await sleep(WAIT_POLL_MS);
      return null;
    }
    // Another instance may have rebuilt between our look at the store and the lock: look again.
    const facts = await this.#facts();
    if (facts.epoch !== null && judgeStore(facts, { topic, committed: await source.committed() }).trust) {
      await redis.bgpcastReleaseLock(keys.rebuildLock, token);
      return null;
    }
    log[level]({ reason, topic: describeTopic(topic) }, 'rebuilding the world and every desired document from the log before writing anything');
    let lost = false;
    const renew = setInterval(() => {
      redis.bgpcastRenewLock(keys.rebuildLock, token, REBUILD_LOCK_MS).then(
        (held) => (lost ||= held === 0),
        () => undefined,
      );
    }, RENEW_EVERY_MS);
    try {
      const t0 = performance.now();
      const { fold, upTo } = await foldLog(source);
      const t1 = performance.now();
      const hashes = fold.hashes();
      await writeRebuildKeys(redis, keys, hashes);
      const epoch = randomUUID();
      const nodes = nodesOf(objectKeysOf(hashes));
      const builtAt = (this.#o.now?.() ?? new Date()).toISOString();
      const installed = !lost && (await installWorld(redis, keys, nodes, fold.positions, { lockToken: token, epoch, topic, builtAt, pendingId: randomUUID() }));
      if (!installed) {
        log.warn('the rebuild lock expired before the world was installed; judging the store again');
        return null;
      }
      const report: RebuildReport = {
        epoch,
        topic,
        events: fold.events,
        objects: hashes.objects.size,
        nodes: nodes.length,
        positions: fold.positions,
        readMs: Math.round(t1 - t0),
        writeMs: Math.round(performance.now() - t1),
      };
      log.info({ ...report, topic: describeTopic(topic), upTo: Object.fromEntries([...upTo].map(([p, o]) => [p, o.toString()])) }, 'world rebuilt from the log; recomputing every desired document');
      return report;
    } finally {
      clearInterval(renew);
      await redis.bgpcastReleaseLock(keys.rebuildLock, token).catch(() => undefined);
    }
  }
}
