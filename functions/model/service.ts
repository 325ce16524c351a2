// Service (core v1) and EndpointSlice (discovery.k8s.io/v1): the VIPs and which nodes hold ready
// backends (docs/cilium-semantics.md SVC-3, SVC-5):
//   - clusterIPs falls back to [clusterIP]; "None" (headless) and "" are not addresses.
//   - Only `ip` entries of status.loadBalancer.ingress count; hostname-only entries are skipped.
//   - A missing traffic policy is Cluster (the Kubernetes default).
//   - An endpoint whose conditions.ready is absent is ready: the EndpointSlice API says consumers
//     should read an unknown state as ready.
// What LB IPAM reads of a Service (functions/cilium/lb-ipam.ts) is gathered in `lbIpam`; none of it
// ever makes a Service invalid (the API server has checked the spec; annotations are LB IPAM's to
// judge, LBIPAM-5).

import { z } from 'zod';
import { parseIp, type IpAddress, type IpFamily } from '../../events/ip.ts';
import { writtenConditionsSchema, type WrittenCondition } from './lb-ip-pool.ts';
import { ipValueSchema, namespacedMetaSchema, namespacedMetaWithAnnotationsSchema, notAnIpAddress, type ObjectMeta } from './meta.ts';

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
  readonly lbIpam: ServiceLbIpam;
}

export interface ServiceLbIpam {
  /** spec.loadBalancerIP, then the lbipam.cilium.io/ips list: trimmed texts as written, empty ones dropped. */
  readonly requestedIPs: readonly string[];
  readonly sharingKey: string | null;
  /** lbipam.cilium.io/sharing-cross-namespace: the namespaces allowed to share with it ("*": any). */
  readonly sharingNamespaces: readonly string[];
  /** spec.ipFamilies, in order (the API server fills it in). */
  readonly ipFamilies: readonly IpFamily[];
  readonly ipFamilyPolicy: string | null;
  /** spec.ports[].port. */
  readonly ports: readonly number[];
  /** spec.selector ({} when absent). */
  readonly selector: Readonly<Record<string, string>>;
  /** The cilium.io/IPAMRequestSatisfied condition LB IPAM wrote, as the status holds it. */
  readonly condition: WrittenCondition | null;
}

/** The annotations LB IPAM reads; each older name is still read, the newer wins (LBIPAM-5). */
export const LB_IPAM_ANNOTATIONS = {
  ips: ['lbipam.cilium.io/ips', 'io.cilium/lb-ipam-ips'],
  sharingKey: ['lbipam.cilium.io/sharing-key', 'io.cilium/lb-ipam-sharing-key'],
  sharingCrossNamespace: ['lbipam.cilium.io/sharing-cross-namespace', 'io.cilium/lb-ipam-sharing-cross-namespace'],
} as const;

export const IPAM_REQUEST_SATISFIED = 'cilium.io/IPAMRequestSatisfied';

const annotation = (annotations: Readonly<Record<string, string>>, names: readonly string[]): string | null => {
  for (const name of names) {
    const v = annotations[name]?.trim();
    if (v) return v;
  }
  return null;
};

const list = (text: string | null): string[] => (text ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');

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
    metadata: namespacedMetaWithAnnotationsSchema,
    spec: z
      .object({
        type: z.string().nullish(),
        loadBalancerIP: z.unknown().optional(),
        ipFamilies: z.unknown().optional(),
        ipFamilyPolicy: z.unknown().optional(),
        ports: z.unknown().optional(),
        selector: z.unknown().optional(),
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
        conditions: writtenConditionsSchema,
      })
      .nullish(),
  })
  .transform(({ metadata: { meta: metadata, annotations: rawAnnotations }, spec, status }, ctx): Service => {
    const annotations = stringMap(rawAnnotations);
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
      lbIpam: {
        requestedIPs: [...list(typeof spec?.loadBalancerIP === 'string' ? spec.loadBalancerIP : null), ...list(annotation(annotations, LB_IPAM_ANNOTATIONS.ips))],
        sharingKey: annotation(annotations, LB_IPAM_ANNOTATIONS.sharingKey),
        sharingNamespaces: list(annotation(annotations, LB_IPAM_ANNOTATIONS.sharingCrossNamespace)),
        ipFamilies: arrayOf(spec?.ipFamilies).flatMap((f): IpFamily[] => (f === 'IPv4' ? [4] : f === 'IPv6' ? [6] : [])),
        ipFamilyPolicy: typeof spec?.ipFamilyPolicy === 'string' ? spec.ipFamilyPolicy : null,
        ports: arrayOf(spec?.ports).flatMap((p) => (typeof p === 'object' && p !== null && typeof (p as { port?: unknown }).port === 'number' ? [(p as { port: number }).port] : [])),
        selector: stringMap(spec?.selector),
        condition: status?.conditions?.find((c) => c.type === IPAM_REQUEST_SATISFIED) ?? null,
      },
    };
  });

const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

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
