// The digest of a projection: equal exactly when the functions would read the same thing. The
// resourceVersion is left out (it changes with every write, relevant or not); the uid stays in,
// so an object deleted and created again with the same content is published once more.

import { createHash } from 'node:crypto';
import type { KubeObject } from '../envelope.ts';

/** JSON with object keys sorted at every level: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function projectionDigest(projected: KubeObject): string {
  const { resourceVersion: _rv, ...metadata } = projected.metadata as Record<string, unknown>;
  return createHash('sha256').update(canonicalJson({ ...projected, metadata })).digest('base64url').slice(0, 22);
}
