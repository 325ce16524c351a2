// From an object key (events/object-key.ts: Kind[.group]/[namespace/]name) back to the reference
// the world view deletes by. Kubernetes names and namespaces never contain "/".

import type { ObjectRef } from '../model/world.ts';

export function refFromKey(key: string): ObjectRef | null {
  const parts = key.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) return null;
  const qualified = parts[0]!;
  const dot = qualified.indexOf('.');
  const kind = dot < 0 ? qualified : qualified.slice(0, dot);
  return parts.length === 3
    ? { kind, namespace: parts[1]!, name: parts[2]! }
    : { kind, namespace: null, name: parts[1]! };
}

/** "Kind[.group]" from an apiVersion and kind: the prefix of that kind's object keys. */
export function qualifiedKind(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return group ? `${kind}.${group}` : kind;
}
