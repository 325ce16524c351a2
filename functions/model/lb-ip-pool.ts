// CiliumLoadBalancerIPPool (cilium.io/v2, also v2alpha1; cluster-scoped): the addresses LB IPAM
// hands to Services of type LoadBalancer (functions/cilium/lb-ipam.ts, docs/cilium-semantics.md
// LBIPAM-1 to LBIPAM-12). Each block is a `cidr` (masked first, the whole prefix) or an inclusive
// `start`..`stop` range (no `stop`: the one address `start`); `cidr` wins when both are given. The
// older v2alpha1 `cidrs` list is read as blocks too. A block that is not an address range, mixes
// families or runs backwards is left out and named in `invalidBlocks`; the pool's other blocks go
// on (LBIPAM-2): a typo in one block must not take every address of the pool away.

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
  /** The blocks that are address ranges; the others are in `invalidBlocks`. */
  readonly blocks: readonly LbIpBlock[];
  /** "spec.blocks[i]: problem" of each block that is not (LBIPAM-2). */
  readonly invalidBlocks: readonly string[];
  /** null: every Service. */
  readonly serviceSelector: LabelSelector | null;
  readonly disabled: boolean;
  /** allowFirstLastIPs; unset is Yes. */
  readonly allowFirstLastIPs: boolean;
  /** The `cilium.io/` and `bgpcast.io/` conditions of its status (LB IPAM's own, read back for their transition times). */
  readonly conditions: readonly WrittenCondition[];
}

/** "a - b", as Cilium names a range in its messages. */
export const formatBlock = (b: LbIpBlock): string =>
  `${formatIp({ family: b.family, value: b.first })} - ${formatIp({ family: b.family, value: b.last })}`;

const blockInput = z.object({ cidr: z.unknown().optional(), start: z.unknown().optional(), stop: z.unknown().optional() });

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** A block, or what is wrong with it. */
function readBlock(raw: unknown): LbIpBlock | string {
  const parsed = blockInput.safeParse(raw);
  if (!parsed.success) return 'a block must be an object';
  const cidr = text(parsed.data.cidr);
  if (cidr !== null) {
    const prefix = parsePrefix(cidr);
    if (prefix === null) return `cidr: "${cidr}" is not a CIDR`;
    const size = 1n << BigInt(familyBits(prefix.family) - prefix.length);
    return { family: prefix.family, first: prefix.value, last: prefix.value + size - 1n, cidr: true };
  }
  const startText = text(parsed.data.start);
  if (startText === null) return 'a block needs a cidr or a start';
  const stopText = text(parsed.data.stop) ?? startText;
  const start = parseIp(startText);
  if (start === null) return `start: "${startText}" is not an IP address`;
  const stop = parseIp(stopText);
  if (stop === null) return `stop: "${stopText}" is not an IP address`;
  if (start.family !== stop.family) return 'stop: start and stop must be of one address family';
  if (start.value > stop.value) return 'stop: must not come before start';
  return { family: start.family, first: start.value, last: stop.value, cidr: false };
}

const blocksSchema = z
  .unknown()
  .optional()
  .transform((list, ctx): (LbIpBlock | string)[] => {
    if (list == null) return [];
    if (!Array.isArray(list)) {
      ctx.addIssue({ code: 'custom', message: 'must be a list' });
      return z.NEVER;
    }
    return list.map(readBlock);
  });

const conditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().nullish(),
  message: z.string().nullish(),
  lastTransitionTime: z.string().nullish(),
  observedGeneration: z.number().int().nullish(),
});

/** The `cilium.io/` and `bgpcast.io/` conditions of a status, as far as they are well formed; anything else is not LB IPAM's. */
export const writtenConditionsSchema = z
  .unknown()
  .optional()
  .transform((list): WrittenCondition[] =>
    (Array.isArray(list) ? list : []).flatMap((raw) => {
      const c = conditionSchema.safeParse(raw);
      if (!c.success || !(c.data.type.startsWith('cilium.io/') || c.data.type.startsWith('bgpcast.io/'))) return [];
      const { type, status, reason, message, lastTransitionTime, observedGeneration } = c.data;
      return [{ type, status, reason: reason ?? '', message: message ?? '', lastTransitionTime: lastTransitionTime ?? '', ...(observedGeneration == null ? {} : { observedGeneration }) }];
    }),
  );

export const lbIpPoolSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z
      .object({
        blocks: blocksSchema,
        cidrs: blocksSchema,
        serviceSelector: labelSelectorSchema,
        disabled: z.boolean().nullish(),
        allowFirstLastIPs: z.enum(['Yes', 'No']).nullish(),
      })
      .nullish(),
    status: z.unknown().optional().transform((s) => writtenConditionsSchema.parse(typeof s === 'object' && s !== null ? (s as { conditions?: unknown }).conditions : undefined)),
  })
  .transform(({ metadata, spec, status }): LbIpPool => {
    const read = [...(spec?.blocks ?? []).map((b, i) => [`blocks[${i}]`, b] as const), ...(spec?.cidrs ?? []).map((b, i) => [`cidrs[${i}]`, b] as const)];
    return {
      kind: 'CiliumLoadBalancerIPPool',
      meta: metadata,
      blocks: read.flatMap(([, b]) => (typeof b === 'string' ? [] : [b])),
      invalidBlocks: read.flatMap(([at, b]) => (typeof b === 'string' ? [`spec.${at}: ${b}`] : [])),
      serviceSelector: spec?.serviceSelector ?? null,
      disabled: spec?.disabled ?? false,
      allowFirstLastIPs: spec?.allowFirstLastIPs !== 'No',
      conditions: status,
    };
  });
