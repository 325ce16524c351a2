// List, then watch from the listing's resourceVersion, for one kind — client-go's Reflector, kept
// small. client-node's own informer stops for good after most errors and cannot tell its user that
// a relist happened, which the sync markers need; this loop never stops on its own:
//   - any error: wait (doubling, jittered: backoff.ts) and resume — the watch from the last
//     resourceVersion seen, or a new list if none;
//   - 410 Gone (the resourceVersion or a page's continue token is too old): list again at once;
//   - 404 on the list: the kind is not served (its CRD is not installed): end, discovery starts
//     it again once it is;
//   - a watch the server ends (timeoutSeconds) resumes at once, from the last event or bookmark.
// One log line per outage, and one when it ends: no line per retry.

import type { Logger } from '../log.ts';
import type { KubeObject } from '../envelope.ts';
import { isGone, KubeApiError, type KubeApi } from './api.ts';
import { DEFAULT_RECONNECT, reconnectDelayMs, sleep, type ReconnectPolicy } from './backoff.ts';
import { apiVersionOf, collectionPath, type WatchedKind } from './watched-kinds.ts';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ReflectorHandlers<T> {
  /** What is kept of a listed object (page by page: the whole objects of a listing are never all held). */
  keep(object: KubeObject): T;
  /** A full listing, before any event that follows it. */
  onListed(items: T[]): void;
  onEvent(type: ChangeType, object: KubeObject): void;
}

export interface ReflectorOptions {
  readonly api: KubeApi;
  readonly kind: WatchedKind;
  readonly version: string;
  readonly namespace?: string;
  readonly log: Logger;
  readonly pageSize?: number;
  readonly reconnect?: ReconnectPolicy;
  /** Server-side watch timeout, seconds; default a random 5–10 minutes, as client-go. */
  readonly watchTimeoutSeconds?: number;
}

export type ReflectorEnd = 'stopped' | 'not-served';

interface ListResponse {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: Record<string, unknown>[];
}

export async function runReflector<T>(opts: ReflectorOptions, handlers: ReflectorHandlers<T>, signal: AbortSignal): Promise<ReflectorEnd> {
  const { api, kind, version } = opts;
  const path = collectionPath(kind, version, opts.namespace);
  const apiVersion = apiVersionOf(kind.group, version);
  const log = opts.log.child({ kind: kind.kind, version });
  const typed = (o: Record<string, unknown>): KubeObject => ({ ...o, apiVersion, kind: kind.kind }) as KubeObject;
  let resourceVersion = '';
  let failures = 0;
  let outage: string | null = null;

  const list = async (): Promise<void> => {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await api.get<ListResponse>(path, { query: { limit: opts.pageSize ?? 500, continue: cont }, signal, timeoutMs: 60_000 });
      for (const item of page.items ?? []) items.push(handlers.keep(typed(item)));
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? '';
    } while (cont && !signal.aborted);
    if (signal.aborted) return;
    handlers.onListed(items);
    resourceVersion = rv;
    log.debug({ items: items.length, resourceVersion }, 'listed');
  };

  const watch = async (): Promise<void> => {
    const timeout = opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    const query = { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: timeout };
    await api.watch(
      path,
      query,
      (e) => {
        if (e.type === 'ERROR') {
          const s = e.object as { code?: number; reason?: string; message?: string };
          throw new KubeApiError(s.code ?? 500, s.reason ?? '', s.message ?? 'watch error');
        }
        const rv = (e.object['metadata'] as { resourceVersion?: string } | undefined)?.resourceVersion;
        if (e.type !== 'BOOKMARK') handlers.onEvent(e.type, typed(e.object));
        if (rv) resourceVersion = rv;
        recovered();
      },
      signal,
      (timeout + 30) * 1000,
    );
  };

  const recovered = () => {
    failures = 0;
    if (outage !== null) log.info({ after: outage }, 'watching again');
    outage = null;
  };

  while (!signal.aborted) {
    try {
      if (resourceVersion === '') {
        await list();
        recovered();
      }
      await watch();
    } catch (e) {
      if (signal.aborted) break;
      if (isGone(e)) {
        log.info({ resourceVersion }, 'resourceVersion expired (410 Gone): listing again');
        resourceVersion = '';
        if (failures++ === 0) continue;
      } else if (e instanceof KubeApiError && e.code === 404) {
        if (resourceVersion === '') {
          log.info('not served (no CustomResourceDefinition?): waiting for discovery');
          return 'not-served';
        }
        resourceVersion = ''; // the watch is gone: a list tells whether the kind still is
        failures++;
      } else {
        failures++;
      }
      const message = (e as Error).message;
      const delay = reconnectDelayMs(opts.reconnect ?? DEFAULT_RECONNECT, failures);
      if (outage === null) {
        outage = message;
        log.warn({ err: message, code: e instanceof KubeApiError ? e.code : undefined, retryInMs: delay }, 'list/watch failed; retrying with back-off');
      } else {
        log.debug({ err: message, retryInMs: delay, failures }, 'list/watch failed again');
      }
      await sleep(delay, signal);
    }
  }
  return 'stopped';
}
