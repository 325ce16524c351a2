// Follows the desired documents of some nodes in Redis (<p>:{<node>}:desired). The document is
// the truth, notifications are hints (DESIGN):
//
//   1. subscribe to every node's <p>:{<node>}:desired:changed FIRST,
//   2. then read each full document, and hand it over only when its revision is newer than the
//      one applied;
//   3. read again on every notification naming a newer revision, every `resyncMs`, and whenever a
//      Redis connection comes back (the subscriber re-subscribes by itself, then we read, so a
//      change published while we were away is not missed).
// Reads of one node are serialised: a notification during a read schedules one more read.
//
// Unreachable Redis never withdraws anything: reads fail, the last applied state stays, and the
// clients reconnect with back-off. A document that disappeared or does not validate is logged and
// the last applied state kept. A revision lower than the applied one with a different digest
// means the store was rebuilt (replay into a fresh Redis): it is applied, with a warning.

import type { Redis } from 'ioredis';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import { desiredNodeStateSchema } from '../../events/desired-state.ts';
import type { Logger } from '../../events/log.ts';
import { DESIRED_FIELDS, nodeKeys } from '../../events/redis-keys.ts';

export interface DesiredDocument {
  readonly node: string;
  readonly revision: number;
  readonly digest: string | null;
  readonly state: DesiredNodeState;
}

export interface DesiredWatcherOptions {
  readonly redis: Redis;
  /** A separate connection, used only for SUBSCRIBE. */
  readonly subscriber: Redis;
  readonly prefix: string;
  readonly nodes: readonly string[];
  readonly log: Logger;
  /** Hands a newer document over; the watcher waits for it before reading that node again. */
  readonly onDocument: (doc: DesiredDocument) => Promise<void>;
  /** Called on every resync tick for nodes whose revision is unchanged (secrets, retries). */
  readonly onResync?: (node: string) => Promise<void>;
  readonly resyncMs?: number;
}

export const DEFAULT_RESYNC_MS = 30_000;

interface NodeState {
  revision: number;
  digest: string | null;
  reading: Promise<void> | null;
  again: boolean;
  missingLogged: boolean;
}

export class DesiredWatcher {
  readonly #o: DesiredWatcherOptions;
  readonly #nodes = new Map<string, NodeState>();
  readonly #channels = new Map<string, string>();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #onReady = () => void this.resyncAll('reconnected');
  readonly #onMessage = (channel: string, message: string) => this.#hint(channel, message);

  constructor(o: DesiredWatcherOptions) {
    this.#o = o;
    for (const node of o.nodes) {
      this.#nodes.set(node, { revision: 0, digest: null, reading: null, again: false, missingLogged: false });
      this.#channels.set(nodeKeys(o.prefix, node).desiredChanged, node);
    }
  }

  /** Subscribes, then reads every node once (waits for Redis if it is not there yet). */
  async start(): Promise<void> {
    this.#o.subscriber.on('message', this.#onMessage);
    await this.#o.subscriber.subscribe(...this.#channels.keys());
    // From now on a reconnect of either connection triggers a full read.
    this.#o.subscriber.on('ready', this.#onReady);
    this.#o.redis.on('ready', this.#onReady);
    this.#timer = setInterval(() => void this.resyncAll('periodic'), this.#o.resyncMs ?? DEFAULT_RESYNC_MS);
    this.#timer.unref();
    await this.resyncAll('start');
  }

  /** The revision applied for `node` (0: none yet). */
  revision(node: string): number {
    return this.#nodes.get(node)?.revision ?? 0;
  }

  async resyncAll(why: string): Promise<void> {
    if (this.#closed) return;
    this.#o.log.debug({ why }, 'reading desired documents');
    await Promise.all([...this.#nodes.keys()].map((n) => this.read(n, why === 'periodic')));
  }

  /** Reads `node`'s document now (or once more after the read in flight). */
  read(node: string, periodic = false): Promise<void> {
    const st = this.#nodes.get(node);
    if (!st || this.#closed) return Promise.resolve();
    if (st.reading) {
      st.again = true;
      return st.reading;
    }
    st.reading = (async () => {
      try {
        do {
          st.again = false;
          await this.#readOnce(node, st, periodic);
        } while (st.again && !this.#closed);
      } finally {
        st.reading = null;
      }
    })();
    return st.reading;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#o.subscriber.off('message', this.#onMessage);
    this.#o.subscriber.off('ready', this.#onReady);
    this.#o.redis.off('ready', this.#onReady);
    await Promise.all([...this.#nodes.values()].map((s) => s.reading));
  }

  #hint(channel: string, message: string): void {
    const node = this.#channels.get(channel);
    if (node === undefined) return;
    const hinted = Number(message);
    const st = this.#nodes.get(node)!;
    if (Number.isFinite(hinted) && hinted > 0 && hinted <= st.revision) return;
    void this.read(node);
  }

  async #readOnce(node: string, st: NodeState, periodic: boolean): Promise<void> {
    const log = this.#o.log.child({ node });
    let fields: (string | null)[];
    try {
      fields = await this.#o.redis.hmget(nodeKeys(this.#o.prefix, node).desired, DESIRED_FIELDS.revision, DESIRED_FIELDS.digest, DESIRED_FIELDS.document);
    } catch (e) {
      log.debug({ err: (e as Error).message }, 'desired state not read (Redis unavailable); keeping the last applied state');
      return;
    }
    const [rev, digest, text] = fields;
    if (text == null) {
      if (st.revision > 0 && !st.missingLogged) log.warn({ revision: st.revision }, 'desired document gone from Redis; keeping the last applied state');
      st.missingLogged = true;
      return;
    }
    st.missingLogged = false;
    const revision = Number(rev ?? 0);
    const newer = revision > st.revision;
    const reset = revision < st.revision && digest !== st.digest;
    if (!newer && !reset) {
      if (periodic) await this.#o.onResync?.(node).catch((e: Error) => log.error({ err: e.message }, 'resync failed'));
      return;
    }
    let state: DesiredNodeState;
    try {
      state = desiredNodeStateSchema.parse(JSON.parse(text)) as DesiredNodeState;
    } catch (e) {
      log.error({ revision, err: (e as Error).message.slice(0, 500) }, 'desired document invalid; keeping the last applied state');
      st.revision = Math.max(st.revision, revision); // do not re-parse it every notification
      return;
    }
    if (reset) log.warn({ revision, applied: st.revision }, 'desired revision went back (store rebuilt?); applying it');
    try {
      await this.#o.onDocument({ node, revision, digest: digest ?? null, state });
      st.revision = revision;
      st.digest = digest ?? null;
    } catch (e) {
      log.error({ revision, err: (e as Error).message }, 'applying the desired state failed; retrying at the next resync');
    }
  }
}
