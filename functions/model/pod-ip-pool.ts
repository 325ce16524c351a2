// CiliumPodIPPool (cilium.io/v2alpha1 or v2, cluster-scoped). Only its name and labels matter to
// BGP: the CIDRs advertised are the ones allocated to each node (CiliumNode.spec.ipam.pools).

import { z } from 'zod';
import { clusterMetaSchema, type ObjectMeta } from './meta.ts';

export interface PodIPPool {
  readonly kind: 'CiliumPodIPPool';
  readonly meta: ObjectMeta;
}

export const podIPPoolSchema = z
  .object({ metadata: clusterMetaSchema })
  .transform(({ metadata }): PodIPPool => ({ kind: 'CiliumPodIPPool', meta: metadata }));
