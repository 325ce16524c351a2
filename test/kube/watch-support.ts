// Helpers for the watcher's tests against the real API server: an in-process watcher on a fresh
// topic and Redis prefix, the topic's records, and object writes through the admin kubeconfig.
import { randomUUID } from 'node:crypto';
import { HttpMethod } from '@kubernetes/client-node';
import type { Kafka } from 'kafkajs';
import { inject } from 'vitest';
import type { ConsumedEvent } from '../../events/bus.ts';
import type { EventEnvelope, KubeObject } from '../../events/envelope.ts';
import { KubeApi, loadKubeConfig } from '../../events/kube/api.ts';
import { CheckpointStore } from '../../events/kube/checkpoint-store.ts';
import { KubeWatcher, type WatcherOptions } from '../../events/kube/watcher.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { readEvents } from '../../events/kafka/reader.ts';
import { watchCheckpointKey } from '../../events/redis-keys.ts';
import { objectKey } from '../../events/object-key.ts';
import { foldEvent, foldIntoWorld } from '../../functions/store/fold.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import type { Redis } from 'ioredis';
import { captureLog, nameStore } from '../integration/functions-support.ts';

export function adminApi(kubeconfig = inject('kubeconfigPath')): KubeApi {
  return new KubeApi(loadKubeConfig({ kubeconfig }));
}

export const unique = (stem: string) => `${stem}-${randomUUID().slice(0, 6)}`;

export interface TestWatcher {
  readonly watcher: KubeWatcher;
  readonly lines: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startWatcher(opts: {
  kafka: Kafka;
  topic: string;
  redis: Redis;
  prefix: string;
  source: string;
  api?: KubeApi;
  extra?: Partial<WatcherOptions>;
}): Promise<TestWatcher> {
  const publisher = new KafkaEventPublisher(opts.kafka, opts.topic);
  const { log, lines } = captureLog('debug');
  const watcher = new KubeWatcher({
    api: opts.api ?? adminApi(),
    publisher,
    checkpoint: new CheckpointStore(opts.redis, watchCheckpointKey(opts.prefix, opts.source)),
    source: opts.source,
    secretsNamespace: 'kube-system',
    log,
    discoveryIntervalMs: 300,
    ...opts.extra,
  });
  await watcher.start();
  return {
    watcher,
    lines,
    async stop() {
      await watcher.stop();
      await publisher.close();
    },
  };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const synced = (w: TestWatcher) => until('the watcher to sync', () => w.watcher.status().synced);

/** Every record of the topic so far, in partition order. */
export async function records(kafka: Kafka, topic: string): Promise<ConsumedEvent[]> {
  const out: ConsumedEvent[] = [];
  await readEvents(kafka, { topic, fromBeginning: true, follow: false, onEvent: (e) => out.push(e), onPoison: (p) => { throw p.error; } });
  return out;
}

const at = (r: ConsumedEvent) => `${r.partition}:${r.offset}`;

/** The records of `all` that `before` did not have (partitions interleave differently per read). */
export function newRecords(before: readonly ConsumedEvent[], all: readonly ConsumedEvent[]): ConsumedEvent[] {
  const seen = new Set(before.map(at));
  return all.filter((r) => !seen.has(at(r)));
}

export const objectRecords = (all: readonly ConsumedEvent[], key: string) =>
  all.filter((r) => r.envelope.type !== 'synced' && objectKey(r.envelope) === key).map((r) => r.envelope as Extract<EventEnvelope, { type: 'added' | 'modified' | 'deleted' }>);

/** Waits until the topic holds a record that `match` accepts; returns all records then. */
export async function awaitRecord(kafka: Kafka, topic: string, what: string, match: (e: EventEnvelope) => boolean): Promise<ConsumedEvent[]> {
  return until(what, async () => {
    const all = await records(kafka, topic);
    return all.some((r) => match(r.envelope)) ? all : undefined;
  });
}

/** The functions' fold of every record, partition by partition, into a fresh world in Redis. */
export async function foldAll(redis: Redis, keys: StoreKeys, all: readonly ConsumedEvent[]): Promise<{ swept: number }> {
  let swept = 0;
  for (const partition of new Set(all.map((r) => r.partition))) {
    const folds = all.filter((r) => r.partition === partition).map(foldEvent).filter((f) => f !== null);
    for (let i = 0; i < folds.length; i += 500) swept += (await foldIntoWorld(redis, keys, await nameStore(redis, keys), folds.slice(i, i + 500), [], null)).swept;
  }
  return { swept };
}

// Writes through the admin kubeconfig.
const core = (plural: string, ns?: string) => (ns ? `/api/v1/namespaces/${ns}/${plural}` : `/api/v1/${plural}`);
export const paths = {
  nodes: core('nodes'),
  services: (ns: string) => core('services', ns),
  secrets: (ns: string) => core('secrets', ns),
  slices: (ns: string) => `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
  cilium: (plural: string, version = 'v2') => `/apis/cilium.io/${version}/${plural}`,
  namespaces: core('namespaces'),
};

export async function create(api: KubeApi, collection: string, object: Record<string, unknown>): Promise<KubeObject> {
  return api.request<KubeObject>(HttpMethod.POST, collection, { body: object });
}

export async function mergePatch(api: KubeApi, path: string, patch: unknown): Promise<KubeObject> {
  return api.request<KubeObject>(HttpMethod.PATCH, path, { body: patch, contentType: 'application/merge-patch+json' });
}

export async function remove(api: KubeApi, path: string): Promise<void> {
  await api.request(HttpMethod.DELETE, path);
}

export async function namespace(api: KubeApi, name: string): Promise<string> {
  await create(api, paths.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}
