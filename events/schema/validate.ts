// The check `apply -f` makes of every object before anything is published: what the API server
// would refuse is refused here. A BGP kind is held to the openAPIV3Schema of its CRD as installed
// (infra/kubernetes/bgpcast/crds/, infra/kubernetes/crds-without-cilium/), CEL rules included; a
// core kind to a minimal schema of the fields bgpcast reads (core-schemas.ts); every kind's
// metadata as the API server checks it (object-meta.ts). What passes here but breaks bgpcast's
// own rules is published, and the functions give it a bgpcast.io/InvalidObject condition.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CORE_SCHEMAS } from './core-schemas.ts';
import { checkObjectMeta } from './object-meta.ts';
import type { NameRule } from './object-meta.ts';
import { checkValue, prepareValue } from './structural.ts';
import type { SchemaIssue, StructuralSchema } from './structural.ts';

/** The CRD folders, relative to the repository root. */
export const CRD_DIRS = ['infra/kubernetes/bgpcast/crds', 'infra/kubernetes/crds-without-cilium'] as const;
const repoRoot = join(import.meta.dirname, '..', '..');

export interface KindSchema {
  readonly schema: StructuralSchema;
  readonly nameRule: NameRule;
}

interface CrdDocument {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: { name: string; served?: boolean; schema?: { openAPIV3Schema?: StructuralSchema } }[];
  };
}

/** "group/version/Kind" → schema, from the CRD files (read once). */
let crdSchemas: Map<string, StructuralSchema> | undefined;

export function loadCrdSchemas(dirs: readonly string[] = CRD_DIRS.map((d) => join(repoRoot, d))): Map<string, StructuralSchema> {
  const out = new Map<string, StructuralSchema>();
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const crd = doc.toJS() as CrdDocument | null;
        if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec?.group || !crd.spec.names?.kind) continue;
        for (const v of crd.spec.versions ?? []) {
          if (v.served === false || !v.schema?.openAPIV3Schema) continue;
          out.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
        }
      }
    }
  }
  return out;
}

/** The schema an object of this apiVersion and kind is held to; undefined when bgpcast has none. */
export function kindSchema(apiVersion: string, kind: string): KindSchema | undefined {
  if (!apiVersion.includes('/') || apiVersion.startsWith('discovery.k8s.io/')) {
    const schema = CORE_SCHEMAS[kind];
    return schema && { schema, nameRule: kind === 'Service' ? 'dns1035-label' : 'dns1123-subdomain' };
  }
  crdSchemas ??= loadCrdSchemas();
  const schema = crdSchemas.get(`${apiVersion}/${kind}`);
  return schema && { schema, nameRule: 'dns1123-subdomain' };
}

/** Every problem the API server would refuse the object for, each with its field path. */
export function validateObject(object: Record<string, unknown>, schema: KindSchema): SchemaIssue[] {
  const { metadata, ...rest } = object;
  const meta = checkObjectMeta(metadata, schema.nameRule);
  const root = withoutMetadata(schema.schema);
  const body = checkValue(prepareValue(rest, root), root);
  return [...meta, ...body];
}

/** The root schema without `metadata` (object-meta.ts checks it), so it is neither required nor unknown. */
function withoutMetadata(s: StructuralSchema): StructuralSchema {
  const { metadata: _m, ...properties } = s.properties ?? {};
  return { ...s, properties, required: (s.required ?? []).filter((r) => r !== 'metadata') };
}
