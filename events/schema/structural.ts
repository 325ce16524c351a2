// Kubernetes structural schemas (the openAPIV3Schema of a CRD), applied as the API server applies
// them to a server-side apply: defaults are filled in, then every node is checked — type (null
// only where nullable), enum, range, length, pattern, format, required fields, unknown fields
// (server-side apply refuses them, except anywhere below x-kubernetes-preserve-unknown-fields),
// item counts, list-map keys and sets, and the CEL rules (x-kubernetes-validations, cel-rules.ts).
// Every problem is reported, each with its field path. Pure: the schemas come in. The API server's
// answers to a corpus of objects hold this to it (test/kube/apply-validation.test.ts).
//
// What the API server checks on metadata (names, labels, annotations) is object-meta.ts.

import { isIPv6 } from 'node:net';
import type { CelRule } from './cel-rules.ts';
import { checkCelRules } from './cel-rules.ts';

export interface StructuralSchema {
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly properties?: Readonly<Record<string, StructuralSchema>>;
  readonly additionalProperties?: StructuralSchema | boolean;
  readonly items?: StructuralSchema;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly format?: string;
  readonly nullable?: boolean;
  readonly default?: unknown;
  readonly description?: string;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
}

export type FieldPath = readonly (string | number)[];

export interface SchemaIssue {
  /** Where, as keys and indexes from the object's root. */
  readonly path: FieldPath;
  readonly message: string;
}

/** "spec.bgpInstances[0].peers[1].peerAddress"; "(root)" for the object itself. */
export function pathText(path: FieldPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '(root)' : out;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The value as the API server validates it: defaults filled in where the parent object exists
 * (structural defaulting), a null standing for a field that has a default (and is not nullable)
 * included. A new value.
 */
export function prepareValue(value: unknown, schema: StructuralSchema): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => prepareValue(v, schema.items!)) : value;
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (v === null && sub !== undefined && !sub.nullable && sub.default !== undefined) continue; // defaulted below
    out[k] = sub ? prepareValue(v, sub) : v;
  }
  for (const [k, sub] of Object.entries(schema.properties ?? {})) {
    if (!(k in out) && sub.default !== undefined) out[k] = prepareValue(structuredClone(sub.default), sub);
  }
  return out;
}

/** Every problem of `value` against `schema` (already prepared: prepareValue). */
export function checkValue(value: unknown, schema: StructuralSchema, path: FieldPath = []): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  walk(value, schema, path, issues, false);
  return issues;
}

/** `open`: a node above preserves unknown fields, so none is refused down here. */
function walk(value: unknown, s: StructuralSchema, path: FieldPath, issues: SchemaIssue[], open: boolean): void {
  open ||= s['x-kubernetes-preserve-unknown-fields'] === true;
  const add = (message: string, at: FieldPath = path) => issues.push({ path: at, message });
  if (value === null) {
    if (!s.nullable && s.type !== undefined) add(`must be ${article(s)}, not null`);
    return;
  }
  if (s['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) add(`must be an integer or a string, not ${typeName(value)}`);
    return;
  }
  if (s.type !== undefined && !hasType(value, s.type)) {
    add(`must be ${article(s)}, not ${typeName(value)}`);
    return;
  }
  const before = issues.length;
  if (s.enum !== undefined && !s.enum.some((e) => e === value)) {
    add(`must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}, not ${show(value)}`);
  }
  if (typeof value === 'number') checkNumber(value, s, add);
  if (typeof value === 'string') checkString(value, s, add);
  if (Array.isArray(value)) checkArray(value, s, path, issues, add, open);
  if (isObject(value)) checkObject(value, s, path, issues, add, open);
  // CEL rules see a node whose own schema holds; on a broken one they would only add noise.
  if (issues.length === before && s['x-kubernetes-validations']?.length) {
    for (const i of checkCelRules(value as Json, s, s['x-kubernetes-validations'])) add(i.message, [...path, ...i.path]);
  }
}

function checkNumber(v: number, s: StructuralSchema, add: (m: string) => void): void {
  if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
    add(`must be ${s.exclusiveMinimum ? 'greater than' : 'at least'} ${s.minimum}, not ${v}`);
  }
  if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
    add(`must be ${s.exclusiveMaximum ? 'less than' : 'at most'} ${s.maximum}, not ${v}`);
  }
}

/** Patterns are checked as JavaScript regular expressions, which agree with Go's RE2 on the CRDs' patterns. */
const patterns = new Map<string, RegExp>();

function checkString(v: string, s: StructuralSchema, add: (m: string) => void): void {
  // Lengths in characters (code points), as Go's utf8.RuneCountInString.
  const length = [...v].length;
  if (s.minLength !== undefined && length < s.minLength) add(s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters, not ${length}`);
  if (s.maxLength !== undefined && length > s.maxLength) add(`must be at most ${s.maxLength} characters, not ${length}`);
  if (s.pattern !== undefined) {
    let re = patterns.get(s.pattern);
    if (!re) patterns.set(s.pattern, (re = new RegExp(s.pattern, 'u')));
    if (!re.test(v)) add(`${show(v)} does not match ${s.pattern.length > 60 ? `${s.pattern.slice(0, 57)}…` : s.pattern}`);
  }
  const format = s.format === undefined ? undefined : FORMATS[s.format];
  if (format && !format.test(v)) add(`${show(v)} is not ${format.what}`);
}

function checkArray(v: readonly unknown[], s: StructuralSchema, path: FieldPath, issues: SchemaIssue[], add: (m: string, at?: FieldPath) => void, open: boolean): void {
  if (s.minItems !== undefined && v.length < s.minItems) add(s.minItems === 1 ? 'must have at least 1 item' : `must have at least ${s.minItems} items, not ${v.length}`);
  if (s.maxItems !== undefined && v.length > s.maxItems) add(`must have at most ${s.maxItems} items, not ${v.length}`);
  if (s.items) v.forEach((item, i) => walk(item, s.items!, [...path, i], issues, open));
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    const seen = new Set<string>();
    v.forEach((item, i) => {
      const key = JSON.stringify(item);
      if (seen.has(key)) add(`duplicate value ${show(item)}`, [...path, i]);
      seen.add(key);
    });
  }
  if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (!isObject(item)) return;
      const id = JSON.stringify(keys.map((k) => item[k] ?? null));
      if (seen.has(id)) add(`duplicate entry with ${keys.map((k) => `${k}=${show(item[k] ?? null)}`).join(', ')}`, [...path, i]);
      seen.add(id);
    });
  }
}

function checkObject(v: Record<string, unknown>, s: StructuralSchema, path: FieldPath, issues: SchemaIssue[], add: (m: string, at?: FieldPath) => void, open: boolean): void {
  for (const name of s.required ?? []) if (!(name in v)) add('required', [...path, name]);
  const count = Object.keys(v).length;
  if (s.minProperties !== undefined && count < s.minProperties) add(`must have at least ${s.minProperties} fields, not ${count}`);
  if (s.maxProperties !== undefined && count > s.maxProperties) add(`must have at most ${s.maxProperties} fields, not ${count}`);
  for (const [k, sub] of Object.entries(v)) {
    const declared = s.properties?.[k];
    if (declared) walk(sub, declared, [...path, k], issues, open);
    else if (typeof s.additionalProperties === 'object') walk(sub, s.additionalProperties, [...path, k], issues, open);
    else if (s.additionalProperties !== true && !open && !s['x-kubernetes-embedded-resource']) {
      add('unknown field', [...path, k]);
    }
  }
}

function hasType(v: unknown, type: NonNullable<StructuralSchema['type']>): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
  }
}

function article(s: StructuralSchema): string {
  const names = { object: 'an object', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false' };
  return s.type ? names[s.type] : 'a value';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'string') return `the string ${show(v)}`;
  if (typeof v === 'boolean') return String(v);
  return 'an object';
}

/** A value in a message: JSON, cut at 60 characters. */
function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

const ipv4Sloppy = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The string formats the API server checks (kube-openapi's strfmt) that our schemas use. ipv4 is
 * Kubernetes' reading of it: an address that parses (leading zeros allowed) and has a dot in it.
 */
const FORMATS: Readonly<Record<string, { what: string; test: (v: string) => boolean }>> = {
  ipv4: {
    what: 'an IPv4 address',
    test: (v) => {
      const m = ipv4Sloppy.exec(v);
      if (m) return m.slice(1).every((p) => Number(p) <= 255);
      return v.includes('.') && isIPv6(v);
    },
  },
  byte: {
    what: 'base64',
    test: (v) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  },
  'date-time': {
    what: 'an RFC 3339 date and time',
    test: (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  },
};
