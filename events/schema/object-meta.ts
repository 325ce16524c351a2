// What the API server checks in an object's metadata before its schema: the name (a DNS-1123
// subdomain; a Service's a DNS-1035 label), the namespace (a DNS-1123 label), label keys and
// values, annotation keys and their total size, and the types of the ObjectMeta fields a manifest
// may carry (server-side apply refuses a field ObjectMeta does not have). Pure.

import type { FieldPath, SchemaIssue } from './structural.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** The most annotations an object may carry, keys and values together (apimachinery's TotalAnnotationSizeLimitB). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** ObjectMeta's fields and the JSON type each has; anything else is refused. */
const OBJECT_META: Readonly<Record<string, 'string' | 'integer' | 'object' | 'array'>> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'integer',
  creationTimestamp: 'string',
  deletionTimestamp: 'string',
  deletionGracePeriodSeconds: 'integer',
  labels: 'object',
  annotations: 'object',
  ownerReferences: 'array',
  finalizers: 'array',
  managedFields: 'array',
};

export type NameRule = 'dns1123-subdomain' | 'dns1035-label';

export function isDnsLabel(v: string): boolean {
  return v.length <= 63 && DNS1123_LABEL.test(v);
}

export function isDnsSubdomain(v: string): boolean {
  return v.length <= 253 && DNS1123_SUBDOMAIN.test(v);
}

/** A label or annotation key: [prefix/]name, the prefix a DNS subdomain, the name at most 63 characters. */
export function qualifiedNameProblem(key: string): string | null {
  const parts = key.split('/');
  if (parts.length > 2) return 'has more than one "/"';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  if (prefix !== undefined && (prefix === '' || !isDnsSubdomain(prefix))) return 'has a prefix that is not a DNS subdomain (lower case)';
  if (name === undefined || name === '') return 'has an empty name part';
  if (name.length > 63) return 'has a name part longer than 63 characters';
  if (!QUALIFIED_NAME_PART.test(name)) return 'has a name part that is not alphanumerics, "-", "_" or "." starting and ending with an alphanumeric';
  return null;
}

export function checkObjectMeta(metadata: unknown, nameRule: NameRule): SchemaIssue[] {
  const at = (...p: (string | number)[]): FieldPath => ['metadata', ...p];
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return [{ path: at(), message: 'required, an object' }];
  const m = metadata as Record<string, unknown>;
  const issues: SchemaIssue[] = [];
  const add = (path: FieldPath, message: string) => issues.push({ path, message });
  for (const [k, v] of Object.entries(m)) {
    const type = OBJECT_META[k];
    if (type === undefined) add(at(k), 'unknown field');
    else if (v !== null && !hasJsonType(v, type)) add(at(k), `must be ${type === 'integer' ? 'an integer' : type === 'array' ? 'a list' : `a${type === 'object' ? 'n' : ''} ${type}`}`);
  }
  const name = m['name'];
  if (typeof name !== 'string' || name === '') add(at('name'), 'required');
  else if (nameRule === 'dns1035-label' ? !(name.length <= 63 && DNS1035_LABEL.test(name)) : !isDnsSubdomain(name)) {
    add(at('name'), nameRule === 'dns1035-label'
      ? `"${name}" is not a DNS-1035 label (lower-case letters, digits and "-", starting with a letter, at most 63 characters)`
      : `"${name}" is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters)`);
  }
  const ns = m['namespace'];
  if (typeof ns === 'string' && !isDnsLabel(ns)) add(at('namespace'), `"${ns}" is not a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)`);
  const labels = m['labels'];
  if (isPlainObject(labels)) {
    for (const [k, v] of Object.entries(labels)) {
      const problem = qualifiedNameProblem(k);
      if (problem) add(at('labels', k), `the key ${problem}`);
      if (v === null) continue; // server-side apply: remove the label
      if (typeof v !== 'string') add(at('labels', k), 'must be a string');
      else if (v.length > 63 || !LABEL_VALUE.test(v)) add(at('labels', k), `"${v}" is not a label value (at most 63 alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric)`);
    }
  }
  const annotations = m['annotations'];
  if (isPlainObject(annotations)) {
    let bytes = 0;
    for (const [k, v] of Object.entries(annotations)) {
      const problem = qualifiedNameProblem(k.toLowerCase());
      if (problem) add(at('annotations', k), `the key ${problem}`);
      if (v === null) continue; // server-side apply: remove the annotation
      if (typeof v !== 'string') add(at('annotations', k), 'must be a string');
      else bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    if (bytes > ANNOTATIONS_MAX_BYTES) add(at('annotations'), `${bytes} bytes in all; at most ${ANNOTATIONS_MAX_BYTES}`);
  }
  return issues;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasJsonType(v: unknown, type: 'string' | 'integer' | 'object' | 'array'): boolean {
  if (type === 'string') return typeof v === 'string';
  if (type === 'integer') return typeof v === 'number' && Number.isInteger(v);
  if (type === 'array') return Array.isArray(v);
  return isPlainObject(v);
}
