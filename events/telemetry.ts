// The HTTP endpoint every long-lived bgpcast process serves: /metrics (Prometheus text format, one
// prom-client registry per process), /healthz (the process is alive and its loop turns) and /readyz
// (it does its job: each component says what "ready" means, see the README's table). A failing
// check answers 503 with one line per check, as the Kubernetes API server's own /readyz?verbose.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SeriesDef } from './metrics-catalogue.ts';

/** One named check; `ok: false` carries the reason a person reads. */
export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface Check {
  readonly name: string;
  run(): CheckResult | Promise<CheckResult>;
}

export interface TelemetryOptions {
  readonly host: string;
  /** 0: a free port (tests). */
  readonly port: number;
  readonly registry: Registry;
  /** /healthz: the process is alive. Empty: alive while it answers at all. */
  readonly live?: readonly Check[];
  /** /readyz: the process does its job. */
  readonly ready: readonly Check[];
}

export interface TelemetryEndpoint {
  /** e.g. http://127.0.0.1:9962 */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A registry with Node's process metrics (CPU, memory, event-loop lag), prefixed `bgpcast_`.
 * `processMetrics: false` for a second endpoint of the same process (`up`), which would count the
 * process twice.
 */
export function createRegistry(labels: Record<string, string> = {}, opts: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'bgpcast_' });
  return registry;
}

// The metrics of the catalogue (events/metrics-catalogue.ts), by its entries: name, help and label
// names come from there. `collect` runs at scrape time (a gauge read from the state as it is).

type Collect<T> = (this: T) => void | Promise<void>;

export function counter(registry: Registry, s: SeriesDef, collect?: Collect<Counter>): Counter {
  return new Counter({ name: s.name, help: s.help, labelNames: [...s.labels], registers: [registry], ...(collect ? { collect } : {}) });
}

export function gauge(registry: Registry, s: SeriesDef, collect?: Collect<Gauge>): Gauge {
  return new Gauge({ name: s.name, help: s.help, labelNames: [...s.labels], registers: [registry], ...(collect ? { collect } : {}) });
}

/** Seconds from 1 ms to 30 s: a BGP change is milliseconds, a reload of a large table seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export function histogram(registry: Registry, s: SeriesDef, buckets: readonly number[] = LATENCY_BUCKETS): Histogram {
  return new Histogram({ name: s.name, help: s.help, labelNames: [...s.labels], buckets: [...buckets], registers: [registry] });
}

/**
 * `take` run at most once per scrape, however many metrics' collect() ask for it: a registry
 * collects all its metrics at once, so every call made while one is in flight shares its result.
 */
export function perScrape<T>(take: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | null = null;
  return () => {
    if (current) return current;
    const run = take();
    current = run;
    const clear = () => {
      if (current === run) current = null;
    };
    run.then(clear, clear);
    return run;
  };
}

async function runChecks(checks: readonly Check[]): Promise<{ ok: boolean; lines: string[] }> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return { name: c.name, ...(await c.run()) };
      } catch (e) {
        return { name: c.name, ok: false, detail: (e as Error).message };
      }
    }),
  );
  const lines = results.map((r) => `[${r.ok ? '+' : '-'}]${r.name} ${r.ok ? 'ok' : `failed${r.detail ? `: ${r.detail}` : ''}`}`);
  return { ok: results.every((r) => r.ok), lines };
}

async function answerChecks(res: ServerResponse, checks: readonly Check[]): Promise<void> {
  const { ok, lines } = await runChecks(checks);
  res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${lines.join('\n')}${lines.length ? '\n' : ''}${ok ? 'ok' : 'not ok'}\n`);
}

async function route(opts: TelemetryOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  switch (path) {
    case '/metrics':
      res.writeHead(200, { 'content-type': opts.registry.contentType });
      res.end(await opts.registry.metrics());
      return;
    case '/healthz':
    case '/livez':
      return answerChecks(res, opts.live ?? []);
    case '/readyz':
      return answerChecks(res, opts.ready);
    default:
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: /metrics, /healthz, /readyz\n');
  }
}

/** Listens on host:port; rejects (EADDRINUSE, EACCES …) when it cannot. */
export async function startTelemetry(opts: TelemetryOptions): Promise<TelemetryEndpoint> {
  const server = createServer((req, res) => {
    route(opts, req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${(e as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
