// CiliumBGPClusterConfig, v2 and v2alpha1 alike (docs/cilium-semantics.md OBJ-4). The CRD default
// is applied here: peerASN 0, "accept any" (OBJ-3). An empty peerConfigRef.name counts as no
// reference (INST-5).
// The optional peerConfigRef.group / kind of older docs are accepted and ignored.

import { z } from 'zod';
import { labelSelectorSchema, type LabelSelector } from './label-selector.ts';
import { clusterMetaSchema, int, ipSchema, uniqueNames, UINT32_MAX, type ObjectMeta } from './meta.ts';

export interface AutoDiscovery {
  readonly mode: 'DefaultGateway' | 'Unnumbered';
  readonly addressFamily: 'ipv4' | 'ipv6' | null;
  readonly interface: string | null;
}

export interface ClusterPeer {
  readonly name: string;
  readonly peerAddress: string | null;
  readonly peerASN: number;
  readonly peerConfigRef: string | null;
  readonly autoDiscovery: AutoDiscovery | null;
}

export interface ClusterInstance {
  readonly name: string;
  readonly localASN: number | null;
  readonly localPort: number | null;
  readonly peers: readonly ClusterPeer[];
}

export interface ClusterConfig {
  readonly kind: 'CiliumBGPClusterConfig';
  readonly meta: ObjectMeta;
  /** null selects every node (OWN-1). */
  readonly nodeSelector: LabelSelector | null;
  readonly instances: readonly ClusterInstance[];
}

const autoDiscoverySchema = z
  .object({
    mode: z.enum(['DefaultGateway', 'Unnumbered']),
    defaultGateway: z.object({ addressFamily: z.enum(['ipv4', 'ipv6']) }).nullish(),
    unnumbered: z.object({ interface: z.string().min(1).max(255) }).nullish(),
  })
  .superRefine((ad, ctx) => {
    if (ad.mode === 'DefaultGateway' && !ad.defaultGateway) {
      ctx.addIssue({ code: 'custom', path: ['defaultGateway'], message: 'required when mode is DefaultGateway' });
    }
    if (ad.mode === 'Unnumbered' && !ad.unnumbered) {
      ctx.addIssue({ code: 'custom', path: ['unnumbered'], message: 'required when mode is Unnumbered' });
    }
  })
  .transform(
    (ad): AutoDiscovery => ({
      mode: ad.mode,
      addressFamily: ad.defaultGateway?.addressFamily ?? null,
      interface: ad.unnumbered?.interface ?? null,
    }),
  );

const peerSchema = z.object({
  name: z.string().min(1).max(255),
  peerAddress: ipSchema.nullish(),
  peerASN: int(0, UINT32_MAX).nullish(),
  autoDiscovery: autoDiscoverySchema.nullish(),
  peerConfigRef: z
    .object({ name: z.string(), group: z.string().nullish(), kind: z.string().nullish() })
    .nullish(),
});

const instanceSchema = z.object({
  name: z.string().min(1).max(255),
  localASN: int(1, UINT32_MAX).nullish(),
  localPort: int(1, 65535).nullish(),
  peers: z.array(peerSchema).superRefine(uniqueNames).nullish(),
});

export const clusterConfigSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z.object({
      nodeSelector: labelSelectorSchema,
      bgpInstances: z
        .array(instanceSchema)
        .min(1, 'at least one BGP instance is required')
        .max(16, 'at most 16 BGP instances')
        .superRefine(uniqueNames),
    }),
  })
  .transform(
    ({ metadata, spec }): ClusterConfig => ({
      kind: 'CiliumBGPClusterConfig',
      meta: metadata,
      nodeSelector: spec.nodeSelector,
      instances: spec.bgpInstances.map((inst) => ({
        name: inst.name,
        localASN: inst.localASN ?? null,
        localPort: inst.localPort ?? null,
        peers: (inst.peers ?? []).map((p) => ({
          name: p.name,
          peerAddress: p.peerAddress ?? null,
          peerASN: p.peerASN ?? 0,
          peerConfigRef: p.peerConfigRef?.name ? p.peerConfigRef.name : null,
          autoDiscovery: p.autoDiscovery ?? null,
        })),
      })),
    }),
  );
