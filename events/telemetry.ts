// The HTTP endpoint every long-lived bgpcast process serves: /metrics (Prometheus text format, one
// prom-client registry per process), /healthz (the process is alive and its loop turns) and /readyz
// (it does its job: each component says what "ready" means, see the README's table). A failing
// check answers 503 with one line per check, as the Kubernetes API server's own /readyz?verbose.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';

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

/** A registry with Node's process metrics (CPU, memory, event-loop lag), prefixed `bgpcast_`. */
export function createRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: 'bgpcast_' });
  return registry;
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
