// `bgpcast watch`'s engine: a reflector per served kind, each change reduced to its projection
// (projection.ts) and published only when the projection's digest moved since the version last
// published; after every full listing, the kind's sync marker carrying the listed keys, so what
// was deleted while nobody watched is swept by the functions. What was published is checkpointed
// in Redis once Kafka acknowledged it, so a restart publishes only what changed meanwhile.

import { randomUUID } from 'node:crypto';
import type { EventPublisher } from '../bus.ts';
import { EnvelopeSchemaVersion, identityOf, objectEnvelope, type KubeObject, type SyncedEvent } from '../envelope.ts';
import type { Logger } from '../log.ts';
import { objectKey } from '../object-key.ts';
import type { KubeApi } from './api.ts';
import { DEFAULT_RECONNECT, reconnectDelayMs, sleep } from './backoff.ts';
import { planListing, type ListedObject, type Published } from './checkpoint.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import { projectionDigest } from './digest.ts';
import { projectObject } from './projection.ts';
import { PublishQueue } from './publish-queue.ts';
import { runReflector, type ChangeType } from './reflector.ts';
import { apiVersionOf, servedVersion, watchedKinds, watchNamespace, type WatchedKind } from './watched-kinds.ts';

export interface WatcherMetrics {
  published(kind: string, count: number): void;
  filtered(kind: string, count: number): void;
}

export interface WatcherOptions {
  readonly api: KubeApi;
  readonly publisher: EventPublisher;
  readonly checkpoint: CheckpointStore;
  /** The envelopes' source; stable across restarts and replicas (sync markers sweep by it). */
  readonly source: string;
  readonly secretsNamespace: string;
  readonly log: Logger;
  readonly metrics?: WatcherMetrics;
  readonly kinds?: readonly WatchedKind[];
  /** How often kinds not served yet (a missing CRD) are looked for; default 10 s. */
  readonly discoveryIntervalMs?: number;
  /** Envelopes per Kafka send; default 1,000. */
  readonly batchSize?: number;
  /** Leader election's gate: nothing is sent while it says no. Default: always. */
  readonly mayPublish?: () => boolean;
  readonly watchTimeoutSeconds?: number;
}

interface KindState {
  readonly kind: WatchedKind;
  /** "Kind[.group]", the prefix of its object keys. */
  readonly qualified: string;
  running: boolean;
  /** The version it is watched under while running. */
  version: string;
  /** A marker of this kind has been acknowledged: its listing is on the topic. */
  synced: boolean;
}

export interface WatcherStatus {
  readonly kinds: readonly { kind: string; served: boolean; synced: boolean }[];
  readonly queued: number;
  /** Every served kind's listing acknowledged, discovery done once, nothing failing to send. */
  readonly synced: boolean;
  readonly kafkaError: string | null;
}

const qualifiedOf = (k: WatchedKind) => (k.group ? `${k.kind}.${k.group}` : k.kind);

export class KubeWatcher {
  private readonly opts: WatcherOptions;
  private readonly log: Logger;
  private readonly kinds: Map<string, KindState>;
  /** Per kind: object key → what was last queued for publishing (and thus will be checkpointed). */
  private readonly published = new Map<string, Map<string, Published>>();
  private readonly queue = new PublishQueue();
  private readonly stopping = new AbortController();
  private readonly tasks: Promise<unknown>[] = [];
  private wake: (() => void) | null = null;
  private pendingCheckpoint = new Map<string, Published | null>();
  private discovered = false;
  private kafkaError: string | null = null;
  private checkpointFailing = false;

  constructor(opts: WatcherOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.kinds = new Map((opts.kinds ?? watchedKinds).map((k) => [qualifiedOf(k), { kind: k, qualified: qualifiedOf(k), running: false, version: k.preferred[0]!, synced: false }]));
    for (const q of this.kinds.keys()) this.published.set(q, new Map());
  }

  /** Loads the checkpoint, then lists and watches every served kind until stop(). */
  async start(): Promise<void> {
    const t0 = performance.now();
    const stored = await this.opts.checkpoint.load();
    for (const [key, p] of stored) this.published.get(key.slice(0, key.indexOf('/')))?.set(key, p);
    if (stored.size === 0) this.log.info({ checkpoint: this.opts.checkpoint.key }, 'no checkpoint: every object is published once');
    else this.log.info({ objects: stored.size, ms: Math.round(performance.now() - t0) }, 'checkpoint loaded');
    this.tasks.push(this.drainLoop(), this.discoveryLoop());
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await Promise.allSettled(this.tasks);
  }

  status(): WatcherStatus {
    const kinds = [...this.kinds.values()].map((s) => ({ kind: s.kind.kind, served: s.running, synced: s.synced }));
    const synced = this.discovered && this.kafkaError === null && kinds.every((k) => !k.served || k.synced);
    return { kinds, queued: this.queue.size, synced, kafkaError: this.kafkaError };
  }

  private async discoveryLoop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      const cache = new Map<string, Promise<Set<string> | null>>();
      for (const state of this.kinds.values()) {
        if (state.running) continue;
        const version = await servedVersion(this.opts.api, state.kind, cache).catch((e: Error) => {
          this.log.debug({ kind: state.kind.kind, err: e.message }, 'discovery failed');
          return undefined;
        });
        if (version === undefined || signal.aborted) continue;
        state.running = true;
        state.version = version;
        this.tasks.push(this.reflect(state, version));
      }
      this.discovered = true;
      await sleep(this.opts.discoveryIntervalMs ?? 10_000, signal);
    }
  }

  private async reflect(state: KindState, version: string): Promise<void> {
    const { kind } = state;
    this.log.info({ kind: kind.kind, version }, 'watching');
    const end = await runReflector(
      {
        api: this.opts.api,
        kind,
        version,
        namespace: watchNamespace(kind, this.opts.secretsNamespace),
        log: this.log,
        watchTimeoutSeconds: this.opts.watchTimeoutSeconds,
      },
      { keep: (o) => this.listed(o), onListed: (items) => this.onListed(state, items), onEvent: (type, o) => this.onEvent(state, type, o) },
      this.stopping.signal,
    ).catch((e: Error) => {
      this.log.error({ kind: kind.kind, err: e.message }, 'watch loop failed');
      return 'failed' as const;
    });
    state.running = false;
    if (end !== 'stopped') this.log.info({ kind: kind.kind, end }, 'no longer watched; discovery looks for it again');
  }

  private listed(object: KubeObject): ListedObject | null {
    const projected = projectObject(object);
    if (!projected) return null;
    return { key: objectKey(identityOf(projected)), digest: projectionDigest(projected), object: projected };
  }

  private onListed(state: KindState, items: readonly (ListedObject | null)[]): void {
    const listing = items.filter((l): l is ListedObject => l !== null);
    const published = this.published.get(state.qualified)!;
    const plan = planListing(listing, published);
    for (const { type, item } of plan.publish) this.queueObject(state, type, item);
    for (const key of plan.gone) published.delete(key);
    const kind = state.kind;
    const marker: SyncedEvent = {
      schema: EnvelopeSchemaVersion,
      id: randomUUID(),
      type: 'synced',
      apiVersion: apiVersionOf(kind.group, state.version),
      kind: kind.kind,
      source: this.opts.source,
      observedAt: new Date().toISOString(),
      syncId: randomUUID(),
      keys: listing.map((l) => l.key),
    };
    this.queue.pushMarker(state.qualified, { envelope: marker, checkpoint: new Map(plan.gone.map((k) => [k, null])) });
    this.opts.metrics?.filtered(kind.kind, plan.unchanged);
    this.log.info(
      { kind: kind.kind, listed: listing.length, toPublish: plan.publish.length, unchanged: plan.unchanged, goneWhileAway: plan.gone.length },
      'listed',
    );
    this.wake?.();
  }

  private onEvent(state: KindState, type: ChangeType, object: KubeObject): void {
    const item = this.listed(object);
    if (!item) return;
    const published = this.published.get(state.qualified)!;
    if (type === 'DELETED') {
      published.delete(item.key);
      this.queue.pushObject(item.key, { envelope: objectEnvelope('deleted', item.object, this.opts.source), checkpoint: new Map([[item.key, null]]) });
    } else {
      const before = published.get(item.key);
      if (before?.digest === item.digest) {
        this.opts.metrics?.filtered(state.kind.kind, 1);
        return;
      }
      this.queueObject(state, before ? 'modified' : 'added', item);
    }
    this.wake?.();
  }

  private queueObject(state: KindState, type: 'added' | 'modified', item: ListedObject): void {
    const rv = item.object.metadata['resourceVersion'];
    const entry = { resourceVersion: typeof rv === 'string' ? rv : '', digest: item.digest };
    this.published.get(state.qualified)!.set(item.key, entry);
    this.queue.pushObject(item.key, { envelope: objectEnvelope(type, item.object, this.opts.source), checkpoint: new Map([[item.key, entry]]) });
  }

  private async drainLoop(): Promise<void> {
    const signal = this.stopping.signal;
    const mayPublish = this.opts.mayPublish ?? (() => true);
    let failures = 0;
    while (!signal.aborted) {
      if (this.queue.size === 0 || !mayPublish()) {
        await this.flushCheckpoint();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.queue.size === 0 ? 1_000 : 100);
        });
        this.wake = null;
        continue;
      }
      const batch = this.queue.take(this.opts.batchSize ?? 1_000);
      try {
        await this.opts.publisher.publish(batch.map((e) => e.envelope));
      } catch (e) {
        this.queue.release();
        const delay = reconnectDelayMs(DEFAULT_RECONNECT, ++failures);
        if (this.kafkaError === null) this.log.warn({ err: (e as Error).message, queued: this.queue.size, retryInMs: delay }, 'publish failed; retrying with back-off');
        this.kafkaError = (e as Error).message;
        await sleep(delay, signal);
        continue;
      }
      this.queue.commit();
      if (this.kafkaError !== null) this.log.info({ queued: this.queue.size }, 'publishing again');
      failures = 0;
      this.kafkaError = null;
      const counts = new Map<string, number>();
      for (const entry of batch) {
        for (const [key, p] of entry.checkpoint) this.pendingCheckpoint.set(key, p);
        if (entry.markerOf !== undefined) {
          const state = this.kinds.get(entry.markerOf);
          if (state && !state.synced) {
            state.synced = true;
            this.log.info({ kind: state.kind.kind }, 'listing published');
          }
        } else {
          counts.set(entry.envelope.kind, (counts.get(entry.envelope.kind) ?? 0) + 1);
        }
      }
      for (const [kind, n] of counts) this.opts.metrics?.published(kind, n);
      await this.flushCheckpoint();
    }
  }

  private async flushCheckpoint(): Promise<void> {
    if (this.pendingCheckpoint.size === 0) return;
    const changes = this.pendingCheckpoint;
    this.pendingCheckpoint = new Map();
    try {
      await this.opts.checkpoint.apply(changes);
      if (this.checkpointFailing) this.log.info('checkpoint written again');
      this.checkpointFailing = false;
    } catch (e) {
      // Kept for the next round; lost only if the process dies first, which costs a republish.
      for (const [k, p] of changes) if (!this.pendingCheckpoint.has(k)) this.pendingCheckpoint.set(k, p);
      if (!this.checkpointFailing) this.log.warn({ err: (e as Error).message, pending: this.pendingCheckpoint.size }, 'checkpoint write failed; kept for the next round');
      this.checkpointFailing = true;
    }
  }
}
