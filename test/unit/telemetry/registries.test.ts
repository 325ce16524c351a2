// Each process registers the catalogue's series it is said to serve, and no other; before anything
// is running they answer honestly: no peer series, Redis down, not ready.

import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { allSeries, Series, type Exporter } from '../../../events/metrics-catalogue.ts';
import { createRegistry } from '../../../events/telemetry.ts';
import { FunctionsTelemetry } from '../../../functions/runner/functions-telemetry.ts';
import { storeKeys } from '../../../events/redis-keys.ts';
import { SpeakerTelemetry } from '../../../speaker/worker/speaker-telemetry.ts';
import { statusWriterTelemetry } from '../../../functions/status-writer/status-writer-telemetry.ts';

const served = (...by: Exporter[]) => allSeries.filter((s) => by.includes(s.exporter)).map((s) => s.name);
const names = (r: Registry) => r.getMetricsAsArray().map((m) => m.name);
const processSeries = [Series.processCpu.name, Series.processMemory.name, Series.eventLoopLag.name];

/** A Redis client as it is while the server is away: every scrape read fails, nothing connects. */
const awayRedis = { status: 'reconnecting' } as unknown as Redis;
/** A Kafka client whose admin never connects. */
const awayKafka = {
  admin: () => ({ connect: () => Promise.reject(new Error('ECONNREFUSED')), disconnect: () => Promise.resolve() }),
} as unknown as Kafka;

describe('registries', () => {
  it('a speaker serves the speaker series and Redis reachability', () => {
    const t = new SpeakerTelemetry({ registry: createRegistry({}, { processMetrics: false }), prefix: 'p' });
    expect(names(t.registry).sort()).toEqual([...served('speaker'), Series.redisUp.name].sort());
  });

  it('the functions serve theirs, Kafka reachability only when they consume Kafka', () => {
    const base = { redis: awayRedis, keys: storeKeys('p'), consuming: () => ({ ok: true }) };
    const kafka = new FunctionsTelemetry({ ...base, registry: createRegistry({}, { processMetrics: false }), kafka: { kafka: awayKafka, groupId: 'g', topic: 't' } });
    expect(names(kafka.registry).sort()).toEqual([...served('functions'), Series.redisUp.name, Series.kafkaUp.name].sort());
    const http = new FunctionsTelemetry({ ...base, registry: createRegistry({}, { processMetrics: false }) });
    expect(names(http.registry)).not.toContain(Series.kafkaUp.name);
  });

  it('the status writer serves its series and Redis reachability; with Redis away it says so', async () => {
    const registry = createRegistry({ component: 'status-writer' }, { processMetrics: false });
    statusWriterTelemetry(registry, awayRedis);
    expect(names(registry).sort()).toEqual([...served('status-writer'), Series.redisUp.name].sort());
    expect(await registry.metrics()).toContain('bgpcast_redis_up{component="status-writer"} 0');
  });

  it("every registry has the process metrics the catalogue names, unless told it is a process's second", () => {
    const all = names(createRegistry());
    for (const n of processSeries) expect(all).toContain(n);
    expect(names(createRegistry({}, { processMetrics: false }))).toEqual([]);
  });

  it('a speaker not started yet: no peer series, Redis down, not ready', async () => {
    const t = new SpeakerTelemetry({ registry: createRegistry({ component: 'speaker' }, { processMetrics: false }), prefix: 'p' });
    const text = await t.registry.metrics();
    expect(text).toContain('bgpcast_redis_up{component="speaker"} 0');
    expect(text).not.toMatch(/^cilium_bgp_control_plane_session_state\{/m);
    expect(await t.ready[0]!.run()).toEqual({ ok: false, detail: 'waiting for Redis: no desired state read yet' });
  });

  it('functions whose Redis and Kafka are away say so, with no lag or heartbeat series', async () => {
    const t = new FunctionsTelemetry({
      registry: createRegistry({ component: 'functions' }, { processMetrics: false }),
      redis: awayRedis,
      keys: storeKeys('p'),
      kafka: { kafka: awayKafka, groupId: 'g', topic: 't' },
      consuming: () => ({ ok: false, detail: 'not subscribed yet' }),
    });
    const text = await t.registry.metrics();
    expect(text).toContain('bgpcast_redis_up{component="functions"} 0');
    expect(text).toContain('bgpcast_kafka_up{component="functions"} 0');
    expect(text).not.toMatch(/^bgpcast_functions_consumer_lag_records\{/m);
    expect(text).not.toMatch(/^bgpcast_speaker_heartbeat_timestamp_seconds\{/m);
    expect(text).toContain('bgpcast_functions_events_total{outcome="folded",component="functions"} 0');
    const checks = await Promise.all(t.ready.map(async (c) => [c.name, await c.run()] as const));
    expect(checks).toEqual([
      ['consuming', { ok: false, detail: 'not subscribed yet' }],
      ['redis', { ok: false, detail: 'connection reconnecting' }],
    ]);
  });
});
