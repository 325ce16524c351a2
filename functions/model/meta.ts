// The metadata every record keeps, and the zod pieces shared by the kind schemas.

import { z } from 'zod';
import { formatIp, formatPrefix, parseIp, parsePrefix, type IpAddress } from '../../events/ip.ts';

export interface ObjectMeta {
  readonly name: string;
  /** null for cluster-scoped kinds. */
  readonly namespace: string | null;
  readonly labels: Readonly<Record<string, string>>;
  /** RFC 3339 as given by the API server; null when absent (objects applied from files). */
  readonly creationTimestamp: string | null;
  readonly generation: number | null;
}

const metadataSchema = z.object({
  name: z.string().min(1, 'metadata.name is required'),
  namespace: z.string().nullish(),
  labels: z.record(z.string(), z.string({ error: 'label values must be strings (quote "true")' })).nullish(),
  creationTimestamp: z.string().nullish(),
  generation: z.number().int().nullish(),
});

const clusterMeta = (m: z.infer<typeof metadataSchema>): ObjectMeta => ({
  name: m.name,
  namespace: null,
  labels: m.labels ?? {},
  creationTimestamp: m.creationTimestamp ?? null,
  generation: m.generation ?? null,
});

/** metadata of a cluster-scoped kind: any namespace given is ignored. */
export const clusterMetaSchema = metadataSchema.transform(clusterMeta);

/**
 * metadata with `annotations` as written beside it, for a kind that reads some of its annotations
 * (never a reason for the object to be invalid: the kind decides what a bad one means).
 */
const withAnnotations = (toMeta: (m: z.infer<typeof metadataSchema>) => ObjectMeta) =>
  metadataSchema.extend({ annotations: z.unknown().optional() }).transform((m) => ({ meta: toMeta(m), annotations: m.annotations }));

export const clusterMetaWithAnnotationsSchema = withAnnotations(clusterMeta);

const namespacedMeta = (m: z.infer<typeof metadataSchema>): ObjectMeta => ({
  name: m.name,
  namespace: m.namespace || 'default',
  labels: m.labels ?? {},
  creationTimestamp: m.creationTimestamp ?? null,
  generation: m.generation ?? null,
});

/** metadata of a namespaced kind: a missing namespace is "default", as kubectl assumes. */
export const namespacedMetaSchema = metadataSchema.transform(namespacedMeta);

export const namespacedMetaWithAnnotationsSchema = withAnnotations(namespacedMeta);

export const UINT32_MAX = 4294967295;

export const int = (min: number, max: number) =>
  z
    .number({ error: 'must be an integer' })
    .int('must be an integer')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

export const notAnIpAddress = (text: string) => `"${text}" is not an IP address`;

/** An IP address in any accepted spelling (docs/cilium-semantics.md OBJ-2), as a value. */
export const ipValueSchema = z.string().transform((text, ctx): IpAddress => {
  const ip = parseIp(text);
  if (ip === null) {
    ctx.addIssue({ code: 'custom', message: notAnIpAddress(text) });
    return z.NEVER;
  }
  return ip;
});

/** An IP address in any accepted spelling, normalised to its canonical (RFC 5952) text. */
export const ipSchema = ipValueSchema.transform(formatIp);

export const ipv4Schema = ipSchema.refine((ip) => !ip.includes(':'), 'must be an IPv4 address');

/** A CIDR "addr/len", normalised (host bits cleared, canonical address). */
export const cidrSchema = z.string().transform((text, ctx) => {
  const prefix = parsePrefix(text);
  if (prefix === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a CIDR` });
    return z.NEVER;
  }
  return formatPrefix(prefix);
});

/** Lists that Kubernetes declares as list-maps keyed by name must not repeat a name. */
export function uniqueNames<T extends { name: string }>(items: readonly T[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.name)) {
      ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate name "${item.name}"` });
    }
    seen.add(item.name);
  });
}
