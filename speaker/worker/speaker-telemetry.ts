// What a speaker process tells Prometheus and its probes (series: events/metrics-catalogue.ts).
//
// - At scrape time, from the sessions as they are: Cilium's session and route series and the
//   message counters (peer-series.ts), each node's applied revision, and the stored revision read
//   from Redis in one pipeline (which is also bgpcast_redis_up).
// - As it happens, from the worker's ApplyObserver: a reconcile run per applied revision (Cilium's
//   run duration and error counter, per instance), and for a delta with the functions' write time
//   the desired → UPDATE latency, when the node has an established session to send it on.
// - /readyz `desired`: every node's desired state read from Redis and applied, no instance failing.
//
//   const telemetry = new SpeakerTelemetry({ registry, prefix, nodes: ['worker1'] });
//   const worker = await startSpeakerWorker({ ..., observer: telemetry });
//   telemetry.attach(worker);

import type { Registry } from 'prom-client';
import { Series } from '../../events/metrics-catalogue.ts';
import { withTimeout } from '../../events/probes.ts';
import { DESIRED_FIELDS, nodeKeys } from '../../events/redis-keys.ts';
import type { Check, CheckResult } from '../../events/telemetry.ts';
import { counter, gauge, histogram, perScrape } from '../../events/telemetry.ts';
import type { NodeWorker } from './node-worker.ts';
import type { NodeSnapshot, PeerSeries, Sample } from './peer-series.ts';
import { peerSeries } from './peer-series.ts';
import type { ApplyObserver, ApplyOutcome, SpeakerWorker } from './speaker-worker.ts';
import { snapshots } from './status-publisher.ts';

export interface SpeakerTelemetryOptions {
  readonly registry: Registry;
  readonly prefix: string;
  /** How long the scrape waits for Redis (default 2 s). */
  readonly redisTimeoutMs?: number;
}

interface Scrape {
  readonly peers: PeerSeries;
  readonly applied: Sample[];
  /** null: Redis did not answer (or no worker yet). */
  readonly stored: Sample[] | null;
}

const NO_PEERS: PeerSeries = { sessionState: [], advertisedRoutes: [], receivedRoutes: [], messages: [], messageBytes: [], flaps: [] };

export class SpeakerTelemetry implements ApplyObserver {
  readonly #o: SpeakerTelemetryOptions;
  #worker: SpeakerWorker | null = null;
  /** Nodes whose last apply failed. */
  readonly #failing = new Set<string>();
  readonly #reconcileErrors;
  readonly #reconcileDuration;
  readonly #desiredToUpdate;
  readonly ready: readonly Check[];
  readonly registry: Registry;

  constructor(o: SpeakerTelemetryOptions) {
    this.#o = o;
    this.registry = o.registry;
    const r = o.registry;
    const scrape = perScrape(() => this.#scrape());
    const set = (pick: (s: Scrape) => readonly Sample[] | null) =>
      async function (this: { reset(): void; set(labels: Record<string, string>, v: number): void }) {
        const s = await scrape();
        this.reset();
        for (const x of pick(s) ?? []) this.set(x.labels, x.value);
      };
    const add = (pick: (s: Scrape) => readonly Sample[]) =>
      async function (this: { reset(): void; inc(labels: Record<string, string>, v: number): void }) {
        const s = await scrape();
        this.reset();
        for (const x of pick(s)) this.inc(x.labels, x.value);
      };
    gauge(r, Series.sessionState, set((s) => s.peers.sessionState));
    gauge(r, Series.advertisedRoutes, set((s) => s.peers.advertisedRoutes));
    gauge(r, Series.receivedRoutes, set((s) => s.peers.receivedRoutes));
    counter(r, Series.bgpMessages, add((s) => s.peers.messages));
    counter(r, Series.bgpMessageBytes, add((s) => s.peers.messageBytes));
    counter(r, Series.sessionFlaps, add((s) => s.peers.flaps));
    gauge(r, Series.appliedRevision, set((s) => s.applied));
    gauge(r, Series.storedRevision, set((s) => s.stored));
    gauge(r, Series.redisUp, set((s) => [{ labels: {}, value: s.stored === null ? 0 : 1 }]));
    this.#reconcileErrors = counter(r, Series.reconcileErrors);
    this.#reconcileDuration = histogram(r, Series.reconcileDuration);
    this.#desiredToUpdate = histogram(r, Series.desiredToUpdate);
    this.ready = [{ name: 'desired', run: () => this.#readiness() }];
  }

  /** The worker once it has started (before that: no series, not ready). */
  attach(worker: SpeakerWorker): void {
    this.#worker = worker;
  }

  applied(w: NodeWorker, outcome: ApplyOutcome): void {
    const node = w.node;
    const failedInstances = new Set(w.errors().map((e) => e.instance));
    const instances = new Set([...w.instances().map((i) => i.instance.name), ...failedInstances]);
    for (const vrouter of instances) {
      this.#reconcileDuration.observe({ vrouter, node }, outcome.seconds);
      if (outcome.failed || failedInstances.has(vrouter)) this.#reconcileErrors.inc({ vrouter, node });
    }
    if (outcome.failed) this.#failing.add(node);
    else this.#failing.delete(node);
    if (!outcome.failed && outcome.writtenAtMs !== null && hasEstablished(w)) {
      this.#desiredToUpdate.observe({ node }, Math.max(0, Date.now() - outcome.writtenAtMs) / 1000);
    }
  }

  async #scrape(): Promise<Scrape> {
    const worker = this.#worker;
    if (!worker) return { peers: NO_PEERS, applied: [], stored: null };
    const nodes: NodeSnapshot[] = [...worker.nodes.values()].map((w) => ({ node: w.node, revision: w.revision, instances: snapshots(w) }));
    const applied = nodes.map((n) => ({ labels: { node: n.node }, value: n.revision }));
    return { peers: peerSeries(nodes), applied, stored: await this.#storedRevisions(worker) };
  }

  async #storedRevisions(worker: SpeakerWorker): Promise<Sample[] | null> {
    if (worker.redis.status !== 'ready') return null;
    const names = [...worker.nodes.keys()];
    const pipeline = worker.redis.pipeline();
    for (const node of names) pipeline.hget(nodeKeys(this.#o.prefix, node).desired, DESIRED_FIELDS.revision);
    try {
      const replies = (await withTimeout(pipeline.exec(), this.#o.redisTimeoutMs ?? 2_000, 'redis')) ?? [];
      return names.flatMap((node, i) => {
        const [err, value] = replies[i] ?? [new Error('no reply'), null];
        if (err) throw err;
        return value === null ? [] : [{ labels: { node }, value: Number(value) }];
      });
    } catch {
      return null;
    }
  }

  #readiness(): CheckResult {
    const worker = this.#worker;
    if (!worker) return { ok: false, detail: 'waiting for Redis: no desired state read yet' };
    const problems: string[] = [];
    for (const [node, w] of worker.nodes) {
      if (!worker.watcher.hasRead(node)) problems.push(`${node}: desired state not read yet`);
      else if (this.#failing.has(node)) problems.push(`${node}: applying the desired state failed`);
      for (const e of w.errors()) problems.push(`${node}: instance ${e.instance}: ${e.error}`);
    }
    return problems.length === 0 ? { ok: true } : { ok: false, detail: problems.join('; ') };
  }
}

/** Some session of the node is established: its UPDATEs went out on it. */
function hasEstablished(w: NodeWorker): boolean {
  return w.instances().some(({ instance, speaker }) => instance.peers.some((p) => speaker.session(p.name)?.adjRibOut != null));
}
