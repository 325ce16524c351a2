// The objects the status writer reads back from the API server (list/watch), as far as it looks
// at them, and the names it writes under.

import type { ManagedFieldsEntry } from '../../events/kube/managed-fields.ts';

/** The one field manager of everything the status writer applies. */
export const STATUS_WRITER_MANAGER = 'bgpcast-status-writer';

export const KINDS = {
  clusterConfig: 'CiliumBGPClusterConfig',
  peerConfig: 'CiliumBGPPeerConfig',
  nodeConfig: 'CiliumBGPNodeConfig',
} as const;
export type WrittenKind = (typeof KINDS)[keyof typeof KINDS];

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface KubeCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message: string;
}

export interface LiveObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly uid: string;
    readonly resourceVersion?: string;
    readonly generation?: number;
    /** Set once a delete was asked for while finalizers hold the object. */
    readonly deletionTimestamp?: string;
    readonly ownerReferences?: readonly OwnerReference[];
    readonly managedFields?: readonly ManagedFieldsEntry[];
  };
  readonly spec?: unknown;
  readonly status?: { readonly conditions?: readonly KubeCondition[] } & Record<string, unknown>;
}

/** Name → object, per kind, as last listed or watched. */
export interface LiveObjects {
  readonly clusterConfigs: ReadonlyMap<string, LiveObject>;
  readonly peerConfigs: ReadonlyMap<string, LiveObject>;
  readonly nodeConfigs: ReadonlyMap<string, LiveObject>;
}

/** The UIDs of the ClusterConfigs a NodeConfig names as owners. */
export function clusterConfigOwners(object: LiveObject): string[] {
  return (object.metadata.ownerReferences ?? []).filter((r) => r.kind === KINDS.clusterConfig && r.apiVersion.startsWith('cilium.io/')).map((r) => r.uid);
}
