// The endpoint every long-lived process serves: metrics in Prometheus' text format, and health and
// readiness answered 200 or 503 with one line per check.

import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry, startTelemetry, type TelemetryEndpoint } from '../../events/telemetry.ts';

let endpoint: TelemetryEndpoint | null = null;
afterEach(async () => {
  await endpoint?.close();
  endpoint = null;
});

describe('telemetry endpoint', () => {
  it('serves the registry at /metrics, with the default labels and the process metrics', async () => {
    const registry = createRegistry({ node: 'worker1' });
    new Counter({ name: 'bgpcast_test_events_total', help: 'events seen', registers: [registry] }).inc(3);
    endpoint = await startTelemetry({ host: '127.0.0.1', port: 0, registry, ready: [] });
    const res = await fetch(`${endpoint.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('bgpcast_test_events_total{node="worker1"} 3');
    expect(text).toMatch(/^bgpcast_process_cpu_seconds_total\{node="worker1"\} /m);
  });

  it('answers /readyz 200 while every check passes, 503 naming the failing one otherwise', async () => {
    let redisUp = true;
    endpoint = await startTelemetry({
      host: '127.0.0.1',
      port: 0,
      registry: createRegistry(),
      ready: [
        { name: 'redis', run: () => (redisUp ? { ok: true } : { ok: false, detail: 'connection refused' }) },
        { name: 'consuming', run: async () => ({ ok: true }) },
      ],
    });
    const ok = await fetch(`${endpoint.url}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('[+]redis ok\n[+]consuming ok\nok\n');
    redisUp = false;
    const down = await fetch(`${endpoint.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.text()).toBe('[-]redis failed: connection refused\n[+]consuming ok\nnot ok\n');
  });

  it('counts a check that throws as failed, and keeps serving', async () => {
    endpoint = await startTelemetry({
      host: '127.0.0.1',
      port: 0,
      registry: createRegistry(),
      live: [{ name: 'loop', run: () => { throw new Error('stuck'); } }],
      ready: [],
    });
    const res = await fetch(`${endpoint.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('[-]loop failed: stuck');
    expect((await fetch(`${endpoint.url}/nope`)).status).toBe(404);
  });

  it('refuses to start on a port that is taken', async () => {
    endpoint = await startTelemetry({ host: '127.0.0.1', port: 0, registry: createRegistry(), ready: [] });
    const port = Number(new URL(endpoint.url).port);
    await expect(startTelemetry({ host: '127.0.0.1', port, registry: createRegistry(), ready: [] })).rejects.toThrow(/EADDRINUSE/);
  });
});
