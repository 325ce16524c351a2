// Node (core v1) and CiliumNode (cilium.io/v2): what the BGP rules need of a node.
// Node: labels, InternalIP addresses, spec.podCIDRs (spec.podCIDR when podCIDRs is absent).
// CiliumNode: labels, InternalIP addresses, spec.ipam.podCIDRs and spec.ipam.pools.allocated.

import { z } from 'zod';
import { parseIp, type IpAddress } from '../../events/ip.ts';
import { cidrSchema, clusterMetaSchema, notAnIpAddress, type ObjectMeta } from './meta.ts';

export interface K8sNode {
  readonly kind: 'Node';
  readonly meta: ObjectMeta;
  /** InternalIP addresses, in the order the API lists them. */
  readonly internalIPs: readonly IpAddress[];
  readonly podCIDRs: readonly string[];
}

export interface PoolAllocation {
  readonly pool: string;
  readonly cidrs: readonly string[];
}

export interface CiliumNode {
  readonly kind: 'CiliumNode';
  readonly meta: ObjectMeta;
  readonly internalIPs: readonly IpAddress[];
  readonly podCIDRs: readonly string[];
  readonly poolAllocations: readonly PoolAllocation[];
}

/** The InternalIP entries as addresses, each parsed once; the others (Hostname, …) are free text. */
function internalIPs(
  entries: readonly { readonly type: string; readonly text: string }[],
  pathOf: (i: number) => (string | number)[],
  ctx: z.RefinementCtx,
): IpAddress[] {
  return entries.flatMap((entry, i) => {
    if (entry.type !== 'InternalIP') return [];
    const ip = parseIp(entry.text);
    if (ip === null) ctx.addIssue({ code: 'custom', path: pathOf(i), message: notAnIpAddress(entry.text) });
    return ip === null ? [] : [ip];
  });
}

export const nodeSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z.object({ podCIDR: cidrSchema.nullish(), podCIDRs: z.array(cidrSchema).nullish() }).nullish(),
    status: z
      .object({ addresses: z.array(z.object({ type: z.string(), address: z.string() })).nullish() })
      .nullish(),
  })
  .transform(
    ({ metadata, spec, status }, ctx): K8sNode => ({
      kind: 'Node',
      meta: metadata,
      internalIPs: internalIPs(
        (status?.addresses ?? []).map((a) => ({ type: a.type, text: a.address })),
        (i) => ['status', 'addresses', i, 'address'],
        ctx,
      ),
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
  .transform(
    ({ metadata, spec }, ctx): CiliumNode => ({
      kind: 'CiliumNode',
      meta: metadata,
      internalIPs: internalIPs(
        (spec?.addresses ?? []).map((a) => ({ type: a.type, text: a.ip })),
        (i) => ['spec', 'addresses', i, 'ip'],
        ctx,
      ),
      podCIDRs: spec?.ipam?.podCIDRs ?? [],
      poolAllocations: (spec?.ipam?.pools?.allocated ?? []).map((a) => ({ pool: a.pool, cidrs: a.cidrs ?? [] })),
    }),
  );
