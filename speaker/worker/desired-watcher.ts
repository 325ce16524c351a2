// Follows the desired state of some nodes in Redis (layout: events/desired-delta.ts). The two
// hashes are the truth, the deltas published on <p>:{<node>}:desired:changed are hints that
// usually spare reading them:
//
//   1. subscribe to every node's channel FIRST,
//   2. then read each node's whole document (events/desired-read.ts) and hand it over;
//   3. a delta whose `previous` is the revision applied (and that is not truncated) is handed over
//      as it is — the common case, costing what it changes; one for a revision already applied is
//      ignored; a gap, a truncated delta, a message that is no delta (a bare revision from a writer
//      of the former layout, or unreadable) means reading the document again;
//   4. every `resyncMs`, and whenever a Redis connection comes back (the subscriber re-subscribes
//      by itself), the revision stored is compared with the one applied — one HGET — and the
//      document read when they differ, so a change published while we were away is not missed.
// Per node everything is serialised: deltas arriving during a read (or an apply) wait, and after
// a read those that follow its revision are applied, the older ones dropped; a gap reads again.
//
// Unreachable Redis never withdraws anything: reads fail, the last applied state stays, and the
// clients reconnect with back-off. A document that disappeared (a wiped store) or does not
// validate is logged and the last applied state kept.
//
// Revisions count within a store epoch (events/desired-delta.ts): what was applied is an (epoch,
// revision) pair. A document of another epoch — the functions rebuilt the world from the log, and
// its revisions started again — is applied whatever its revision, as a whole document: the
// speakers hold the routes they had and send the routers only the difference, so nothing still
// desired is withdrawn. A lower revision of the same epoch means the store went back (Redis
// restarted from an older copy): it is not applied — the functions rebuild such a store under a
// new epoch — and the last applied state stays meanwhile.

import type { EventEmitter } from 'node:events';
import type { DesiredDelta } from '../../events/desired-delta.ts';
import { InvalidDesiredDocumentError, readDesiredDocument, type DesiredReadRedis } from '../../events/desired-read.ts';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import { desiredNodeStateSchema } from '../../events/desired-state.ts';
import type { Logger } from '../../events/log.ts';
import { DESIRED_FIELDS, LEGACY_DESIRED_FIELDS, nodeKeys } from '../../events/redis-keys.ts';
import { systemClock, type TimerClock } from '../session/clock.ts';
import { parseChangedMessage } from './delta-message.ts';

export interface DesiredDocument {
  readonly node: string;
  /** The store epoch it was written under ('' from a writer before epochs). */
  readonly epoch: string;
  readonly revision: number;
  readonly state: DesiredNodeState;
}

/** The part of ioredis' Redis the watcher uses for commands (speaker-worker.ts hands it the real one). */
export type WatcherRedis = DesiredReadRedis &
  Pick<EventEmitter, 'on' | 'off'> & {
    hget(key: string, field: string): Promise<string | null>;
    hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  };

/** The part of ioredis' Redis the watcher uses to subscribe. */
export type WatcherSubscriber = Pick<EventEmitter, 'on' | 'off'> & {
  subscribe(...channels: string[]): Promise<unknown>;
};

export interface DesiredWatcherOptions {
  readonly redis: WatcherRedis;
  /** A separate connection, used only for SUBSCRIBE. */
  readonly subscriber: WatcherSubscriber;
  readonly prefix: string;
  readonly nodes: readonly string[];
  readonly log: Logger;
  /** Hands a whole document over; the watcher waits for it before going on with that node. */
  readonly onDocument: (doc: DesiredDocument) => Promise<void>;
  /** Hands over a delta that applies on top of the revision applied (its `previous`). */
  readonly onDelta: (node: string, delta: DesiredDelta) => Promise<void>;
  /** Called on every resync tick for nodes whose revision is unchanged (secrets, retries). */
  readonly onResync?: (node: string) => Promise<void>;
  readonly resyncMs?: number;
  /** Schedules the periodic resync (default: the process's timers). */
  readonly clock?: TimerClock;
}

export const DEFAULT_RESYNC_MS = 30_000;
/** Deltas waiting behind a read beyond this are dropped for one more read. */
const MAX_PENDING = 1_000;

/** Why a node is read: the first two only compare the stored revision before reading. */
export type ReadReason = 'periodic' | 'reconnected' | 'start' | 'hint' | 'gap' | 'retry';
const cheap = (why: ReadReason) => why === 'periodic' || why === 'reconnected';

interface NodeState {
  /** The store epoch of the revision applied (null: none yet). */
  epoch: string | null;
  /** The revision applied (0: none yet). */
  revision: number;
  /** A read wanted before the next pending delta. */
  read: ReadReason | null;
  /** Deltas arrived and not yet looked at, in arrival (= revision) order. */
  pending: DesiredDelta[];
  running: Promise<void> | null;
  /** Redis answered a read of this node at least once (a document, or none). */
  answered: boolean;
  missingLogged: boolean;
  unreadableLogged: boolean;
  /** The revision of the applied epoch last reported as going back (logged once). */
  backLogged: number | null;
}

export class DesiredWatcher {
  readonly #o: DesiredWatcherOptions;
  readonly #nodes = new Map<string, NodeState>();
  readonly #channels = new Map<string, string>();
  #stopResync: (() => void) | null = null;
  #closed = false;
  readonly #onReady = () => void this.resyncAll('reconnected');
  readonly #onMessage = (channel: string, message: string) => this.#message(channel, message);

  constructor(o: DesiredWatcherOptions) {
    this.#o = o;
    for (const node of o.nodes) {
      this.#nodes.set(node, { epoch: null, revision: 0, read: null, pending: [], running: null, answered: false, missingLogged: false, unreadableLogged: false, backLogged: null });
      this.#channels.set(nodeKeys(o.prefix, node).desiredChanged, node);
    }
  }

  /** Subscribes, then reads every node once (waits for Redis if it is not there yet). */
  async start(): Promise<void> {
    this.#o.subscriber.on('message', this.#onMessage);
    await this.#o.subscriber.subscribe(...this.#channels.keys());
    // From now on a reconnect of either connection triggers a check of every node.
    this.#o.subscriber.on('ready', this.#onReady);
    this.#o.redis.on('ready', this.#onReady);
    this.#stopResync = (this.#o.clock ?? systemClock).every(this.#o.resyncMs ?? DEFAULT_RESYNC_MS, () => void this.resyncAll('periodic'));
    await this.resyncAll('start');
  }

  /** The revision applied for `node` (0: none yet). */
  revision(node: string): number {
    return this.#nodes.get(node)?.revision ?? 0;
  }

  /** Whether Redis has answered a read of `node`'s desired state yet (there may be no document). */
  hasRead(node: string): boolean {
    return this.#nodes.get(node)?.answered === true;
  }

  /** The store epoch of the revision applied for `node` (null: none yet). */
  epoch(node: string): string | null {
    return this.#nodes.get(node)?.epoch ?? null;
  }

  async resyncAll(why: 'start' | 'periodic' | 'reconnected'): Promise<void> {
    if (this.#closed) return;
    this.#o.log.debug({ why }, 'checking desired documents');
    await Promise.all([...this.#nodes.keys()].map((n) => this.read(n, why)));
  }

  /** Reads `node`'s document after what is in progress for it; resolves when that is done. */
  read(node: string, why: ReadReason = 'hint'): Promise<void> {
    const st = this.#nodes.get(node);
    if (!st || this.#closed) return Promise.resolve();
    if (st.read === null || cheap(st.read)) st.read = why;
    return this.#kick(node, st);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopResync?.();
    this.#o.subscriber.off('message', this.#onMessage);
    this.#o.subscriber.off('ready', this.#onReady);
    this.#o.redis.off('ready', this.#onReady);
    await Promise.all([...this.#nodes.values()].map((s) => s.running));
  }

  #message(channel: string, message: string): void {
    const node = this.#channels.get(channel);
    if (node === undefined || this.#closed) return;
    const st = this.#nodes.get(node)!;
    const m = parseChangedMessage(node, message);
    if (m.kind === 'delta') {
      if (m.delta.epoch === st.epoch && m.delta.revision <= st.revision) return;
      if (st.pending.length >= MAX_PENDING) {
        st.pending = [];
        void this.read(node, 'gap');
        return;
      }
      st.pending.push(m.delta);
      void this.#kick(node, st);
      return;
    }
    if (m.kind === 'revision') {
      if (m.revision > 0 && m.revision <= st.revision) return;
    } else {
      const fields = { node, why: m.why, message: message.slice(0, 200) };
      if (!st.unreadableLogged) this.#o.log.warn(fields, 'desired-state message not understood; reading the document');
      else this.#o.log.debug(fields, 'desired-state message not understood; reading the document');
      st.unreadableLogged = true;
    }
    void this.read(node, 'hint');
  }

  #kick(node: string, st: NodeState): Promise<void> {
    st.running ??= this.#pump(node, st).finally(() => {
      st.running = null;
    });
    return st.running;
  }

  /** Works through the node's wanted read and pending deltas, one at a time. */
  async #pump(node: string, st: NodeState): Promise<void> {
    while (!this.#closed) {
      if (st.read !== null) {
        const why = st.read;
        st.read = null;
        await this.#readOnce(node, st, why);
        continue;
      }
      const d = st.pending.shift();
      if (d === undefined) return;
      if (d.epoch === st.epoch && d.revision <= st.revision) continue;
      if (d.epoch !== st.epoch || d.truncated || d.previous !== st.revision) {
        this.#o.log.debug({ node, epoch: d.epoch, revision: d.revision, previous: d.previous, applied: st.revision, truncated: d.truncated }, 'reading the desired document');
        st.read = 'gap';
        continue;
      }
      try {
        await this.#o.onDelta(node, d);
        st.revision = d.revision;
      } catch (e) {
        this.#o.log.error({ node, revision: d.revision, err: (e as Error).message }, 'applying a desired delta failed; reading the document');
        st.read = 'retry';
      }
    }
  }

  async #readOnce(node: string, st: NodeState, why: ReadReason): Promise<void> {
    const log = this.#o.log.child({ node });
    const keys = nodeKeys(this.#o.prefix, node);
    const unchanged = async () => {
      if (why === 'periodic') await this.#o.onResync?.(node).catch((e: Error) => log.error({ err: e.message }, 'resync failed'));
    };
    let stored: { epoch: string; revision: number; state: DesiredNodeState } | null;
    try {
      if (cheap(why) && st.revision > 0) {
        const [rev, epoch] = await this.#o.redis.hmget(keys.desired, DESIRED_FIELDS.revision, DESIRED_FIELDS.epoch);
        if (rev !== null && Number(rev) === st.revision && (epoch ?? '') === st.epoch) return await unchanged();
      }
      stored = await this.#readDocument(node);
      st.answered = true;
    } catch (e) {
      if (e instanceof InvalidDesiredDocumentError) log.error({ applied: st.revision, err: e.message.slice(0, 500) }, 'desired document invalid; keeping the last applied state');
      else log.debug({ err: (e as Error).message }, 'desired state not read (Redis unavailable); keeping the last applied state');
      return;
    }
    if (stored === null) {
      if (st.revision > 0 && !st.missingLogged) log.warn({ revision: st.revision }, 'desired document gone from Redis; keeping the last applied state');
      st.missingLogged = true;
      return;
    }
    st.missingLogged = false;
    const { epoch, revision, state } = stored;
    if (epoch === st.epoch) {
      if (revision === st.revision) return await unchanged();
      if (revision < st.revision) {
        if (st.backLogged !== revision) log.warn({ revision, applied: st.revision, epoch }, 'desired revision went back within one store epoch (Redis restarted from an older copy?); keeping the applied state until the functions rebuild the store');
        st.backLogged = revision;
        return;
      }
    } else if (st.epoch !== null) {
      log.warn({ epoch, revision, was: st.epoch, applied: st.revision }, 'the store was rebuilt from the log (new epoch); applying its document as a diff of the routes held');
    }
    try {
      await this.#o.onDocument({ node, epoch, revision, state });
      st.epoch = epoch;
      st.revision = revision;
      st.backLogged = null;
    } catch (e) {
      log.error({ revision, err: (e as Error).message }, 'applying the desired state failed; retrying at the next resync');
    }
  }

  /** The node's document, or null. Throws InvalidDesiredDocumentError, or when Redis fails. */
  async #readDocument(node: string): Promise<{ epoch: string; revision: number; state: DesiredNodeState } | null> {
    const stored = await readDesiredDocument(this.#o.redis, this.#o.prefix, node);
    if (stored) {
      if (stored.orphans.length > 0) this.#o.log.warn({ node, revision: stored.revision, orphans: stored.orphans.slice(0, 5) }, 'routes naming no peer family left out');
      return { epoch: stored.epoch, revision: stored.revision, state: stored.document };
    }
    // The former layout, one `document` field, as functions before the split wrote it.
    const [rev, text] = await this.#o.redis.hmget(nodeKeys(this.#o.prefix, node).desired, DESIRED_FIELDS.revision, LEGACY_DESIRED_FIELDS.document);
    if (text == null) return null;
    let state: DesiredNodeState;
    try {
      state = desiredNodeStateSchema.parse(JSON.parse(text)) as DesiredNodeState;
    } catch (e) {
      throw new InvalidDesiredDocumentError(node, (e as Error).message);
    }
    const revision = Number(rev ?? 0);
    return { epoch: '', revision, state: { ...state, revision } };
  }
}
