// What of an object is allowed onto the events topic. Kafka keeps the topic as the audit log, so
// nothing secret may reach it: a Secret travels as a reference (its name, namespace, labels, type
// and the names of its keys), never its values. managedFields are dropped from every object: they
// are bookkeeping of the API server, large, and no bgpcast rule reads them.

import type { KubeObject } from './envelope.ts';

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

export function sanitizeObject(object: KubeObject): KubeObject {
  const { managedFields: _managed, ...metadata } = object.metadata as Record<string, unknown> & KubeObject['metadata'];
  if (object.kind !== 'Secret' || object.apiVersion !== 'v1') return { ...object, metadata };

  // The last-applied annotation of a Secret holds its data in clear.
  const annotations = { ...((metadata['annotations'] as Record<string, string> | undefined) ?? {}) };
  delete annotations[lastApplied];
  const { data, stringData, dataKeys, ...rest } = object as Record<string, unknown>;
  // Idempotent: an object sanitized before (a consumer sanitizes again) keeps its key names.
  const keys = new Set([
    ...(Array.isArray(dataKeys) ? dataKeys.filter((k): k is string => typeof k === 'string') : []),
    ...Object.keys((data as object | undefined) ?? {}),
    ...Object.keys((stringData as object | undefined) ?? {}),
  ]);
  return {
    ...(rest as KubeObject),
    metadata: Object.keys(annotations).length ? { ...metadata, annotations } : withoutAnnotations(metadata),
    dataKeys: [...keys].sort(),
  };
}

function withoutAnnotations<T extends Record<string, unknown>>(m: T): T {
  const { annotations: _a, ...rest } = m;
  return rest as T;
}
