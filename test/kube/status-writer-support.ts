// Helpers for the status writer's tests against the real API server: a world in a fresh Redis
// keyspace, folded by the real functions handler from the objects as the API server returns them
// (uid, generation, creationTimestamp included), a speaker's report written as a speaker writes
// it, and an in-process status writer whose API writes are counted.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { HttpMethod } from '@kubernetes/client-node';
import type { Redis } from 'ioredis';
import { nodeKeys, speakersKey, storeKeys, STATUS_FIELDS } from '../../events/redis-keys.ts';
import type { PeerReport, PeersDocument } from '../../events/speaker-status.ts';
import type { KubeApi } from '../../events/kube/api.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { StatusWriter, type StatusWriterMetrics, type StatusWriterOptions } from '../../functions/status-writer/status-writer.ts';
import { captureLog, sequencer } from '../integration/functions-support.ts';
import { create, unique } from './watch-support.ts';

export const cilium = (plural: string, name?: string, status = false) => `/apis/cilium.io/v2/${plural}${name ? `/${name}` : ''}${status ? '/status' : ''}`;

export interface KubeObjectLike {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; ownerReferences?: { uid: string; name: string; controller?: boolean }[]; managedFields?: { manager: string }[] };
  spec?: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime: string }[]; bgpInstances?: unknown[] };
}

/** The functions' world in a fresh keyspace: what `fold` is given is what the watcher would deliver. */
export function freshWorld(redis: Redis) {
  const prefix = `sw-${randomUUID().slice(0, 8)}`;
  const handler = createFunctionsHandler({ redis, keys: storeKeys(prefix), log: captureLog('error').log });
  const seq = sequencer();
  return {
    prefix,
    async fold(...objects: object[]): Promise<void> {
      await handler.process(objects.map((o) => seq(o as Record<string, unknown>)));
    },
    async remove(...objects: object[]): Promise<void> {
      await handler.process(objects.map((o) => seq(o as Record<string, unknown>, 'deleted')));
    },
  };
}

export interface CountedWrites {
  /** kind op outcome → count */
  readonly counts: Map<string, number>;
  total(filter?: (key: string) => boolean): number;
}

export function countingMetrics(): StatusWriterMetrics & CountedWrites {
  const counts = new Map<string, number>();
  return {
    counts,
    total: (filter = () => true) => [...counts].filter(([k]) => filter(k)).reduce((n, [, c]) => n + c, 0),
    write: (kind, op, outcome) => counts.set(`${kind} ${op} ${outcome}`, (counts.get(`${kind} ${op} ${outcome}`) ?? 0) + 1),
    round: () => undefined,
    conflicts: () => undefined,
  };
}

export function startWriter(api: KubeApi, redis: Redis, prefix: string, extra: Partial<StatusWriterOptions> = {}) {
  const { log, lines } = captureLog('debug');
  const metrics = countingMetrics();
  const writer = new StatusWriter({ api, redis, redisUrl: inject('redisUrl'), prefix, log, metrics, resyncMs: 60_000, ...extra });
  writer.start();
  return { writer, metrics, lines, stop: () => writer.stop() };
}

export async function createObject(api: KubeApi, plural: string, body: Record<string, unknown>): Promise<KubeObjectLike> {
  return (await create(api, cilium(plural), body)) as unknown as KubeObjectLike;
}

export async function getObject(api: KubeApi, plural: string, name: string): Promise<KubeObjectLike | null> {
  try {
    return await api.get<KubeObjectLike>(cilium(plural, name));
  } catch (e) {
    if ((e as { code?: number }).code === 404) return null;
    throw e;
  }
}

export async function replaceSpec(api: KubeApi, plural: string, name: string, spec: Record<string, unknown>): Promise<KubeObjectLike> {
  return api.request<KubeObjectLike>(HttpMethod.PATCH, cilium(plural, name), { body: [{ op: 'replace', path: '/spec', value: spec }], contentType: 'application/json-patch+json' });
}

/** A Node as the world holds it (the status writer reads Nodes from the world only). */
export const worldNode = (name: string, labels: Record<string, string>, ip: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  status: { addresses: [{ type: 'InternalIP', address: ip }] },
});

export { peerReport } from '../support/speaker-report.ts';

/** Writes a node's report as the speaker does (status hash, heartbeat), and announces it. */
export async function writeReport(redis: Redis, prefix: string, node: string, peers: PeerReport[], errors: PeersDocument['errors'] = []): Promise<void> {
  const keys = nodeKeys(prefix, node);
  const doc: PeersDocument = { node, revision: 1, peers, errors };
  const now = new Date().toISOString();
  await redis
    .multi()
    .hset(keys.status, STATUS_FIELDS.peers, JSON.stringify(doc), STATUS_FIELDS.updatedAt, now, STATUS_FIELDS.heartbeatMs, '5000', STATUS_FIELDS.revision, '1')
    .zadd(speakersKey(prefix), Date.now(), node)
    .publish(keys.statusChanged, '1')
    .exec();
}

export const conditionOf = (o: KubeObjectLike | null, type: string) => o?.status?.conditions?.find((c) => c.type === type);

/** A ClusterConfig selecting one new node, both folded into a fresh world. */
export async function clusterWithNode(api: KubeApi, redis: Redis, ip: string) {
  const world = freshWorld(redis);
  const label = unique('sel');
  const cc = await createObject(api, 'ciliumbgpclusterconfigs', {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPClusterConfig',
    metadata: { name: unique('cc') },
    spec: { nodeSelector: { matchLabels: { bgp: label } }, bgpInstances: [{ name: 'i1', localASN: 64512 }] },
  });
  const node = unique('n');
  await world.fold(cc, worldNode(node, { bgp: label }, ip));
  return { world, label, node, cc };
}
