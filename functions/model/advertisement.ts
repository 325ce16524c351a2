// CiliumBGPAdvertisement. Communities are parsed to numbers here, standard and well-known merged
// and de-duplicated (docs/cilium-semantics.md ADV-3), so later stages only union sets.
//   - advertisementType values this build does not know are kept and produce no routes (ADV-4);
//     `Interface` needs `interface.name`, and its routes are the speaker's to find (ADV-7).
//   - localPreference must fit LOCAL_PREF's 32 bits (RFC 4271 §4.3) (ADV-5).
//   - `service` is required for type Service; `service` on other types and `selector` on PodCIDR
//     are accepted and ignored (ADV-6).

import { z } from 'zod';
import { labelSelectorSchema, type LabelSelector } from './label-selector.ts';
import { clusterMetaSchema, int, UINT32_MAX, type ObjectMeta } from './meta.ts';
import {
  parseLargeCommunity,
  parseStandardCommunity,
  WELL_KNOWN_COMMUNITIES,
  type LargeCommunity,
  type WellKnownCommunity,
} from '../../events/communities.ts';

export const ADVERTISEMENT_TYPES = {
  PodCIDR: 'PodCIDR',
  CiliumPodIPPool: 'CiliumPodIPPool',
  Service: 'Service',
  Interface: 'Interface',
} as const;

export const SERVICE_ADDRESS_TYPES = ['LoadBalancerIP', 'ClusterIP', 'ExternalIP'] as const;
export type ServiceAddressType = (typeof SERVICE_ADDRESS_TYPES)[number];

export interface ServiceOptions {
  readonly addresses: readonly ServiceAddressType[];
  readonly aggregationLengthIPv4: number | null;
  readonly aggregationLengthIPv6: number | null;
}

export interface RouteAttributes {
  /** Standard and well-known communities as 32-bit values, sorted and unique. */
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly localPreference: number | null;
}

export interface AdvertisementEntry {
  readonly type: string;
  readonly service: ServiceOptions | null;
  /** For Service: Service labels; for CiliumPodIPPool: pool labels. null selects nothing. */
  readonly selector: LabelSelector | null;
  /** For Interface: the interface's name on the node; null for other types. */
  readonly interface: string | null;
  readonly attributes: RouteAttributes;
}

export interface Advertisement {
  readonly kind: 'CiliumBGPAdvertisement';
  readonly meta: ObjectMeta;
  readonly entries: readonly AdvertisementEntry[];
}

const standardCommunity = z.string().transform((text, ctx) => {
  const value = parseStandardCommunity(text);
  if (value === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a community ("a:b" with 0..65535 or a 32-bit decimal)` });
    return z.NEVER;
  }
  return value;
});

const largeCommunity = z.string().transform((text, ctx) => {
  const value = parseLargeCommunity(text);
  if (value === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a large community ("a:b:c", each 0..4294967295)` });
    return z.NEVER;
  }
  return value;
});

const wellKnownNames = Object.keys(WELL_KNOWN_COMMUNITIES) as [WellKnownCommunity, ...WellKnownCommunity[]];

const attributesSchema = z
  .object({
    communities: z
      .object({
        standard: z.array(standardCommunity).nullish(),
        wellKnown: z.array(z.enum(wellKnownNames)).nullish(),
        large: z.array(largeCommunity).nullish(),
      })
      .nullish(),
    localPreference: int(0, UINT32_MAX).nullish(),
  })
  .nullish()
  .transform((attrs): RouteAttributes => {
    const standard = attrs?.communities?.standard ?? [];
    const wellKnown = (attrs?.communities?.wellKnown ?? []).map((n) => WELL_KNOWN_COMMUNITIES[n]);
    const large = new Map((attrs?.communities?.large ?? []).map((c) => [c.join(':'), c] as const));
    return {
      communities: [...new Set([...standard, ...wellKnown])].sort((a, b) => a - b),
      largeCommunities: [...large.values()],
      localPreference: attrs?.localPreference ?? null,
    };
  });

const isServiceEntry = <T>(type: string, service: T | null | undefined): service is T =>
  type === ADVERTISEMENT_TYPES.Service && service != null;

const entrySchema = z
  .object({
    advertisementType: z.string().min(1, 'advertisementType is required'),
    service: z
      .object({
        addresses: z.array(z.enum(SERVICE_ADDRESS_TYPES)).min(1, 'at least one address type'),
        aggregationLengthIPv4: int(0, 31).nullish(),
        aggregationLengthIPv6: int(0, 127).nullish(),
      })
      .nullish(),
    selector: labelSelectorSchema,
    interface: z.object({ name: z.string().min(1) }).nullish(),
    attributes: attributesSchema,
  })
  .superRefine((e, ctx) => {
    const isService = e.advertisementType === ADVERTISEMENT_TYPES.Service;
    if (isService && !e.service) {
      ctx.addIssue({ code: 'custom', path: ['service'], message: 'required when advertisementType is Service' });
    }
    if (e.advertisementType === ADVERTISEMENT_TYPES.Interface && !e.interface) {
      ctx.addIssue({ code: 'custom', path: ['interface'], message: 'required when advertisementType is Interface' });
    }
  })
  .transform(
    (e): AdvertisementEntry => ({
      type: e.advertisementType,
      service: isServiceEntry(e.advertisementType, e.service)
        ? {
            addresses: [...new Set(e.service.addresses)],
            aggregationLengthIPv4: e.service.aggregationLengthIPv4 ?? null,
            aggregationLengthIPv6: e.service.aggregationLengthIPv6 ?? null,
          }
        : null,
      selector: e.selector,
      interface: e.advertisementType === ADVERTISEMENT_TYPES.Interface && e.interface ? e.interface.name : null,
      attributes: e.attributes,
    }),
  );

export const advertisementSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z.object({ advertisements: z.array(entrySchema) }),
  })
  .transform(
    ({ metadata, spec }): Advertisement => ({
      kind: 'CiliumBGPAdvertisement',
      meta: metadata,
      entries: spec.advertisements,
    }),
  );
