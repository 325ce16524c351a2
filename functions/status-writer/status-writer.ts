// The status writer's engine: rounds of "read what changed, plan every write (plan.ts), make the
// ones that change something", run one at a time. A round is asked for by a Redis notification (a
// world change, new conditions, a speaker report), by a change of an object it writes (someone
// else edited or deleted it), and by the periodic resync, which reads every input again and
// compares with what the API server holds.
// - No write when nothing changed: each write's digest is remembered per object; a later round
//   writes only a different one, and a resync or a change under us compares with what this writer
//   owns of the object now (managedFields) instead.
// - A NodeConfig's status is written at most every `nodeStatusIntervalMs` (Cilium: 5 s, STAT-2 in
//   docs/cilium-semantics.md); a change inside the interval is written when it ends. With
//   statusReport false what was written is cleared and no more is written (STAT-3).
// - Every write is server-side apply under the field manager bgpcast-status-writer (forced: the
//   fields are this writer's), status through the status subresource; deletes carry the UID as a
//   precondition. An API server that does not answer ends the round; the next one (back-off
//   0.5 s doubling to 30 s) starts with a resync.

import { HttpMethod } from '@kubernetes/client-node';
import type { Logger } from '../../events/log.ts';
import { KubeApiError, KubeUnreachableError, type KubeApi } from '../../events/kube/api.ts';
import { DEFAULT_RECONNECT, reconnectDelayMs, sleep } from '../../events/kube/backoff.ts';
import { createRedisClient, isRedisUnavailable } from '../../events/redis-client.ts';
import { KINDS, STATUS_WRITER_MANAGER, type LiveObject, type WrittenKind } from './live.ts';
import { discoverVersion, LiveObjectCache, objectPath } from './live-objects.ts';
import type { SpeakerReport } from './node-status.ts';
import { needsWrite, planStatusWrites, type Write } from './plan.ts';
import type { Redis } from 'ioredis';
import { RedisInputs } from './redis-inputs.ts';
import { LB_IPAM_MANAGER, lbIpamNeedsWrite, planLbIpamWrites, POOL_KIND, type LbIpamKind, type LbIpamWrite } from './lb-ipam-writes.ts';
import { servedVersion } from '../../events/kube/watched-kinds.ts';
import { formatIp } from '../../events/ip.ts';
import { ownership, type Condition } from './rules.ts';

export type WriteOutcome = 'ok' | 'not_found' | 'conflict' | 'refused' | 'unreachable';

export interface StatusWriterMetrics {
  write(kind: WrittenKind | LbIpamKind, op: Write['op'], outcome: WriteOutcome): void;
  round(trigger: 'event' | 'resync'): void;
  conflicts(count: number): void;
}

export interface StatusWriterOptions {
  readonly api: KubeApi;
  /** Commands. */
  readonly redis: Redis;
  /** Where the writer opens its own two connections: a blocking XREAD, and SUBSCRIBE. */
  readonly redisUrl: string;
  readonly prefix: string;
  readonly log: Logger;
  /** Cilium's enable-bgp-control-plane-status-report; false clears what was written. Default true. */
  readonly statusReport?: boolean;
  /** Cilium's enable-lb-ipam: LoadBalancer IPs from CiliumLoadBalancerIPPools. Default true. */
  readonly enableLbIpam?: boolean;
  /** Default 30 s. */
  readonly resyncMs?: number;
  /** Default 5 s, Cilium's cadence. */
  readonly nodeStatusIntervalMs?: number;
  /**
   * How often every node's report is read again, default 5 s (a speaker's heartbeat): a speaker
   * that stopped without a word is seen as such within this plus three of its heartbeats.
   */
  readonly reportCheckMs?: number;
  /** How long a round waits for more notifications before it starts (default 50 ms). */
  readonly settleMs?: number;
  readonly metrics?: StatusWriterMetrics;
  readonly now?: () => Date;
  /** Leader election's gate, asked before every write. Default: always. */
  readonly mayWrite?: () => boolean;
}

export interface StatusWriterState {
  /** The first full round is done: everything was read and written. */
  readonly synced: boolean;
  readonly lastRoundAt: string | null;
  readonly lastError: string | null;
  readonly conflicts: readonly string[];
}

interface Pending {
  world: boolean;
  conditions: boolean;
  reports: Set<string>;
  /** Every node's report. */
  allReports: boolean;
  /** Keys of objects that changed under us: compared with the API server's version. */
  verify: Set<string>;
  resync: boolean;
}

const none = (): Pending => ({ world: false, conditions: false, reports: new Set(), allReports: false, verify: new Set(), resync: false });

export class StatusWriter {
  private readonly o: StatusWriterOptions;
  private readonly log: Logger;
  private readonly inputs: RedisInputs;
  private readonly blocking: Redis;
  private readonly subscriber: Redis;
  private readonly live: LiveObjectCache;
  private readonly stopping = new AbortController();
  private readonly tasks: Promise<unknown>[] = [];
  private version = 'v2';
  private conditions: Condition[] | null = null;
  private reports = new Map<string, SpeakerReport>();
  private readonly lastWritten = new Map<string, { uid: string | null; digest: string }>();
  private readonly statusWrittenAt = new Map<string, number>();
  private pending: Pending = { ...none(), resync: true };
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private running: Promise<void> = Promise.resolve();
  private failures = 0;
  private state: StatusWriterState = { synced: false, lastRoundAt: null, lastError: null, conflicts: [] };
  private conflictNote = '';
  /** LB IPAM: the pools' served version (undefined: not looked up yet; null: not served). */
  private poolVersion: string | null | undefined = undefined;
  /** LB IPAM: Service key → the addresses last written, until the world shows them. */
  private readonly lbWritten = new Map<string, readonly string[]>();
  private readonly lbLast = new Map<string, { digest: string; worldDigest: string }>();

  constructor(o: StatusWriterOptions) {
    this.o = o;
    this.log = o.log;
    this.blocking = createRedisClient({ url: o.redisUrl, role: 'subscriber', name: 'bgpcast-status-writer-xread', log: o.log });
    this.subscriber = createRedisClient({ url: o.redisUrl, role: 'subscriber', name: 'bgpcast-status-writer-sub', log: o.log });
    this.inputs = new RedisInputs({ redis: o.redis, blocking: this.blocking, subscriber: this.subscriber }, o.prefix, o.log, this.lbIpam);
    this.live = new LiveObjectCache((kind, names) => {
      for (const name of names) {
        this.pending.verify.add(`${kind}/${name}`).add(`${kind}/${name}/status`);
      }
      this.schedule();
    });
  }

  private get now(): Date {
    return this.o.now?.() ?? new Date();
  }

  status(): StatusWriterState {
    return this.state;
  }

  /** Discovers the served version (waiting for the CRDs if need be), starts the watches and subscriptions; rounds follow. */
  start(): void {
    this.tasks.push(
      this.boot().catch((e: Error) => {
        this.state = { ...this.state, lastError: e.message };
        this.log.error({ err: e.message }, 'the status writer could not start');
      }),
    );
  }

  private async boot(): Promise<void> {
    const signal = this.stopping.signal;
    const version = await discoverVersion(this.o.api, this.log, signal);
    if (version === undefined) return;
    this.version = version;
    await this.inputs.subscribe({
      conditions: () => this.ask((p) => (p.conditions = true)),
      status: (node) => this.ask((p) => p.reports.add(node)),
      resubscribed: () => this.ask((p) => (p.resync = true)),
    });
    this.tasks.push(
      this.live.run(this.o.api, version, this.log, signal),
      this.worldLoop(),
      this.every(this.o.resyncMs ?? 30_000, (p) => (p.resync = true)),
      this.every(this.o.reportCheckMs ?? 5_000, (p) => (p.allReports = true)),
    );
    this.log.info({ version: `cilium.io/${version}`, statusReport: this.statusReport, lbIpam: this.lbIpam }, 'status writer started');
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    this.blocking.disconnect();
    this.subscriber.disconnect();
    for (let seen = 0; seen < this.tasks.length; ) {
      seen = this.tasks.length;
      await Promise.allSettled(this.tasks);
    }
    await this.running.catch(() => undefined);
  }

  private get statusReport(): boolean {
    return this.o.statusReport !== false;
  }

  private get lbIpam(): boolean {
    return this.o.enableLbIpam !== false;
  }

  private ask(mark: (p: Pending) => void, delayMs?: number): void {
    mark(this.pending);
    this.schedule(delayMs);
  }

  /** A round after `delayMs` (default: the settle time), unless one is due sooner. */
  private schedule(delayMs = this.o.settleMs ?? 50): void {
    if (this.stopping.signal.aborted) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.running = this.running.then(() => this.round());
    }, delayMs);
  }

  private async worldLoop(): Promise<void> {
    const signal = this.stopping.signal;
    // Rounds wait for the first listing of the objects it writes; until then there is no cursor to follow.
    while (!signal.aborted && !this.live.synced) await sleep(100, signal);
    while (!signal.aborted) {
      try {
        if (await this.inputs.worldChangedAfter(this.inputs.mirror.cursor, 10_000)) {
          this.ask((p) => (p.world = true));
          // Wait for the round that syncs the mirror before asking again from its cursor.
          await new Promise((r) => setTimeout(r, (this.o.settleMs ?? 50) + 10));
          await this.running;
        }
      } catch (e) {
        if (signal.aborted) return;
        if (!isRedisUnavailable(e)) this.log.warn({ err: (e as Error).message }, 'reading the change stream failed; retrying');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  /** Asks for a round marked by `mark` every `ms` until stopped. */
  private async every(ms: number, mark: (p: Pending) => void): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      await sleep(ms, signal);
      if (!signal.aborted) this.ask(mark, 0);
    }
  }

  private async round(): Promise<void> {
    if (this.stopping.signal.aborted || !this.live.synced) {
      // The watches have not listed everything yet: their listing asks again.
      return;
    }
    const p = this.pending;
    this.pending = none();
    try {
      await this.readInputs(p);
      const deferred = await this.writeAll(p);
      if (this.lbIpam) await this.writeLbIpam(p);
      this.failures = 0;
      this.state = { ...this.state, synced: this.state.synced || p.resync, lastRoundAt: this.now.toISOString(), lastError: null };
      this.o.metrics?.round(p.resync ? 'resync' : 'event');
      if (deferred !== null) this.ask(() => undefined, deferred);
    } catch (e) {
      // Nothing of this round is lost: the next one reads everything again.
      this.failures++;
      const message = (e as Error).message;
      if (this.state.lastError === null) this.log.warn({ err: message }, 'status round failed; retrying with back-off');
      this.state = { ...this.state, lastError: message };
      this.ask((q) => (q.resync = true), reconnectDelayMs(DEFAULT_RECONNECT, this.failures));
    }
  }

  private async readInputs(p: Pending): Promise<void> {
    if (p.world || p.resync) await this.inputs.mirror.sync();
    if (p.conditions || p.resync || this.conditions === null) this.conditions = await this.inputs.readConditions();
    const all = p.resync || p.allReports;
    const nodes = all ? this.nodesOfInterest() : p.reports;
    if (nodes.size > 0) {
      const read = await this.inputs.readReports(nodes);
      if (all) this.reports = read;
      else for (const node of nodes) read.has(node) ? this.reports.set(node, read.get(node)!) : this.reports.delete(node);
    }
  }

  /** Nodes whose report may matter: those a ClusterConfig owns, and the API server's NodeConfigs. */
  private nodesOfInterest(): Set<string> {
    return new Set([...ownership(this.inputs.mirror.world).owner.keys(), ...this.live.nodeConfigs.keys()]);
  }

  /** Makes every write that changes something; returns when a deferred node status is due, or null. */
  private async writeAll(p: Pending): Promise<number | null> {
    const plan = planStatusWrites({
      world: this.inputs.mirror.world,
      conditions: this.conditions,
      reports: this.reports,
      live: this.live,
      statusReport: this.statusReport,
      now: this.now,
      apiVersion: `cilium.io/${this.version}`,
    });
    this.noteConflicts(plan.conflicts.map((c) => `${c.node} (wanted by ${c.owner}, held by ${c.heldBy.join(', ') || 'another owner'})`));
    let dueIn: number | null = null;
    for (const w of plan.writes) {
      if (this.stopping.signal.aborted || this.o.mayWrite?.() === false) break;
      if (!needsWrite(w, this.lastWritten.get(w.key), p.resync || p.verify.has(w.key))) continue;
      if (w.op === 'apply-status' && w.kind === KINDS.nodeConfig && w.node !== null) {
        const wait = (this.statusWrittenAt.get(w.node) ?? -Infinity) + (this.o.nodeStatusIntervalMs ?? 5_000) - Date.now();
        if (wait > 0) {
          dueIn = Math.min(dueIn ?? wait, wait);
          // Compared with the API server's version when it is due: our own write may be older.
          this.pending.verify.add(w.key);
          continue;
        }
      }
      await this.write(w);
    }
    return dueIn;
  }

  /** LB IPAM's round (lb-ipam-writes.ts): allocate from the world, write what changed. */
  private async writeLbIpam(p: Pending): Promise<void> {
    const world = this.inputs.mirror.world;
    for (const [key, ips] of this.lbWritten) {
      const s = world.services.get(key);
      if (s === undefined || s.loadBalancerIPs.map(formatIp).join() === ips.join()) this.lbWritten.delete(key);
    }
    if (world.lbIpPools.size > 0 && (this.poolVersion === undefined || (this.poolVersion === null && p.resync))) {
      this.poolVersion = (await servedVersion(this.o.api, POOL_KIND)) ?? null;
      if (this.poolVersion === null) this.log.warn('CiliumLoadBalancerIPPools are not served: LB IPAM writes no pool status');
    }
    const writes = planLbIpamWrites({ world, written: this.lbWritten, now: this.now, poolVersion: this.poolVersion ?? null });
    const planned = new Set(writes.map((w) => w.key));
    for (const key of this.lbLast.keys()) if (!planned.has(key)) this.lbLast.delete(key);
    for (const w of writes) {
      if (this.stopping.signal.aborted || this.o.mayWrite?.() === false) break;
      if (!lbIpamNeedsWrite(w, this.lbLast.get(w.key), p.resync)) continue;
      await this.writeLbIpamOne(w);
    }
  }

  private async writeLbIpamOne(w: LbIpamWrite): Promise<void> {
    try {
      await this.o.api.request(HttpMethod.PATCH, w.path, {
        body: w.body,
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: LB_IPAM_MANAGER, force: true },
      });
      this.lbLast.set(w.key, { digest: w.digest, worldDigest: w.worldDigest });
      if (w.ips !== null) this.lbWritten.set(w.key.slice('Service/'.length), w.ips);
      this.o.metrics?.write(w.kind, 'apply-status', 'ok');
    } catch (e) {
      if (e instanceof KubeUnreachableError) this.o.metrics?.write(w.kind, 'apply-status', 'unreachable');
      if (e instanceof KubeUnreachableError || !(e instanceof KubeApiError)) throw e;
      // 404: the object went away meanwhile; the world will say so.
      this.lbLast.delete(w.key);
      this.o.metrics?.write(w.kind, 'apply-status', e.code === 404 ? 'not_found' : e.code === 409 ? 'conflict' : 'refused');
      if (e.code !== 404) this.log.warn({ object: w.key, code: e.code, err: e.message }, 'the API server refused an LB IPAM write');
    }
  }

  private noteConflicts(conflicts: string[]): void {
    this.state = { ...this.state, conflicts };
    this.o.metrics?.conflicts(conflicts.length);
    const note = conflicts.join('; ');
    if (note !== this.conflictNote && conflicts.length > 0) {
      this.log.warn({ conflicts }, 'NodeConfigs held by another CiliumBGPClusterConfig are left alone');
    }
    this.conflictNote = note;
  }

  private async write(w: Write): Promise<void> {
    const path = objectPath(w.kind, this.version, w.name, w.op === 'apply-status');
    let outcome: WriteOutcome = 'ok';
    try {
      if (w.op === 'delete') {
        await this.o.api.request(HttpMethod.DELETE, path, { body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: w.uid } } });
        this.live.forget(w.kind, w.name, w.uid);
        this.lastWritten.delete(w.key);
        this.lastWritten.delete(`${w.key}/status`);
        this.statusWrittenAt.delete(w.name);
        this.log.info({ nodeConfig: w.name, why: w.why }, 'NodeConfig deleted');
      } else {
        const answer = await this.o.api.request<LiveObject>(HttpMethod.PATCH, path, {
          body: w.body,
          contentType: 'application/apply-patch+yaml',
          query: { fieldManager: STATUS_WRITER_MANAGER, force: true },
        });
        this.live.take(w.kind, answer);
        this.lastWritten.set(w.key, { uid: answer.metadata.uid, digest: w.digest });
        if (w.op === 'apply-status' && w.node !== null) this.statusWrittenAt.set(w.node, Date.now());
        if (w.op === 'apply' && w.uid === null) this.log.info({ nodeConfig: w.name }, 'NodeConfig created');
      }
    } catch (e) {
      if (e instanceof KubeUnreachableError) {
        this.o.metrics?.write(w.kind, w.op, 'unreachable');
        throw e;
      }
      if (!(e instanceof KubeApiError)) throw e;
      // 404: gone meanwhile (a delete: done already); 409: replaced meanwhile. The watch event
      // that follows asks for a round with the object as it is now.
      outcome = e.code === 404 ? 'not_found' : e.code === 409 ? 'conflict' : 'refused';
      this.lastWritten.delete(w.key);
      if (outcome === 'refused') this.log.warn({ object: w.key, op: w.op, code: e.code, err: e.message }, 'the API server refused a write');
    }
    this.o.metrics?.write(w.kind, w.op, outcome);
  }
}
