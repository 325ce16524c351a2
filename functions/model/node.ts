// Node (core v1) and CiliumNode (cilium.io/v2): what the BGP rules need of a node.
// Node: labels, InternalIP addresses, spec.podCIDRs (spec.podCIDR when podCIDRs is absent).
// CiliumNode: labels, InternalIP addresses, spec.ipam.podCIDRs and spec.ipam.pools.allocated.

import { z } from 'zod';
import { cidrSchema, clusterMetaSchema, ipSchema, type ObjectMeta } from './meta.ts';

export interface K8sNode {
  readonly kind: 'Node';
  readonly meta: ObjectMeta;
  /** InternalIP addresses, canonical, in the order the API lists them. */
  readonly internalIPs: readonly string[];
  readonly podCIDRs: readonly string[];
}

export interface PoolAllocation {
  readonly pool: string;
  readonly cidrs: readonly string[];
}

export interface CiliumNode {
  readonly kind: 'CiliumNode';
  readonly meta: ObjectMeta;
  readonly internalIPs: readonly string[];
  readonly podCIDRs: readonly string[];
  readonly poolAllocations: readonly PoolAllocation[];
}

export const nodeSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z.object({ podCIDR: cidrSchema.nullish(), podCIDRs: z.array(cidrSchema).nullish() }).nullish(),
    status: z
      .object({ addresses: z.array(z.object({ type: z.string(), address: z.string() })).nullish() })
      .nullish(),
  })
  .superRefine((node, ctx) => {
    // Only InternalIP entries must be IP addresses; Hostname and others are free text.
    (node.status?.addresses ?? []).forEach((a, i) => {
      if (a.type === 'InternalIP' && ipSchema.safeParse(a.address).success === false) {
        const message = `"${a.address}" is not an IP address`;
        ctx.addIssue({ code: 'custom', path: ['status', 'addresses', i, 'address'], message });
      }
    });
  })
  .transform(
    ({ metadata, spec, status }): K8sNode => ({
      kind: 'Node',
      meta: metadata,
      internalIPs: (status?.addresses ?? [])
        .filter((a) => a.type === 'InternalIP')
        .map((a) => ipSchema.parse(a.address)),
      podCIDRs: spec?.podCIDRs?.length ? spec.podCIDRs : spec?.podCIDR ? [spec.podCIDR] : [],
    }),
  );

export const ciliumNodeSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z
      .object({
        addresses: z.array(z.object({ type: z.string(), ip: z.string() })).nullish(),
        ipam: z
          .object({
            podCIDRs: z.array(cidrSchema).nullish(),
            pools: z
              .object({
                allocated: z
                  .array(z.object({ pool: z.string().min(1), cidrs: z.array(cidrSchema).nullish() }))
                  .nullish(),
              })
              .nullish(),
          })
          .nullish(),
      })
      .nullish(),
  })
  .superRefine((node, ctx) => {
    (node.spec?.addresses ?? []).forEach((a, i) => {
      if (a.type === 'InternalIP' && ipSchema.safeParse(a.ip).success === false) {
        const message = `"${a.ip}" is not an IP address`;
        ctx.addIssue({ code: 'custom', path: ['spec', 'addresses', i, 'ip'], message });
      }
    });
  })
  .transform(
    ({ metadata, spec }): CiliumNode => ({
      kind: 'CiliumNode',
      meta: metadata,
      internalIPs: (spec?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => ipSchema.parse(a.ip)),
      podCIDRs: spec?.ipam?.podCIDRs ?? [],
      poolAllocations: (spec?.ipam?.pools?.allocated ?? []).map((a) => ({ pool: a.pool, cidrs: a.cidrs ?? [] })),
    }),
  );
