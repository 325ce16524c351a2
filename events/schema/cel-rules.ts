// The CEL rules of a CRD (x-kubernetes-validations), evaluated as the API server does: `self` is
// the node the rule is attached to, with the schema's types — an integer is a CEL int, so values
// the schema calls integers become BigInts — after defaulting. A rule that is false refuses the
// object with its message (else "failed rule: …") at its fieldPath; one that cannot be evaluated
// (a missing key, say) refuses it too, as the API server does. CEL itself is @marcbachmann/cel-js.

import { parse } from '@marcbachmann/cel-js';
import type { FieldPath, StructuralSchema } from './structural.ts';

export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  /** A JSONPath-like ".field" or ".list[0]" relative to the node, where the problem is reported. */
  readonly fieldPath?: string;
  readonly reason?: string;
}

type Program = ReturnType<typeof parse>;
const programs = new Map<string, Program>();

function program(rule: string): Program {
  let p = programs.get(rule);
  if (!p) programs.set(rule, (p = parse(rule)));
  return p;
}

/** Each rule attached to this node that does not hold. */
export function checkCelRules(value: unknown, schema: StructuralSchema, rules: readonly CelRule[]): { path: FieldPath; message: string }[] {
  const self = celValue(value, schema);
  const out: { path: FieldPath; message: string }[] = [];
  for (const r of rules) {
    let holds: unknown;
    try {
      holds = program(r.rule)({ self });
    } catch (e) {
      out.push({ path: [], message: `rule "${r.rule}" could not be evaluated: ${firstLine((e as Error).message)}` });
      continue;
    }
    if (holds !== true) out.push({ path: fieldPathOf(r.fieldPath), message: r.message ?? `failed rule: ${r.rule}` });
  }
  return out;
}

/** The value with the schema's integers as BigInts (CEL ints). */
export function celValue(value: unknown, schema: StructuralSchema | undefined): unknown {
  if (schema === undefined) return value;
  if (typeof value === 'number' && (schema.type === 'integer' || (schema['x-kubernetes-int-or-string'] && Number.isInteger(value)))) return BigInt(value);
  if (Array.isArray(value)) return value.map((v) => celValue(v, schema.items));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = celValue(v, schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined));
    }
    return out;
  }
  return value;
}

/** ".a.b[2]" → ["a", "b", 2]. */
export function fieldPathOf(fieldPath: string | undefined): FieldPath {
  if (!fieldPath) return [];
  const out: (string | number)[] = [];
  for (const m of fieldPath.matchAll(/\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3]!);
  }
  return out;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
