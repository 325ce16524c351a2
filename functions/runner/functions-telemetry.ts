// What the functions process tells Prometheus and its probes (series: events/metrics-catalogue.ts).
//
// - Per batch, from the handler's BatchObserver: its duration, its events by outcome, the desired
//   documents written, the compare-and-set conflicts, and for a batch that wrote desired state the
//   time from each event's observedAt to then; a batch that failed is counted.
// - At scrape time, read then, each bounded by a timeout: the consumer group's lag per partition
//   (bgpcast_kafka_up says whether Kafka answered), the pending entries (how many, the oldest),
//   and the speakers' heartbeats from <p>:{world}:speakers (bgpcast_redis_up: Redis answered).
// - /readyz: `consuming` (the Kafka consumer is in its group, or the HTTP entry listens) and
//   `redis` (PING answered).

import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { ConsumedEvent } from '../../events/bus.ts';
import { consumerLag } from '../../events/kafka/admin.ts';
import { Series } from '../../events/metrics-catalogue.ts';
import { redisReachable, withTimeout } from '../../events/probes.ts';
import { nodeKeys, speakersKey, STATUS_FIELDS } from '../../events/redis-keys.ts';
import type { Check, CheckResult } from '../../events/telemetry.ts';
import { counter, gauge, histogram, perScrape } from '../../events/telemetry.ts';
import { readPending } from '../store/fold.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import type { BatchObserver, BatchReport } from './handler.ts';

export interface FunctionsTelemetryOptions {
  readonly registry: Registry;
  readonly redis: Redis;
  readonly keys: StoreKeys;
  /** The consumer group's topic (absent behind HTTP: KafkaSource's group is not ours). */
  readonly kafka?: { readonly kafka: Kafka; readonly groupId: string; readonly topic: string };
  /** Whether events are being consumed (the Kafka subscription, or the HTTP entry listening). */
  readonly consuming: () => CheckResult;
  /** How long a scrape waits for Redis or Kafka (default 2 s). */
  readonly timeoutMs?: number;
}

/** What one batch adds to the per-batch series. Pure. */
export interface BatchSamples {
  readonly folded: number;
  readonly duplicate: number;
  readonly ignored: number;
  /** Seconds from each event's observedAt to `nowMs`, for a batch that wrote desired state. */
  readonly latencies: number[];
}

export function batchSamples(events: readonly ConsumedEvent[], report: BatchReport, nowMs: number): BatchSamples {
  const latencies: number[] = [];
  if (report.written > 0) {
    for (const e of events) {
      const at = Date.parse(e.envelope.observedAt);
      if (Number.isFinite(at)) latencies.push(Math.max(0, nowMs - at) / 1000);
    }
  }
  return {
    folded: report.applied,
    ignored: report.ignored,
    duplicate: Math.max(0, report.events - report.ignored - report.applied),
    latencies,
  };
}

/** Speakers stopped on purpose are not stale (a restart is: it should come back). */
const DELIBERATE_STOPS = new Set(['stopped', 'drained']);

interface Scrape {
  readonly redisUp: boolean;
  readonly pending: number | null;
  readonly oldestPendingS: number | null;
  readonly heartbeats: { node: string; at: number }[];
  readonly kafkaUp: boolean | null;
  readonly lag: Map<number, bigint>;
}

export class FunctionsTelemetry implements BatchObserver {
  readonly #o: FunctionsTelemetryOptions;
  readonly #eventToDesired;
  readonly #batchDuration;
  readonly #failed;
  readonly #events;
  readonly #writes;
  readonly #conflicts;
  readonly ready: readonly Check[];
  readonly registry: Registry;

  constructor(o: FunctionsTelemetryOptions) {
    this.#o = o;
    this.registry = o.registry;
    const r = o.registry;
    const scrape = perScrape(() => this.#scrape());
    this.#eventToDesired = histogram(r, Series.eventToDesired);
    this.#batchDuration = histogram(r, Series.batchDuration);
    this.#failed = counter(r, Series.batchesFailed);
    this.#events = counter(r, Series.events);
    this.#writes = counter(r, Series.desiredWrites);
    this.#conflicts = counter(r, Series.casConflicts);
    for (const outcome of ['folded', 'duplicate', 'ignored']) this.#events.inc({ outcome }, 0);
    this.#failed.inc(0);
    this.#writes.inc(0);
    this.#conflicts.inc(0);
    const topic = o.kafka?.topic ?? '';
    gauge(r, Series.consumerLag, async function () {
      const s = await scrape();
      this.reset();
      for (const [partition, lag] of s.lag) this.set({ topic, partition: String(partition) }, Number(lag));
    });
    gauge(r, Series.pending, async function () {
      const s = await scrape();
      this.reset();
      if (s.pending !== null) this.set(s.pending);
    });
    gauge(r, Series.pendingOldestAge, async function () {
      const s = await scrape();
      this.set(s.oldestPendingS === null ? 0 : Math.max(0, Date.now() / 1000 - s.oldestPendingS));
    });
    gauge(r, Series.speakerHeartbeat, async function () {
      const s = await scrape();
      this.reset();
      for (const h of s.heartbeats) this.set({ node: h.node }, h.at);
    });
    gauge(r, Series.redisUp, async function () {
      this.set((await scrape()).redisUp ? 1 : 0);
    });
    if (o.kafka) {
      gauge(r, Series.kafkaUp, async function () {
        this.set((await scrape()).kafkaUp ? 1 : 0);
      });
    }
    this.ready = [
      { name: 'consuming', run: () => o.consuming() },
      { name: 'redis', run: () => redisReachable(o.redis, o.timeoutMs) },
    ];
  }

  processed(events: readonly ConsumedEvent[], report: BatchReport): void {
    const s = batchSamples(events, report, Date.now());
    this.#batchDuration.observe(report.ms / 1000);
    this.#events.inc({ outcome: 'folded' }, s.folded);
    this.#events.inc({ outcome: 'duplicate' }, s.duplicate);
    this.#events.inc({ outcome: 'ignored' }, s.ignored);
    this.#writes.inc(report.written);
    this.#conflicts.inc(report.conflicts);
    for (const l of s.latencies) this.#eventToDesired.observe(l);
  }

  failed(): void {
    this.#failed.inc();
  }

  async #scrape(): Promise<Scrape> {
    const ms = this.#o.timeoutMs ?? 2_000;
    const [redis, kafka] = await Promise.all([
      withTimeout(this.#readRedis(), ms, 'redis').catch(() => null),
      this.#o.kafka ? withTimeout(consumerLag(this.#o.kafka.kafka, this.#o.kafka.groupId, this.#o.kafka.topic), ms, 'kafka').catch(() => null) : undefined,
    ]);
    return {
      redisUp: redis !== null,
      pending: redis?.pending ?? null,
      oldestPendingS: redis?.oldestPendingS ?? null,
      heartbeats: redis?.heartbeats ?? [],
      kafkaUp: kafka === undefined ? null : kafka !== null,
      lag: kafka ?? new Map(),
    };
  }

  async #readRedis() {
    const { redis, keys } = this.#o;
    if (redis.status !== 'ready') throw new Error(`connection ${redis.status}`);
    const [pending, scores] = await Promise.all([readPending(redis, keys), redis.zrange(speakersKey(keys.prefix), 0, -1, 'WITHSCORES')]);
    const at = [...pending.values()].map((e) => Date.parse(e.at)).filter(Number.isFinite);
    const beats: { node: string; at: number }[] = [];
    for (let i = 0; i + 1 < scores.length; i += 2) beats.push({ node: scores[i]!, at: Number(scores[i + 1]) / 1000 });
    const pipeline = redis.pipeline();
    for (const b of beats) pipeline.hget(nodeKeys(keys.prefix, b.node).status, STATUS_FIELDS.stoppedHow);
    const how = beats.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    return {
      pending: pending.size,
      oldestPendingS: at.length > 0 ? Math.min(...at) / 1000 : null,
      heartbeats: beats.filter((_, i) => !DELIBERATE_STOPS.has(String(how[i]?.[1] ?? ''))),
    };
  }
}
