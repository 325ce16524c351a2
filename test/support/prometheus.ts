// A real Prometheus (Debian's package) for the tests, started like the other daemons: its own
// config and data dir in a temp dir, a free port on 127.0.0.1, a short scrape interval, stopped by
// pid. It scrapes the given targets and evaluates the given rule files; query() is its HTTP API.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, spawnToFile, stopProcess, waitUntil } from '../../infra/local/procs.ts';
import { makeTempDir, removeTempDir } from './routers/index.ts';

export interface PrometheusTarget {
  readonly job: string;
  /** host:port */
  readonly address: string;
}

export interface PrometheusOptions {
  readonly targets: readonly PrometheusTarget[];
  readonly ruleFiles?: readonly string[];
  /** Seconds between scrapes and rule evaluations (default 1). */
  readonly intervalS?: number;
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface RunningPrometheus {
  readonly url: string;
  readonly pid: number;
  /** An instant query through /api/v1/query; rejects on an error answer. */
  query(promql: string): Promise<PromSample[]>;
  /** GET /api/v1/<path>, its `data`. */
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startPrometheus(o: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = makeTempDir('bgpcast-prometheus-');
  const interval = `${o.intervalS ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: [...(o.ruleFiles ?? [])],
    scrape_configs: o.targets.map((t) => ({ job_name: t.job, static_configs: [{ targets: [t.address] }] })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const logFile = join(dir, 'prometheus.log');
  const proc = spawnToFile(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    logFile,
    'prometheus',
    'prometheus not found: run `bash infra/bootstrap.sh` (Debian package prometheus)',
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcess(proc, 5_000, () => undefined);
    removeTempDir(dir);
  };
  try {
    await waitUntil(() => fetch(`${url}/-/ready`).then((r) => r.ok, () => false), {
      proc,
      timeoutMs: 30_000,
      what: 'prometheus',
      logFile,
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    pid: proc.pid,
    api,
    query: async (promql) => (await api<{ result: PromSample[] }>(`query?query=${encodeURIComponent(promql)}`)).result,
    stop,
  };
}
