// Service (core v1) and EndpointSlice (discovery.k8s.io/v1): the VIPs and which nodes hold ready
// backends (docs/cilium-semantics.md SVC-3, SVC-5):
//   - clusterIPs falls back to [clusterIP]; "None" (headless) and "" are not addresses.
//   - Only `ip` entries of status.loadBalancer.ingress count; hostname-only entries are skipped.
//   - A missing traffic policy is Cluster (the Kubernetes default).
//   - An endpoint whose conditions.ready is absent is ready: the EndpointSlice API says consumers
//     should read an unknown state as ready.

import { z } from 'zod';
import { parseIp, type IpAddress } from '../../events/ip.ts';
import { ipValueSchema, namespacedMetaSchema, notAnIpAddress, type ObjectMeta } from './meta.ts';

export const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;
export type TrafficPolicy = (typeof TRAFFIC_POLICIES)[number];

export interface Service {
  readonly kind: 'Service';
  readonly meta: ObjectMeta;
  readonly type: string;
  /** The addresses, parsed once here: every node's Service routes read them. */
  readonly clusterIPs: readonly IpAddress[];
  readonly externalIPs: readonly IpAddress[];
  readonly loadBalancerIPs: readonly IpAddress[];
  readonly loadBalancerClass: string | null;
  readonly externalTrafficPolicy: TrafficPolicy;
  readonly internalTrafficPolicy: TrafficPolicy;
}

export interface Endpoint {
  readonly ready: boolean;
  readonly nodeName: string | null;
}

export interface EndpointSlice {
  readonly kind: 'EndpointSlice';
  readonly meta: ObjectMeta;
  /** From the kubernetes.io/service-name label; null when the slice belongs to no Service. */
  readonly serviceName: string | null;
  readonly endpoints: readonly Endpoint[];
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const policy = z.enum(TRAFFIC_POLICIES).nullish();
const notAnAddress = (ip: string): boolean => ip === '' || ip === 'None';

export const serviceSchema = z
  .object({
    metadata: namespacedMetaSchema,
    spec: z
      .object({
        type: z.string().nullish(),
        clusterIP: z.string().nullish(),
        clusterIPs: z.array(z.string()).nullish(),
        externalIPs: z.array(ipValueSchema).nullish(),
        loadBalancerClass: z.string().nullish(),
        externalTrafficPolicy: policy,
        internalTrafficPolicy: policy,
      })
      .nullish(),
    status: z
      .object({
        loadBalancer: z.object({ ingress: z.array(z.object({ ip: ipValueSchema.nullish() })).nullish() }).nullish(),
      })
      .nullish(),
  })
  .transform(({ metadata, spec, status }, ctx): Service => {
    // clusterIP and clusterIPs may hold "None" or "" (no address), and are both checked.
    const clusterIP = (text: string, path: (string | number)[]): IpAddress[] => {
      if (notAnAddress(text)) return [];
      const ip = parseIp(text);
      if (ip === null) ctx.addIssue({ code: 'custom', path, message: notAnIpAddress(text) });
      return ip === null ? [] : [ip];
    };
    const single = spec?.clusterIP != null ? clusterIP(spec.clusterIP, ['spec', 'clusterIP']) : [];
    const listed = (spec?.clusterIPs ?? []).flatMap((text, i) => clusterIP(text, ['spec', 'clusterIPs', i]));
    return {
      kind: 'Service',
      meta: metadata,
      type: spec?.type ?? 'ClusterIP',
      clusterIPs: spec?.clusterIPs?.length ? listed : single,
      externalIPs: spec?.externalIPs ?? [],
      loadBalancerIPs: (status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : [])),
      loadBalancerClass: spec?.loadBalancerClass ?? null,
      externalTrafficPolicy: spec?.externalTrafficPolicy ?? 'Cluster',
      internalTrafficPolicy: spec?.internalTrafficPolicy ?? 'Cluster',
    };
  });

export const endpointSliceSchema = z
  .object({
    metadata: namespacedMetaSchema,
    endpoints: z
      .array(
        z.object({
          nodeName: z.string().nullish(),
          conditions: z.object({ ready: z.boolean().nullish() }).nullish(),
        }),
      )
      .nullish(),
  })
  .transform(
    ({ metadata, endpoints }): EndpointSlice => ({
      kind: 'EndpointSlice',
      meta: metadata,
      serviceName: metadata.labels[SERVICE_NAME_LABEL] ?? null,
      endpoints: (endpoints ?? []).map((e) => ({
        ready: e.conditions?.ready ?? true,
        nodeName: e.nodeName ?? null,
      })),
    }),
  );
