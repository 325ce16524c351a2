// The clusterless source: Kubernetes YAML files (`bgpcast apply -f` / `delete -f`), read and
// validated as a whole before anything is published. A file with invalid YAML or an invalid object
// fails the command, naming the file and the line of each problem: a YAML error's own line, an
// invalid field's line (schema/validate.ts: what the API server would refuse); binary data is one
// line. Unknown kinds are warnings.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { lookupKind } from './kinds.ts';
import { kindSchema, validateObject } from './schema/validate.ts';
import { isDnsSubdomain } from './schema/object-meta.ts';
import { pathText } from './schema/structural.ts';
import type { FieldPath } from './schema/structural.ts';
import { sanitizeObject } from './sanitize.ts';
import type { KubeObject } from './envelope.ts';

export interface SourcedObject {
  /** As it may be published: sanitized (sanitize.ts). */
  readonly object: KubeObject;
  /** As written (namespace defaulted), Secret data included: only for the API server. */
  readonly manifest: KubeObject;
  readonly file: string;
  /** 1-based line where the object's document starts. */
  readonly line: number;
}

export interface FileProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface ReadResult {
  readonly objects: SourcedObject[];
  readonly warnings: FileProblem[];
}

export class InvalidFileError extends Error {
  readonly problems: FileProblem[];

  constructor(problems: FileProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
    this.name = 'InvalidFileError';
    this.problems = problems;
  }
}

const manifestFile = /\.(ya?ml|json)$/i;

/** The files `-f PATH` names: PATH itself, or a directory's manifest files in name order. */
export async function manifestFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => manifestFile.test(n)).sort();
  return names.map((n) => join(path, n));
}

/** Reads every file named by the paths; throws InvalidFileError listing every problem found. */
export async function readManifests(paths: readonly string[]): Promise<ReadResult> {
  const objects: SourcedObject[] = [];
  const warnings: FileProblem[] = [];
  const errors: FileProblem[] = [];
  for (const path of paths) {
    for (const file of await manifestFiles(path)) {
      const r = parseManifestBytes(await readFile(file), file);
      objects.push(...r.objects);
      warnings.push(...r.warnings);
      errors.push(...r.errors);
    }
  }
  if (errors.length > 0) throw new InvalidFileError(errors);
  return { objects, warnings };
}

/** YAML errors shown per file; the rest are counted (random text makes hundreds). */
const MAX_YAML_ERRORS = 5;

/** A file's bytes: text when it is UTF-8 without NUL bytes, otherwise one problem. */
export function parseManifestBytes(bytes: Uint8Array, file: string): ReadResult & { errors: FileProblem[] } {
  let text: string | undefined;
  if (!bytes.includes(0)) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = undefined;
    }
  }
  if (text === undefined) return { objects: [], warnings: [], errors: [{ file, line: 1, message: 'not YAML or JSON (binary data)' }] };
  return parseManifest(text, file);
}

export function parseManifest(
  text: string,
  file: string,
): ReadResult & { errors: FileProblem[] } {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const out = { objects: [] as SourcedObject[], warnings: [] as FileProblem[], errors: [] as FileProblem[] };
  if (!Array.isArray(docs)) return out; // an empty stream
  let yamlErrors = 0;
  docs.forEach((doc, index) => {
    const line = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    for (const e of doc.errors) {
      if (++yamlErrors > MAX_YAML_ERRORS) continue;
      out.errors.push({ file, line: lines.linePos(e.pos[0]).line, message: `invalid YAML: ${shorten(e.message.split('\n')[0]!)}` });
    }
    if (doc.errors.length > 0) return;
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document, e.g. a trailing ---
    const listed = isList(value);
    (listed ? (value as { items: unknown[] }).items : [value]).forEach((item, i) => {
      const prefix: FieldPath = listed ? ['items', i] : [];
      const lineOf = (path: FieldPath) => lineOfPath(doc, [...prefix, ...path], lines) ?? line;
      const checked = checkObject(item, index + 1);
      if ('error' in checked) out.errors.push({ file, line: lineOf([]), message: checked.error });
      else if ('warning' in checked) out.warnings.push({ file, line: lineOf([]), message: checked.warning });
      else if (checked.issues.length > 0) {
        for (const issue of checked.issues) out.errors.push({ file, line: lineOf(issue.path), message: `${checked.label}: ${pathText(issue.path)}: ${issue.message}` });
      } else out.objects.push({ object: sanitizeObject(checked.object), manifest: checked.object, file, line: lineOf([]) });
    });
  });
  if (yamlErrors > MAX_YAML_ERRORS) {
    out.errors.push({ file, line: out.errors.at(-1)?.line ?? 1, message: `and ${yamlErrors - MAX_YAML_ERRORS} more YAML errors` });
  }
  return out;
}

function shorten(message: string): string {
  return message.length > 200 ? `${message.slice(0, 197)}…` : message;
}

/**
 * The line of the field at `path` in the document: its key's line, or the item's; for a field
 * that is missing, its nearest parent's. Undefined when the document holds no such node.
 */
export function lineOfPath(doc: Document, path: FieldPath, lines: LineCounter): number | undefined {
  let node: unknown = doc.contents;
  let at: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === step);
      if (!pair) break;
      at = (pair.key as { range?: [number] } | null)?.range?.[0] ?? at;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number' && node.items[step] !== undefined) {
      node = node.items[step];
      at = (node as { range?: [number] } | null)?.range?.[0] ?? at;
    } else break;
  }
  return at === undefined ? undefined : lines.linePos(at).line;
}

/** `kind: List` (what `kubectl get -o yaml` prints) stands for its items. */
function isList(value: unknown): boolean {
  const v = value as { kind?: unknown; apiVersion?: unknown; items?: unknown };
  return Boolean(v && v.kind === 'List' && v.apiVersion === 'v1' && Array.isArray(v.items));
}

type Checked =
  | { object: KubeObject; label: string; issues: readonly { path: FieldPath; message: string }[] }
  | { warning: string }
  | { error: string };

function checkObject(value: unknown, docNumber: number): Checked {
  const where = `document ${docNumber}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: `${where}: not a Kubernetes object (expected a mapping)` };
  }
  const o = value as Record<string, unknown>;
  if (typeof o['apiVersion'] !== 'string' || !o['apiVersion']) return { error: `${where}: apiVersion is required` };
  if (typeof o['kind'] !== 'string' || !o['kind']) return { error: `${where}: kind is required` };
  const label = `${where} (${o['kind']})`;
  const metadata = o['metadata'];
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return { error: `${label}: metadata is required` };
  }
  const m = metadata as Record<string, unknown>;
  const name = m['name'];
  if (typeof name !== 'string' || name.length === 0) return { error: `${label}: metadata.name is required` };
  // RFC 1123 subdomain, as Kubernetes requires of most object names.
  if (!isDnsSubdomain(name)) {
    return { error: `${label}: metadata.name "${name}" is not a valid name (lower-case RFC 1123 subdomain)` };
  }
  const info = lookupKind(o['apiVersion'], o['kind']);
  if (!info) return { warning: `${label} ${o['apiVersion']} is not a kind bgpcast consumes; skipped` };
  if ('spec' in o && (typeof o['spec'] !== 'object' || o['spec'] === null || Array.isArray(o['spec']))) {
    return { error: `${label} ${name}: spec must be a mapping` };
  }
  const ns = m['namespace'];
  if (ns !== undefined && (typeof ns !== 'string' || !isDnsSubdomain(ns))) {
    return { error: `${label} ${name}: metadata.namespace must be a valid name` };
  }
  // As kubectl does: namespaced kinds default to "default"; cluster-scoped kinds drop it.
  const { namespace: _ns, ...rest } = m;
  const fixed = info.namespaced ? { ...rest, namespace: (ns as string | undefined) ?? 'default' } : rest;
  const object = { ...o, metadata: fixed } as KubeObject;
  const schema = kindSchema(o['apiVersion'], o['kind']);
  const issues = schema ? validateObject(object, schema) : [];
  const id = info.namespaced ? `${fixed['namespace'] as string}/${name}` : name;
  return { object, label: `${o['kind']}/${id}`, issues };
}
