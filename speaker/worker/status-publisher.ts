// Writes a node's status to Redis (<p>:{<node>}:status, events/redis-keys.ts) with a heartbeat.
//
// - After a delta or a document is applied the status is written within `settleMs`; the changes
//   applied meanwhile ride along. A stream of changes then costs one write per window instead of
//   one per change: 100 nodes × one MULTI per change was a third of the speaker's CPU and a good
//   part of Redis's, on the path of the next node's UPDATE.
// - Every `checkMs` the sessions are looked at; when something changed (a state, an UPDATE either
//   way, a new revision) the peers document is rewritten, and the routes document too, at most
//   every `routesMinIntervalMs` (a node with 10,000 Services has a large one).
// - Every `heartbeatMs` updatedAt is rewritten (and the node's score in <p>:{world}:speakers), so a
//   reader tells a live speaker from a dead one: older than three heartbeats is stale.
// - While Redis is away nothing is queued: the next tick after it is back writes the current state.
// Time comes from a TimerClock (session/clock.ts): intervals on its monotonic scale, timestamps
// from its wall clock, so tests run a heartbeat or a settle window without waiting for it.
// - Each rewrite of the peers report, and a deliberate stop, is announced on
//   <p>:{<node>}:status:changed (the status writer's hint).

import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../../events/log.ts';
import { nodeKeys, speakersKey, STATUS_FIELDS, STATUS_TTL_S } from '../../events/redis-keys.ts';
import type { SpeakerInfo } from '../../events/speaker-status.ts';
import type { FamilyKey } from '../codec/context.ts';
import { systemClock, type TimerClock } from '../session/clock.ts';
import type { RouteAttributes } from '../codec/update-plan.ts';
import type { ReceivedRoute } from '../rib/adj-rib-in.ts';
import type { SessionStatus } from '../session/session-status.ts';
import type { NodeWorker } from './node-worker.ts';
import type { InstanceSnapshot } from './status-peers.ts';
import { buildPeersDocument, statusSignature } from './status-peers.ts';
import type { InstanceTables, PeerTables } from './status-routes.ts';
import { buildRoutesDocument, instanceFamilyKeys, RouteAges } from './status-routes.ts';

/** The MULTI the publisher sends. */
export interface StatusMulti {
  hset(key: string, ...fieldsAndValues: string[]): StatusMulti;
  hdel(key: string, ...fields: string[]): StatusMulti;
  expire(key: string, seconds: number): StatusMulti;
  zadd(key: string, score: number, member: string): StatusMulti;
  publish(channel: string, message: string): StatusMulti;
  exec(): Promise<unknown>;
}

/** The part of ioredis' Redis the publisher uses (speaker-worker.ts hands it the real one). */
export interface StatusRedis {
  readonly status: Redis['status'];
  multi(): StatusMulti;
}

export interface StatusPublisherOptions {
  readonly redis: StatusRedis;
  readonly prefix: string;
  readonly worker: NodeWorker;
  readonly log: Logger;
  readonly heartbeatMs?: number;
  readonly checkMs?: number;
  readonly routesMinIntervalMs?: number;
  /** How soon after an applied change the status is written (default DEFAULT_SETTLE_MS). */
  readonly settleMs?: number;
  /** false: report peers only (benchmarks with huge tables). */
  readonly reportRoutes?: boolean;
  readonly speaker?: SpeakerInfo;
  /** The sessions' clock (default: the process's); its monotonic scale is the sessions'. */
  readonly clock?: TimerClock;
}

export const DEFAULT_HEARTBEAT_MS = 5_000;
/** Long enough to gather a burst, short against a person running `bgpcast peers`. */
export const DEFAULT_SETTLE_MS = 250;

export class StatusPublisher {
  readonly #o: StatusPublisherOptions;
  readonly #keys: ReturnType<typeof nodeKeys>;
  readonly #ages = new RouteAges();
  readonly #speaker: SpeakerInfo;
  readonly #clock: TimerClock;
  #stopTicks: (() => void) | null = null;
  #stopSettling: (() => void) | null = null;
  #signature = '';
  #generation = -1;
  #routesDirty = true;
  #routesWrittenAt = Number.NEGATIVE_INFINITY;
  #heartbeatAt = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | null = null;
  #failing = false;

  constructor(o: StatusPublisherOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#keys = nodeKeys(o.prefix, o.worker.node);
    this.#speaker = o.speaker ?? { host: hostname(), pid: process.pid, startedAt: new Date(this.#clock.wallNow()).toISOString() };
  }

  start(): void {
    if (this.#stopTicks) return;
    this.#stopTicks = this.#clock.every(this.#o.checkMs ?? 1_000, () => void this.tick());
    void this.tick();
  }

  /** A change was applied: write the status within `settleMs` (once, however many follow). */
  soon(): void {
    if (this.#stopSettling || !this.#stopTicks) return;
    this.#stopSettling = this.#clock.after(this.#o.settleMs ?? DEFAULT_SETTLE_MS, () => {
      this.#stopSettling = null;
      void this.tick();
    });
  }

  /** Resolves once no write is in flight (a tick started by a timer, say). */
  async idle(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
  }

  /**
   * Writes what changed, and the heartbeat when due. Never throws. A periodic tick skips while
   * another write is in flight; a forced one (flushStatus) waits for it and then writes, so what
   * it writes is never older than the call.
   */
  async tick(force = false): Promise<void> {
    while (this.#inFlight) {
      if (!force) return;
      await this.#inFlight;
    }
    if (this.#o.redis.status !== 'ready') return;
    const run = this.#tickOnce(force);
    this.#inFlight = run;
    try {
      await run;
    } finally {
      if (this.#inFlight === run) this.#inFlight = null;
    }
  }

  async #tickOnce(force: boolean): Promise<void> {
    try {
      await this.#write(force);
      if (this.#failing) this.#o.log.info({ node: this.#o.worker.node }, 'status written again');
      this.#failing = false;
    } catch (e) {
      if (!this.#failing) this.#o.log.warn({ node: this.#o.worker.node, err: (e as Error).message }, 'status not written; retrying');
      this.#failing = true;
    }
  }

  /** Stops the timer and records how the speaker ended (a reader then says "stopped", not "stale"). */
  async stop(how: 'stopped' | 'restarting' | 'drained'): Promise<void> {
    this.#stopTicks?.();
    this.#stopSettling?.();
    this.#stopTicks = null;
    this.#stopSettling = null;
    if (this.#o.redis.status !== 'ready') return;
    await this.#o.redis
      .multi()
      .hset(this.#keys.status, STATUS_FIELDS.stoppedAt, new Date(this.#clock.wallNow()).toISOString(), STATUS_FIELDS.stoppedHow, how)
      .publish(this.#keys.statusChanged, 'stopped')
      .exec()
      .catch(() => undefined);
  }

  async #write(force: boolean): Promise<void> {
    const w = this.#o.worker;
    const now = this.#clock.now();
    const wallNow = this.#clock.wallNow();
    const snaps = snapshots(w);
    const signature = statusSignature(snaps);
    const changed = force || signature !== this.#signature || w.generation !== this.#generation;
    if (changed) this.#routesDirty = true;
    const m = this.#o.redis.multi();
    const key = this.#keys.status;
    if (changed) {
      const peers = buildPeersDocument(w.node, w.revision, snaps, w.errors(), { wallMs: wallNow, monoMs: now });
      m.hset(key, STATUS_FIELDS.peers, JSON.stringify(peers), STATUS_FIELDS.revision, String(w.revision));
      m.hset(key, STATUS_FIELDS.changedAt, new Date(wallNow).toISOString());
    }
    const routesDue = this.#routesDirty && (force || now - this.#routesWrittenAt >= (this.#o.routesMinIntervalMs ?? 1_000));
    if (routesDue && this.#o.reportRoutes !== false) {
      const routes = buildRoutesDocument(w.node, w.revision, tables(w), this.#ages, wallNow);
      m.hset(key, STATUS_FIELDS.routes, JSON.stringify(routes));
    }
    const heartbeatDue = force || changed || now - this.#heartbeatAt >= (this.#o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    if (!changed && !routesDue && !heartbeatDue) return;
    m.hset(
      key,
      STATUS_FIELDS.updatedAt, new Date(wallNow).toISOString(),
      STATUS_FIELDS.heartbeatMs, String(this.#o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS),
      STATUS_FIELDS.speaker, JSON.stringify(this.#speaker),
    );
    m.hdel(key, STATUS_FIELDS.stoppedAt, STATUS_FIELDS.stoppedHow);
    m.expire(key, STATUS_TTL_S);
    m.zadd(speakersKey(this.#o.prefix), wallNow, w.node);
    // After the hash is written: the status writer reads it when told.
    if (changed) m.publish(this.#keys.statusChanged, String(w.revision));
    await m.exec();
    this.#signature = signature;
    this.#generation = w.generation;
    this.#heartbeatAt = now;
    if (routesDue) {
      this.#routesDirty = false;
      this.#routesWrittenAt = now;
    }
  }
}

/** Each instance of the node with its sessions' status (for the status and the metrics). */
export function snapshots(w: NodeWorker): InstanceSnapshot[] {
  return w.instances().map(({ instance, speaker, passwordSet }) => {
    const sessions = new Map<string, SessionStatus>();
    for (const s of speaker.status()) sessions.set(s.name, s);
    return { instance, sessions, passwordSet };
  });
}

function tables(w: NodeWorker): InstanceTables[] {
  return w.instances().map(({ instance, speaker }) => {
    const families = instanceFamilyKeys(instance);
    const peers: PeerTables[] = instance.peers.map((p) => {
      const session = speaker.session(p.name);
      const advertised = new Map<FamilyKey, ReadonlyMap<string, RouteAttributes>>();
      const received = new Map<FamilyKey, ReadonlyMap<string, ReceivedRoute>>();
      const rib = session?.adjRibOut ?? null;
      for (const f of families) {
        if (rib) advertised.set(f, rib.table(f));
        if (session) received.set(f, session.adjRibIn.routes(f));
      }
      // Running instances are resolved (NodeWorker.instances): every peer has its address.
      return { name: p.name, peerAddress: p.peerAddress ?? '', advertised, received };
    });
    return { instance, peers, routesOf: (peer, afi) => w.routes(instance.name, peer, afi).values() };
  });
}
