// The Kubernetes API as bgpcast uses it: JSON requests and watch streams, authenticated by
// @kubernetes/client-node's KubeConfig (every kubeconfig form it supports: tokens, client
// certificates, exec plugins, in-cluster), over undici as client-node itself does. Errors are
// typed: KubeApiError is an answer from the API server (with its Status: reason, field causes),
// KubeUnreachableError means no answer at all.

import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch, type Dispatcher } from 'undici';

export interface StatusCause {
  readonly field?: string;
  readonly reason?: string;
  readonly message?: string;
}

/** The API server answered with an error Status. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly causes: readonly StatusCause[];

  constructor(code: number, reason: string, message: string, causes: readonly StatusCause[] = []) {
    super(message || `${code} ${reason}`);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.causes = causes;
  }
}

/** No answer from the API server (refused, reset, timed out, DNS). */
export class KubeUnreachableError extends Error {
  constructor(server: string, cause: unknown) {
    super(`the Kubernetes API at ${server} is not reachable (${describeCause(cause)})`);
    this.name = 'KubeUnreachableError';
  }
}

function describeCause(e: unknown): string {
  const err = e as { cause?: { code?: string; message?: string }; code?: string; message?: string; name?: string };
  return err.cause?.code ?? err.code ?? err.cause?.message ?? err.message ?? String(e);
}

/** 410 Gone: the resourceVersion (or continue token) is older than the API server still holds. */
export const isGone = (e: unknown): boolean => e instanceof KubeApiError && e.code === 410;

export interface KubeTarget {
  /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config, or in-cluster. */
  readonly kubeconfig?: string;
  readonly context?: string;
}

export function loadKubeConfig(target: KubeTarget = {}): KubeConfig {
  const kc = new KubeConfig();
  if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
  else kc.loadFromDefault();
  if (target.context) {
    if (!kc.getContextObject(target.context)) throw new Error(`kubeconfig has no context "${target.context}"`);
    kc.setCurrentContext(target.context);
  }
  if (!kc.getCurrentCluster()) throw new Error('kubeconfig names no cluster for the current context');
  return kc;
}

export interface RequestOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  /** Default application/json; server-side apply sends application/apply-patch+yaml (JSON is YAML). */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Default 30 s. */
  readonly timeoutMs?: number;
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: Record<string, unknown>;
}

export class KubeApi {
  readonly server: string;
  readonly context: string;
  private kc: KubeConfig;
  private dispatcher: Dispatcher | undefined;
  /** Where the config came from, to read again after a 401 (credentials rotated). */
  private readonly target: KubeTarget | undefined;
  private reloadedAt = 0;

  constructor(kc: KubeConfig, target?: KubeTarget) {
    this.kc = kc;
    this.target = target;
    this.server = kc.getCurrentCluster()!.server.replace(/\/$/, '');
    this.context = kc.getCurrentContext();
  }

  /** A client that reads the kubeconfig again when the API server answers 401 Unauthorized. */
  static fromTarget(target: KubeTarget = {}): KubeApi {
    return new KubeApi(loadKubeConfig(target), target);
  }

  /** After a 401: the kubeconfig's credentials may have been replaced (at most every 5 s). */
  private reloadCredentials(): void {
    if (!this.target || Date.now() - this.reloadedAt < 5_000) return;
    this.reloadedAt = Date.now();
    try {
      this.kc = loadKubeConfig(this.target);
      this.dispatcher = undefined;
    } catch {
      // Keep the config in hand; the 401 is reported as it is.
    }
  }

  /** Headers (re-evaluated per request: tokens expire) and one connection pool for all requests. */
  private async auth(url: URL, method: HttpMethod): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    const ctx = new RequestContext(url.toString(), method);
    await this.kc.applySecurityAuthentication(ctx);
    this.dispatcher ??= ctx.getDispatcher() as Dispatcher | undefined;
    return { headers: ctx.getHeaders(), dispatcher: this.dispatcher };
  }

  private url(path: string, query: RequestOptions['query'] = {}): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private async send(method: HttpMethod, path: string, opts: RequestOptions, signal: AbortSignal) {
    const url = this.url(path, opts.query);
    const { headers, dispatcher } = await this.auth(url, method);
    try {
      return await fetch(url, {
        method,
        headers: {
          ...headers,
          accept: 'application/json',
          ...(opts.body === undefined ? {} : { 'content-type': opts.contentType ?? 'application/json' }),
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        dispatcher,
        signal,
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new KubeUnreachableError(this.server, e);
    }
  }

  /** One request; the JSON answer, or a thrown KubeApiError / KubeUnreachableError. */
  async request<T = Record<string, unknown>>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const signal = combine(opts.signal, AbortSignal.timeout(opts.timeoutMs ?? 30_000));
    const res = await this.send(method, path, opts, signal);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new KubeUnreachableError(this.server, e);
    }
    if (res.status >= 200 && res.status < 300) return (text ? JSON.parse(text) : {}) as T;
    if (res.status === 401) this.reloadCredentials();
    throw statusError(res.status, text);
  }

  get<T = Record<string, unknown>>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>(HttpMethod.GET, path, opts);
  }

  /**
   * A watch: calls onEvent per event until the server ends the stream (resolves), the signal
   * aborts (resolves), nothing arrives for idleMs (KubeUnreachableError), or the request fails.
   */
  async watch(path: string, query: RequestOptions['query'], onEvent: (e: WatchEvent) => void, signal: AbortSignal, idleMs: number): Promise<void> {
    const local = new AbortController();
    const both = combine(signal, local.signal);
    let idle: NodeJS.Timeout | undefined;
    let timedOut = false;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        timedOut = true;
        local.abort();
      }, idleMs);
    };
    arm();
    try {
      const res = await this.send(HttpMethod.GET, path, { query: { ...query, watch: true } }, both);
      if (res.status === 401) this.reloadCredentials();
      if (res.status !== 200) throw statusError(res.status, await res.text().catch(() => ''));
      const body = Readable.fromWeb(res.body! as never);
      // The abort that ends a watch errors the stream; the loop below has already seen the cause.
      body.on('error', () => undefined);
      const lines = createInterface({ input: body, crlfDelay: Infinity });
      lines.on('error', () => undefined);
      for await (const line of lines) {
        arm();
        if (line.trim() === '') continue;
        onEvent(JSON.parse(line) as WatchEvent);
      }
    } catch (e) {
      if (timedOut) throw new KubeUnreachableError(this.server, new Error(`no data for ${idleMs} ms on a watch`));
      if (signal.aborted) return;
      if (e instanceof KubeApiError || e instanceof KubeUnreachableError) throw e;
      throw new KubeUnreachableError(this.server, e);
    } finally {
      clearTimeout(idle);
      local.abort();
    }
  }
}

function combine(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

export function statusError(code: number, text: string): KubeApiError {
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string; details?: { causes?: StatusCause[] } };
    return new KubeApiError(code, s.reason ?? '', s.message ?? text, s.details?.causes ?? []);
  } catch {
    return new KubeApiError(code, '', text.trim().slice(0, 200) || `HTTP ${code}`);
  }
}
