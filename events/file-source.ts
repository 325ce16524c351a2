// The clusterless source: Kubernetes YAML files (`bgpcast apply -f` / `delete -f`), read and
// validated as a whole before anything is published. A file with invalid YAML or an invalid object
// fails the command, naming the file and the document's line; unknown kinds are warnings.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { lookupKind } from './kinds.ts';
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
      const r = parseManifest(await readFile(file, 'utf8'), file);
      objects.push(...r.objects);
      warnings.push(...r.warnings);
      errors.push(...r.errors);
    }
  }
  if (errors.length > 0) throw new InvalidFileError(errors);
  return { objects, warnings };
}

export function parseManifest(
  text: string,
  file: string,
): ReadResult & { errors: FileProblem[] } {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const out = { objects: [] as SourcedObject[], warnings: [] as FileProblem[], errors: [] as FileProblem[] };
  if (!Array.isArray(docs)) return out; // an empty stream
  docs.forEach((doc, index) => {
    const line = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    for (const e of doc.errors) {
      out.errors.push({ file, line: e.linePos?.[0].line ?? line, message: `invalid YAML: ${e.message.split('\n')[0]}` });
    }
    if (doc.errors.length > 0) return;
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document, e.g. a trailing ---
    for (const item of expandList(value)) {
      const checked = checkObject(item, index + 1);
      if ('error' in checked) out.errors.push({ file, line, message: checked.error });
      else if ('warning' in checked) out.warnings.push({ file, line, message: checked.warning });
      else out.objects.push({ object: sanitizeObject(checked.object), manifest: checked.object, file, line });
    }
  });
  return out;
}

/** `kind: List` (what `kubectl get -o yaml` prints) stands for its items. */
function expandList(value: unknown): unknown[] {
  const v = value as { kind?: unknown; apiVersion?: unknown; items?: unknown };
  if (v && v.kind === 'List' && v.apiVersion === 'v1' && Array.isArray(v.items)) return v.items;
  return [value];
}

// RFC 1123 subdomain, as Kubernetes requires of most object names.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type Checked = { object: KubeObject } | { warning: string } | { error: string };

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
  if (name.length > 253 || !dnsSubdomain.test(name)) {
    return { error: `${label}: metadata.name "${name}" is not a valid name (lower-case RFC 1123 subdomain)` };
  }
  const info = lookupKind(o['apiVersion'], o['kind']);
  if (!info) return { warning: `${label} ${o['apiVersion']} is not a kind bgpcast consumes; skipped` };
  if ('spec' in o && (typeof o['spec'] !== 'object' || o['spec'] === null || Array.isArray(o['spec']))) {
    return { error: `${label} ${name}: spec must be a mapping` };
  }
  const ns = m['namespace'];
  if (ns !== undefined && (typeof ns !== 'string' || !dnsSubdomain.test(ns))) {
    return { error: `${label} ${name}: metadata.namespace must be a valid name` };
  }
  // As kubectl does: namespaced kinds default to "default"; cluster-scoped kinds drop it.
  const { namespace: _ns, ...rest } = m;
  const fixed = info.namespaced ? { ...rest, namespace: (ns as string | undefined) ?? 'default' } : rest;
  return { object: { ...o, metadata: fixed } as KubeObject };
}
