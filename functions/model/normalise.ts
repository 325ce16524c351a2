// From a raw Kubernetes object (plain JSON as parsed from YAML or received from the API) to a typed
// record. cilium.io/v2 and cilium.io/v2alpha1 of the BGP kinds give the same record. Never throws:
// an object that fails validation becomes an InvalidObject naming each field and problem, and a
// kind bgpcast does not consume is reported as unsupported.

import type { z } from 'zod';
import { advertisementSchema, type Advertisement } from './advertisement.ts';
import { clusterConfigSchema, type ClusterConfig } from './cluster-config.ts';
import { nodeConfigOverrideSchema, type NodeConfigOverride } from './node-config-override.ts';
import { ciliumNodeSchema, nodeSchema, type CiliumNode, type K8sNode } from './node.ts';
import { peerConfigSchema, type PeerConfig } from './peer-config.ts';
import { lbIpPoolSchema, type LbIpPool } from './lb-ip-pool.ts';
import { podIPPoolSchema, type PodIPPool } from './pod-ip-pool.ts';
import { routerIdAllocationSchema, type RouterIdAllocation } from './router-id-allocation.ts';
import { secretSchema, type SecretRef } from './secret.ts';
import { endpointSliceSchema, serviceSchema, type EndpointSlice, type Service } from './service.ts';
import { issuesFromZod, type InvalidObject } from './validation.ts';

export type WorldRecord =
  | ClusterConfig
  | PeerConfig
  | Advertisement
  | NodeConfigOverride
  | K8sNode
  | CiliumNode
  | PodIPPool
  | LbIpPool
  | Service
  | EndpointSlice
  | SecretRef
  | RouterIdAllocation;

export type RecordKind = WorldRecord['kind'];

interface KindRow {
  readonly group: string;
  readonly versions: readonly string[];
  readonly namespaced: boolean;
  readonly schema: z.ZodType<WorldRecord>;
}

const CILIUM_BGP = ['v2', 'v2alpha1'];

/** Every kind bgpcast consumes: API group, accepted versions, scope and schema. */
export const KINDS: Readonly<Record<RecordKind, KindRow>> = {
  CiliumBGPClusterConfig: { group: 'cilium.io', versions: CILIUM_BGP, namespaced: false, schema: clusterConfigSchema },
  CiliumBGPPeerConfig: { group: 'cilium.io', versions: CILIUM_BGP, namespaced: false, schema: peerConfigSchema },
  CiliumBGPAdvertisement: { group: 'cilium.io', versions: CILIUM_BGP, namespaced: false, schema: advertisementSchema },
  CiliumBGPNodeConfigOverride: {
    group: 'cilium.io',
    versions: CILIUM_BGP,
    namespaced: false,
    schema: nodeConfigOverrideSchema,
  },
  CiliumNode: { group: 'cilium.io', versions: ['v2'], namespaced: false, schema: ciliumNodeSchema },
  CiliumPodIPPool: { group: 'cilium.io', versions: ['v2alpha1', 'v2'], namespaced: false, schema: podIPPoolSchema },
  CiliumLoadBalancerIPPool: { group: 'cilium.io', versions: CILIUM_BGP, namespaced: false, schema: lbIpPoolSchema },
  Node: { group: '', versions: ['v1'], namespaced: false, schema: nodeSchema },
  Service: { group: '', versions: ['v1'], namespaced: true, schema: serviceSchema },
  Secret: { group: '', versions: ['v1'], namespaced: true, schema: secretSchema },
  EndpointSlice: { group: 'discovery.k8s.io', versions: ['v1'], namespaced: true, schema: endpointSliceSchema },
  // bgpcast's own: published by the functions (ip-pool router IDs), not read from Kubernetes.
  RouterIDAllocation: { group: 'bgpcast.io', versions: ['v1'], namespaced: false, schema: routerIdAllocationSchema },
};

export function isRecordKind(kind: string): kind is RecordKind {
  return Object.hasOwn(KINDS, kind);
}

export type NormaliseResult =
  | { readonly status: 'ok'; readonly record: WorldRecord }
  | { readonly status: 'invalid'; readonly error: InvalidObject }
  | { readonly status: 'unsupported'; readonly apiVersion: string; readonly kind: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Namespace and name of a raw object, as far as they can be read. */
function rawIdentity(raw: Record<string, unknown>, namespaced: boolean): { namespace: string | null; name: string } {
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  return { namespace: namespaced ? str(meta.namespace) || 'default' : null, name: str(meta.name) };
}

export function normaliseObject(raw: unknown): NormaliseResult {
  if (!isObject(raw)) {
    return { status: 'unsupported', apiVersion: '', kind: '' };
  }
  const apiVersion = str(raw.apiVersion);
  const kind = str(raw.kind);
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (!isRecordKind(kind) || KINDS[kind].group !== group || !KINDS[kind].versions.includes(version)) {
    return { status: 'unsupported', apiVersion, kind };
  }
  const row = KINDS[kind];
  const parsed = row.schema.safeParse(raw);
  if (parsed.success) return { status: 'ok', record: parsed.data };
  return {
    status: 'invalid',
    error: { apiVersion, kind, ...rawIdentity(raw, row.namespaced), issues: issuesFromZod(parsed.error) },
  };
}

/**
 * The error of a version that breaks bgpcast's rules and names an object of a kind the world holds:
 * the version the fold keeps beside the object's last valid one (docs/cilium-semantics.md OBJ-5).
 * Null for a valid version, and for one that names no object (nothing to keep it beside).
 */
export function invalidVersion(result: NormaliseResult): (InvalidObject & { readonly kind: RecordKind }) | null {
  if (result.status !== 'invalid' || result.error.name === '' || !isRecordKind(result.error.kind)) return null;
  return result.error as InvalidObject & { readonly kind: RecordKind };
}

/**
 * The identity of an object across versions, written like events/object-key.ts writes record keys:
 * Kind[.group]/[namespace/]name, e.g. "Service/default/web", "CiliumNode.cilium.io/worker1".
 */
export function objectIdentity(kind: RecordKind, namespace: string | null, name: string): string {
  const group = KINDS[kind].group;
  const qualified = group ? `${kind}.${group}` : kind;
  return namespace ? `${qualified}/${namespace}/${name}` : `${qualified}/${name}`;
}

/** Key of a record inside its kind's map: name, or namespace/name for namespaced kinds. */
export function mapKey(namespace: string | null, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
