// CiliumBGPNodeConfigOverride. Its metadata.name is the node it applies to
// (docs/cilium-semantics.md INST-1).
// localPort has no bounds in the CRD; a port outside 1..65535 cannot be listened on, so it is a
// validation error here. peers[].localPort is accepted and dropped, as the operator drops it.

import { z } from 'zod';
import { clusterMetaSchema, int, ipSchema, ipv4Schema, uniqueNames, UINT32_MAX, type ObjectMeta } from './meta.ts';

export interface OverridePeer {
  readonly name: string;
  readonly localAddress: string | null;
}

export interface OverrideInstance {
  readonly name: string;
  readonly routerID: string | null;
  readonly localPort: number | null;
  readonly localASN: number | null;
  readonly peers: readonly OverridePeer[];
}

export interface NodeConfigOverride {
  readonly kind: 'CiliumBGPNodeConfigOverride';
  readonly meta: ObjectMeta;
  readonly instances: readonly OverrideInstance[];
}

export const nodeConfigOverrideSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z.object({
      bgpInstances: z
        .array(
          z.object({
            name: z.string().min(1).max(255),
            routerID: ipv4Schema.nullish(),
            localPort: int(1, 65535).nullish(),
            localASN: int(1, UINT32_MAX).nullish(),
            peers: z
              .array(z.object({ name: z.string().min(1).max(255), localAddress: ipSchema.nullish() }))
              .superRefine(uniqueNames)
              .nullish(),
          }),
        )
        .min(1, 'at least one BGP instance is required')
        .superRefine(uniqueNames),
    }),
  })
  .transform(
    ({ metadata, spec }): NodeConfigOverride => ({
      kind: 'CiliumBGPNodeConfigOverride',
      meta: metadata,
      instances: spec.bgpInstances.map((i) => ({
        name: i.name,
        routerID: i.routerID ?? null,
        localPort: i.localPort ?? null,
        localASN: i.localASN ?? null,
        peers: (i.peers ?? []).map((p) => ({ name: p.name, localAddress: p.localAddress ?? null })),
      })),
    }),
  );
