// What one field manager owns of an object, read from metadata.managedFields as server-side apply
// records it (fieldsV1: `f:<field>` a field, `k:<json>` a list element by its keys, `v:<json>` a
// set element, `i:<n>` an element by index, `.` the node itself; an empty set owns the whole
// value). A writer compares what it would apply with what it owns today, and writes only when they
// differ: fields of other managers never count, and a field it stopped applying still does until
// an apply removes it.

import { createHash } from 'node:crypto';
import { canonicalJson } from './digest.ts';

export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly subresource?: string;
  readonly fieldsV1?: Record<string, unknown>;
}

type FieldSet = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The union of the fieldsV1 of every Apply entry of `manager` on `subresource` ('' = the main resource). */
export function appliedFieldSet(managedFields: readonly ManagedFieldsEntry[] | undefined, manager: string, subresource: string): FieldSet {
  const union: FieldSet = {};
  for (const entry of managedFields ?? []) {
    if (entry.manager !== manager || entry.operation !== 'Apply' || (entry.subresource ?? '') !== subresource) continue;
    merge(union, entry.fieldsV1 ?? {});
  }
  return union;
}

function merge(into: FieldSet, from: FieldSet): void {
  for (const [key, sub] of Object.entries(from)) {
    const mine = into[key];
    if (isObject(mine) && isObject(sub)) merge(mine, sub);
    else into[key] = isObject(sub) ? structuredClone(sub) : {};
  }
}

const ownsWhole = (fields: FieldSet) => Object.keys(fields).length === 0;

/** The parts of `value` that `fields` names; undefined when it names none that exist. */
export function ownedPart(value: unknown, fields: FieldSet): unknown {
  if (ownsWhole(fields)) return value;
  if (Array.isArray(value)) return ownedElements(value, fields);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(fields)) {
    if (!key.startsWith('f:')) continue;
    const name = key.slice(2);
    if (!(name in value)) continue;
    const part = ownedPart(value[name], isObject(sub) ? sub : {});
    if (part !== undefined) out[name] = part;
  }
  return out;
}

function ownedElements(list: readonly unknown[], fields: FieldSet): unknown[] {
  const found: [number, unknown][] = [];
  for (const [key, sub] of Object.entries(fields)) {
    const index = elementIndex(list, key);
    if (index >= 0) found.push([index, ownedPart(list[index], isObject(sub) ? sub : {})]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

function elementIndex(list: readonly unknown[], key: string): number {
  const body = key.slice(2);
  try {
    if (key.startsWith('k:')) {
      const keys = JSON.parse(body) as Record<string, unknown>;
      return list.findIndex((e) => isObject(e) && Object.entries(keys).every(([k, v]) => canonicalJson(e[k]) === canonicalJson(v)));
    }
    if (key.startsWith('v:')) {
      const wanted = canonicalJson(JSON.parse(body));
      return list.findIndex((e) => canonicalJson(e) === wanted);
    }
    if (key.startsWith('i:')) {
      const i = Number(body);
      return Number.isInteger(i) && i < list.length ? i : -1;
    }
  } catch {
    return -1;
  }
  return -1;
}

/** Drops empty objects and lists, recursively: an apply of `status: {}` owns nothing. */
export function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (isObject(value)) {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, prune(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value;
}

/** JSON where objects have sorted keys and lists are sorted too: list-maps compare as sets. */
function unorderedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(unorderedJson).sort().join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${unorderedJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The digest a writer compares: equal for values that differ only in key order, list order or
 * empty objects and lists. None of the lists bgpcast applies means anything by its order (they are
 * list-maps, or counts per family).
 */
export function fieldsDigest(value: unknown): string {
  return createHash('sha256').update(unorderedJson(prune(value) ?? {})).digest('base64url').slice(0, 22);
}

/** An object without apiVersion, kind, metadata.name and metadata.namespace: what an apply sets. */
export function withoutIdentity(object: unknown): Record<string, unknown> {
  if (!isObject(object)) return {};
  const { apiVersion: _a, kind: _k, metadata, ...rest } = object;
  if (!isObject(metadata)) return rest;
  const { name: _n, namespace: _ns, ...meta } = metadata;
  return Object.keys(meta).length === 0 ? rest : { ...rest, metadata: meta };
}

/** What `manager` owns of `object` through Apply on `subresource`, without identity fields. */
export function ownedByApply(object: { metadata?: { managedFields?: readonly ManagedFieldsEntry[] } }, manager: string, subresource: string): unknown {
  const fields = appliedFieldSet(object.metadata?.managedFields, manager, subresource);
  if (ownsWhole(fields)) return {};
  return withoutIdentity(prune(ownedPart(object, fields)) ?? {});
}
