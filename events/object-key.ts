// An object's identity, which is also its Kafka record key: every change of one object lands in
// one partition, in order. Written the way kubectl names resources: Kind[.group]/[namespace/]name
// — e.g. "Service/default/web", "CiliumBGPClusterConfig.cilium.io/cilium-bgp".

import { splitApiVersion } from './kinds.ts';

export interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string | null;
  readonly name: string;
}

export function objectKey(id: ObjectIdentity): string {
  const { group } = splitApiVersion(id.apiVersion);
  const kind = group ? `${id.kind}.${group}` : id.kind;
  return id.namespace ? `${kind}/${id.namespace}/${id.name}` : `${kind}/${id.name}`;
}
