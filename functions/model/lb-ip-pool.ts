// CiliumLoadBalancerIPPool (cilium.io/v2, also v2alpha1; cluster-scoped): the addresses LB IPAM
// hands to Services of type LoadBalancer (functions/cilium/lb-ipam.ts, docs/cilium-semantics.md
// LBIPAM-1 to LBIPAM-12). Each block is a `cidr` (masked first, the whole prefix) or an inclusive
// `start`..`stop` range (no `stop`: the one address `start`); `cidr` wins when both are given. The
// older v2alpha1 `cidrs` list is read as blocks too. A block that is not an address range, mixes
// families or runs backwards makes the pool invalid (LBIPAM-2).

import { z } from 'zod';
import { formatIp, parseIp, parsePrefix, familyBits, type IpFamily } from '../../events/ip.ts';
import { labelSelectorSchema, type LabelSelector } from './label-selector.ts';
import { clusterMetaSchema, type ObjectMeta } from './meta.ts';

export interface LbIpBlock {
  readonly family: IpFamily;
  readonly first: bigint;
  readonly last: bigint;
  /** From a `cidr` (allowFirstLastIPs applies to those only). */
  readonly cidr: boolean;
}

/** A condition LB IPAM wrote to the pool before, as the API server holds it. */
export interface WrittenCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export interface LbIpPool {
  readonly kind: 'CiliumLoadBalancerIPPool';
  readonly meta: ObjectMeta;
  readonly blocks: readonly LbIpBlock[];
  /** null: every Service. */
  readonly serviceSelector: LabelSelector | null;
  readonly disabled: boolean;
  /** allowFirstLastIPs; unset is Yes. */
  readonly allowFirstLastIPs: boolean;
  /** The `cilium.io/` conditions of its status (LB IPAM's own, read back for their transition times). */
  readonly conditions: readonly WrittenCondition[];
}

/** "a - b", as Cilium names a range in its messages. */
export const formatBlock = (b: LbIpBlock): string =>
  `${formatIp({ family: b.family, value: b.first })} - ${formatIp({ family: b.family, value: b.last })}`;

const blockInput = z.object({ cidr: z.string().nullish(), start: z.string().nullish(), stop: z.string().nullish() });

const blockSchema = blockInput.transform((b, ctx): LbIpBlock => {
  if (b.cidr) {
    const prefix = parsePrefix(b.cidr);
    if (prefix === null) {
      ctx.addIssue({ code: 'custom', path: ['cidr'], message: `"${b.cidr}" is not a CIDR` });
      return z.NEVER;
    }
    const size = 1n << BigInt(familyBits(prefix.family) - prefix.length);
    return { family: prefix.family, first: prefix.value, last: prefix.value + size - 1n, cidr: true };
  }
  if (!b.start) {
    ctx.addIssue({ code: 'custom', message: 'a block needs a cidr or a start' });
    return z.NEVER;
  }
  const start = parseIp(b.start);
  const stop = b.stop ? parseIp(b.stop) : start;
  if (start === null || stop === null) {
    const bad = start === null ? ['start', b.start] : ['stop', b.stop];
    ctx.addIssue({ code: 'custom', path: [bad[0]!], message: `"${bad[1]}" is not an IP address` });
    return z.NEVER;
  }
  if (start.family !== stop.family) {
    ctx.addIssue({ code: 'custom', path: ['stop'], message: 'start and stop must be of one address family' });
    return z.NEVER;
  }
  if (start.value > stop.value) {
    ctx.addIssue({ code: 'custom', path: ['stop'], message: 'stop must not come before start' });
    return z.NEVER;
  }
  return { family: start.family, first: start.value, last: stop.value, cidr: false };
});

const conditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().nullish(),
  message: z.string().nullish(),
  lastTransitionTime: z.string().nullish(),
  observedGeneration: z.number().int().nullish(),
});

/** The `cilium.io/` conditions of a status, as far as they are well formed; anything else is not LB IPAM's. */
export const writtenConditionsSchema = z
  .unknown()
  .optional()
  .transform((list): WrittenCondition[] =>
    (Array.isArray(list) ? list : []).flatMap((raw) => {
      const c = conditionSchema.safeParse(raw);
      if (!c.success || !c.data.type.startsWith('cilium.io/')) return [];
      const { type, status, reason, message, lastTransitionTime, observedGeneration } = c.data;
      return [{ type, status, reason: reason ?? '', message: message ?? '', lastTransitionTime: lastTransitionTime ?? '', ...(observedGeneration == null ? {} : { observedGeneration }) }];
    }),
  );

export const lbIpPoolSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z
      .object({
        blocks: z.array(blockSchema).nullish(),
        cidrs: z.array(blockSchema).nullish(),
        serviceSelector: labelSelectorSchema,
        disabled: z.boolean().nullish(),
        allowFirstLastIPs: z.enum(['Yes', 'No']).nullish(),
      })
      .nullish(),
    status: z.unknown().optional().transform((s) => writtenConditionsSchema.parse(typeof s === 'object' && s !== null ? (s as { conditions?: unknown }).conditions : undefined)),
  })
  .transform(
    ({ metadata, spec, status }): LbIpPool => ({
      kind: 'CiliumLoadBalancerIPPool',
      meta: metadata,
      blocks: [...(spec?.blocks ?? []), ...(spec?.cidrs ?? [])],
      serviceSelector: spec?.serviceSelector ?? null,
      disabled: spec?.disabled ?? false,
      allowFirstLastIPs: spec?.allowFirstLastIPs !== 'No',
      conditions: status,
    }),
  );
