// `apply -f` / `delete -f` through the API server, as `kubectl apply --server-side` and `kubectl
// delete -f` do: server-side apply under the field manager "bgpcast" (fields set by others stay
// theirs). A dry run of every object goes first, so a refusal of any object leaves the cluster as
// it was — the same all-or-nothing as the file validation before it. The `status` of a Node or a
// Service in the file is applied through the status subresource (kubectl leaves it out): their
// addresses and load-balancer IPs are what bgpcast reads of them.

import { HttpMethod } from '@kubernetes/client-node';
import type { SourcedObject } from '../file-source.ts';
import { objectKey } from '../object-key.ts';
import { identityOf } from '../envelope.ts';
import { splitApiVersion } from '../kinds.ts';
import { KubeApiError, type KubeApi } from './api.ts';
import { collectionPath, watchedKinds } from './watched-kinds.ts';

export const FIELD_MANAGER = 'bgpcast';

export interface ObjectOutcome {
  readonly object: SourcedObject;
  /** null: done. */
  readonly error: KubeApiError | null;
}

/** The object's path, e.g. /api/v1/namespaces/default/services/web. */
export function objectPath(o: SourcedObject['manifest']): string {
  const { group, version } = splitApiVersion(o.apiVersion);
  const kind = watchedKinds.find((k) => k.kind === o.kind && k.group === group);
  if (!kind) throw new Error(`${o.apiVersion} ${o.kind} is not a kind bgpcast consumes`);
  const ns = kind.namespaced ? (o.metadata.namespace ?? 'default') : undefined;
  return `${collectionPath(kind, version, ns)}/${encodeURIComponent(o.metadata.name)}`;
}

/** Kinds whose status bgpcast reads (Node addresses, Service load-balancer IPs): applied too. */
const STATUS_READ = new Set(['Node', 'Service']);

const applyQuery = (dryRun: boolean) => ({ fieldManager: FIELD_MANAGER, ...(dryRun ? { dryRun: 'All' } : {}) });

async function each(objects: readonly SourcedObject[], act: (o: SourcedObject) => Promise<void>): Promise<ObjectOutcome[]> {
  const out: ObjectOutcome[] = [];
  for (const object of objects) {
    try {
      await act(object);
      out.push({ object, error: null });
    } catch (e) {
      if (!(e instanceof KubeApiError)) throw e; // unreachable: the caller stops everything
      out.push({ object, error: e });
    }
  }
  return out;
}

/** Server-side apply of every object (and of its status, when the file has one). */
export function applyObjects(api: KubeApi, objects: readonly SourcedObject[], dryRun: boolean): Promise<ObjectOutcome[]> {
  return each(objects, async ({ manifest }) => {
    const { status, ...rest } = manifest as typeof manifest & { status?: unknown };
    const path = objectPath(manifest);
    const opts = { query: applyQuery(dryRun), contentType: 'application/apply-patch+yaml' };
    await api.request(HttpMethod.PATCH, path, { ...opts, body: rest });
    // A dry run of the status would find no object to patch when the object is new.
    if (status !== undefined && !dryRun && STATUS_READ.has(manifest.kind)) {
      const body = { apiVersion: manifest.apiVersion, kind: manifest.kind, metadata: { name: manifest.metadata.name, namespace: manifest.metadata.namespace }, status };
      await api.request(HttpMethod.PATCH, `${path}/status`, { ...opts, body });
    }
  });
}

export function deleteObjects(api: KubeApi, objects: readonly SourcedObject[]): Promise<ObjectOutcome[]> {
  return each(objects, async ({ manifest }) => {
    await api.request(HttpMethod.DELETE, objectPath(manifest));
  });
}

/** FILE:LINE: Kind[.group]/[ns/]name: the API server's message (it names the field). */
export function describeOutcome(o: ObjectOutcome): string {
  const { file, line, manifest } = o.object;
  return `${file}:${line}: ${objectKey(identityOf(manifest))}: ${o.error?.message ?? 'ok'}`;
}
