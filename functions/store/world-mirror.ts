// An in-memory copy of the world view in Redis, kept current by reading the change stream from
// the last entry seen and fetching only the objects named there. A full reload happens at the
// first sync, whenever the stream no longer holds the entry after the cursor (trimmed by MAXLEN,
// or the store was wiped), when the stream ends before the cursor (the store went back: Redis
// restarted from an older copy), and when the store's epoch changed (the world was rebuilt from the
// log). Each sync says which epoch it read and, when the stream vanished or went back, why: the
// functions must then check the store against the log before they write
// (functions/replay/store-guard.ts).
//
// A reader that needs only some kinds (the status writer: the BGP kinds and the nodes) names them,
// and objects of other kinds are neither fetched nor parsed: their changes cost a stream read.
//
// What a sync guarantees: every fold that completed before the sync started is in the mirror.
// Values may be newer than the stream cursor (an object folded again between XRANGE and HMGET);
// that object shows up in the next window as well, so nothing is missed. `positions` is read
// before the stream, so it is a lower bound of what the mirror reflects.

import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from '../../events/log.ts';
import { emptyWorld, worldFromObjects, type ObjectRef, type WorldView } from '../model/world.ts';
import type { Settings } from '../settings.ts';
import { applyChanges, type WorldChange } from './apply-changes.ts';
import { LOG_FIELDS, type StoreKeys } from '../../events/redis-keys.ts';
import { refFromKey } from './object-ref.ts';
import { compareOffsets, type Positions } from './positions.ts';

export interface SyncResult {
  /** The world before and after this sync. */
  readonly start: WorldView;
  readonly end: WorldView;
  /** Objects named in the window read (each once); empty after a reload. */
  readonly refs: readonly ObjectRef[];
  /** The window is unknown (first load, trimmed stream, wiped store): treat everything as changed. */
  readonly reloaded: boolean;
  /** Lower bound of the positions `end` reflects. */
  readonly positions: Positions;
  /** The store's epoch (events/redis-keys.ts LOG_FIELDS) as read with the world; null: none. */
  readonly epoch: string | null;
  /** Set when the change stream shows the store changed under the mirror (wiped, went back): why. */
  readonly suspect: string | null;
}

type StreamEntry = [id: string, fields: string[]];

const PAGE = 1_000;
const NO_ENTRY = '0-0';

export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return compareOffsets(am, bm) || compareOffsets(as, bs);
}

/** Runs a pipeline; the first command error is thrown. */
async function execAll(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export class WorldMirror {
  private readonly redis: Redis;
  private readonly keys: StoreKeys;
  private readonly settings: Partial<Settings>;
  private readonly log: Logger | undefined;
  private readonly kinds: ReadonlySet<string> | null;
  private state: { world: WorldView; cursor: string; positions: Positions; loaded: boolean; epoch: string | null };

  constructor(redis: Redis, keys: StoreKeys, opts: { settings?: Partial<Settings>; log?: Logger; kinds?: Iterable<string> } = {}) {
    this.redis = redis;
    this.keys = keys;
    this.settings = opts.settings ?? {};
    this.log = opts.log;
    this.kinds = opts.kinds === undefined ? null : new Set(opts.kinds);
    this.state = { world: emptyWorld(this.settings), cursor: NO_ENTRY, positions: {}, loaded: false, epoch: null };
  }

  get world(): WorldView {
    return this.state.world;
  }

  get positions(): Positions {
    return this.state.positions;
  }

  /** The last change-stream entry the mirror reflects ('0-0' before any). */
  get cursor(): string {
    return this.state.cursor;
  }

  /** The store epoch the mirror reflects (null: none read yet, or the store has none). */
  get epoch(): string | null {
    return this.state.epoch;
  }

  private wanted(key: string): boolean {
    if (this.kinds === null) return true;
    const ref = refFromKey(key);
    return ref !== null && this.kinds.has(ref.kind);
  }

  /** Brings the mirror up to date; on error the mirror is left as it was. */
  async sync(): Promise<SyncResult> {
    const start = this.state.world;
    if (!this.state.loaded) return this.reload(start, null);
    const [positions, oldest, newest, first, epoch] = await execAll(
      this.redis
        .pipeline()
        .hgetall(this.keys.positions)
        .xrange(this.keys.changes, '-', '+', 'COUNT', 1)
        .xrevrange(this.keys.changes, '+', '-', 'COUNT', 1)
        .xrange(this.keys.changes, `(${this.state.cursor}`, '+', 'COUNT', PAGE)
        .hget(this.keys.log, LOG_FIELDS.epoch),
    );
    const oldestId = (oldest as StreamEntry[])[0]?.[0];
    const newestId = (newest as StreamEntry[])[0]?.[0];
    const cursor = this.state.cursor;
    if (epoch !== this.state.epoch) {
      this.log?.warn({ epoch, was: this.state.epoch }, epoch === null ? 'the store has no epoch (wiped?); reloading the world' : 'the store was rebuilt (new epoch); reloading the world');
      return this.reload(start, null);
    }
    if (cursor !== NO_ENTRY && oldestId === undefined) {
      this.log?.warn({ cursor }, 'change stream is gone (store wiped?); reloading the world');
      return this.reload(start, 'the change stream is gone (store wiped?)');
    }
    if (cursor !== NO_ENTRY && newestId !== undefined && compareStreamIds(newestId, cursor) < 0) {
      this.log?.warn({ cursor, newest: newestId }, 'change stream ends before the mirror (store went back to an older copy?); reloading the world');
      return this.reload(start, 'the change stream went back (Redis restarted from an older copy?)');
    }
    if (cursor !== NO_ENTRY && oldestId !== undefined && compareStreamIds(oldestId, cursor) > 0) {
      this.log?.warn({ cursor, oldest: oldestId }, 'change stream trimmed past the mirror; reloading the world');
      return this.reload(start, null);
    }
    const entries = [...(first as StreamEntry[])];
    for (let page = entries; page.length === PAGE; ) {
      page = (await this.redis.xrange(this.keys.changes, `(${page[page.length - 1]![0]}`, '+', 'COUNT', PAGE)) as StreamEntry[];
      entries.push(...page);
    }
    if (entries.length === 0) {
      this.state = { ...this.state, positions: positions as Positions };
      return { start, end: start, refs: [], reloaded: false, positions: this.state.positions, epoch: this.state.epoch, suspect: null };
    }
    const keys = [...new Set(entries.map(([, fields]) => fields[1]).filter((k): k is string => typeof k === 'string' && this.wanted(k)))];
    const { changes, refs } = await this.fetch(keys);
    const end = applyChanges(start, changes);
    this.state = { world: end, cursor: entries[entries.length - 1]![0], positions: positions as Positions, loaded: true, epoch: this.state.epoch };
    return { start, end, refs, reloaded: false, positions: this.state.positions, epoch: this.state.epoch, suspect: null };
  }

  /**
   * Each object's version in effect (or its delete), then its invalid latest version if it has one:
   * folded in that order, they leave the object as a fold of every version would (OBJ-5).
   */
  private async fetch(keys: readonly string[]): Promise<{ changes: WorldChange[]; refs: ObjectRef[] }> {
    const changes: WorldChange[] = [];
    const refs: ObjectRef[] = [];
    for (let i = 0; i < keys.length; i += PAGE) {
      const chunk = keys.slice(i, i + PAGE);
      // One MULTI: both hashes as one fold left them.
      const [values, invalid] = (await execAll(
        this.redis
          .multi()
          .hmget(this.keys.objects, ...chunk)
          .hmget(this.keys.invalidObjects, ...chunk),
      )) as [(string | null)[], (string | null)[]];
      chunk.forEach((key, j) => {
        const ref = refFromKey(key);
        if (ref === null) return;
        refs.push(ref);
        const value = values[j];
        changes.push({ ref, raw: value == null ? null : (JSON.parse(value) as unknown) });
        const latest = invalid[j];
        if (latest != null) changes.push({ ref, raw: JSON.parse(latest) as unknown });
      });
    }
    return { changes, refs };
  }

  private async reload(start: WorldView, suspect: string | null): Promise<SyncResult> {
    const [positions, last, epoch] = await execAll(
      this.redis.pipeline().hgetall(this.keys.positions).xrevrange(this.keys.changes, '+', '-', 'COUNT', 1).hget(this.keys.log, LOG_FIELDS.epoch),
    );
    // The versions in effect first, then the invalid latest ones beside them (OBJ-5).
    const raws: unknown[] = [];
    for (const hash of [this.keys.objects, this.keys.invalidObjects]) {
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.hscan(hash, cursor, 'COUNT', PAGE);
        for (let i = 1; i < flat.length; i += 2) if (this.wanted(flat[i - 1]!)) raws.push(JSON.parse(flat[i]!) as unknown);
        cursor = next;
      } while (cursor !== '0');
    }
    const end = worldFromObjects(raws, this.settings);
    const lastId = (last as StreamEntry[])[0]?.[0] ?? NO_ENTRY;
    this.state = { world: end, cursor: lastId, positions: positions as Positions, loaded: true, epoch: epoch as string | null };
    this.log?.debug({ objects: raws.length, cursor: lastId, epoch }, 'world loaded');
    return { start, end, refs: [], reloaded: true, positions: this.state.positions, epoch: this.state.epoch, suspect };
  }
}
