// Validation outcomes as values. An invalid object never throws out of normalisation: it becomes an
// InvalidObject that names every offending field, which conditions turn into a status condition and
// the fold uses to keep the last valid version (see world.ts).

import type { z } from 'zod';

export interface ValidationIssue {
  /** Field path as written in YAML, e.g. "spec.bgpInstances[0].peers[1].peerAddress". */
  readonly path: string;
  readonly message: string;
}

export interface InvalidObject {
  readonly apiVersion: string;
  readonly kind: string;
  /** null for cluster-scoped kinds, or when the object has no readable namespace. */
  readonly namespace: string | null;
  /** '' when metadata.name itself is missing or invalid. */
  readonly name: string;
  readonly issues: readonly ValidationIssue[];
}

export type Validated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function issuesFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    message: issue.code === 'invalid_type' && issue.message.endsWith('received undefined') ? 'required' : issue.message,
  }));
}

/** One line per issue: "path: message; path: message". */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
