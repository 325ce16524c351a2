// What the watcher keeps of an object: the fields the functions' normalisers read
// (functions/model/*.ts), per kind, and nothing else. It is what the watcher publishes, and its
// digest decides whether a change is worth an event: a Node heartbeat, a condition, managedFields,
// an annotation nobody reads or an endpoint address change all leave it as it was. A unit test
// holds it to the normalisers: normalising an object and its projection give the same record.
//
// A field is kept as it is when its shape is not the expected one (a string where an object
// should be), so an invalid object stays exactly as invalid.

import type { KubeObject } from '../envelope.ts';
import { sanitizeObject } from '../sanitize.ts';

/**
 * true: keep the value; an object: keep those fields of it; [shape]: each element of a list; a
 * function: what it keeps of the value.
 */
export type Shape = true | ((value: unknown) => unknown) | { readonly [field: string]: Shape } | readonly [Shape];

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const metadata: Shape = {
  name: true,
  namespace: true,
  uid: true,
  resourceVersion: true,
  creationTimestamp: true,
  labels: true,
};

// metadata.generation is kept for the BGP kinds only: their conditions report observedGeneration.
// No rule reads it of the other kinds, and an EndpointSlice bumps it with every endpoint change
// (an address moving included), so keeping it would publish exactly the noise this filters.
const withSpec: Shape = { metadata: { ...metadata, generation: true }, spec: true };

/** Of a map, the keys that start with `prefix` (anything that is not a map, as it is). */
const keysStartingWith =
  (prefix: string) =>
  (value: unknown): unknown =>
    isPlainObject(value) ? Object.fromEntries(Object.entries(value).filter(([k]) => k.startsWith(prefix))) : value;

/**
 * Of a map, the keys that start with one of `prefixes`; none: no field at all, so annotations
 * nobody reads appearing change nothing (anything that is not a map, as it is).
 */
const keysWithPrefixes =
  (prefixes: readonly string[]) =>
  (value: unknown): unknown => {
    if (!isPlainObject(value)) return value;
    const kept = Object.entries(value).filter(([k]) => prefixes.some((p) => k.startsWith(p)));
    return kept.length > 0 ? Object.fromEntries(kept) : undefined;
  };

/** Of a list of conditions, those of the given types (anything that is not a list, as it is). */
const conditionsOfTypes =
  (types: (type: unknown) => boolean) =>
  (value: unknown): unknown =>
    Array.isArray(value) ? value.filter((c) => !isPlainObject(c) || types(c.type)) : value;

/**
 * Kinds whose generation no rule reads (the projection drops it). A Service's is read: LB IPAM's
 * condition reports it as observedGeneration (it moves only with the spec).
 */
export const GENERATION_UNREAD: ReadonlySet<string> = new Set(['Node', 'CiliumNode', 'EndpointSlice', 'Secret']);

/** LB IPAM's annotations of a Service (functions/model/service.ts LB_IPAM_ANNOTATIONS), and its condition. */
const LB_IPAM_ANNOTATION_PREFIXES = ['lbipam.cilium.io/', 'io.cilium/lb-ipam-'];
const IPAM_REQUEST_SATISFIED = 'cilium.io/IPAMRequestSatisfied';

export const projectionShapes: Readonly<Record<string, Shape>> = {
  Node: {
    metadata,
    spec: { podCIDR: true, podCIDRs: true },
    status: { addresses: [{ type: true, address: true }] },
  },
  CiliumNode: {
    metadata,
    spec: { addresses: [{ type: true, ip: true }], ipam: { podCIDRs: true, pools: { allocated: [{ pool: true, cidrs: true }] } } },
  },
  // LB IPAM's inputs (its annotations, the requested and wanted addresses, the sharing checks'
  // ports and selector) and its own condition, read back for its transition time.
  Service: {
    metadata: { ...metadata, generation: true, annotations: keysWithPrefixes(LB_IPAM_ANNOTATION_PREFIXES) },
    spec: {
      type: true,
      loadBalancerIP: true,
      ipFamilyPolicy: true,
      ports: [{ port: true }],
      selector: true,
      clusterIP: true,
      clusterIPs: true,
      externalIPs: true,
      loadBalancerClass: true,
      externalTrafficPolicy: true,
      internalTrafficPolicy: true,
      ipFamilies: true,
    },
    status: { loadBalancer: { ingress: [{ ip: true }] }, conditions: conditionsOfTypes((t) => t === IPAM_REQUEST_SATISFIED) },
  },
  EndpointSlice: { metadata, endpoints: [{ nodeName: true, conditions: { ready: true } }] },
  // Already a reference (sanitize.ts): the names of its keys, never their values.
  Secret: { metadata, type: true, dataKeys: true },
  CiliumPodIPPool: withSpec,
  // Its status: the conditions LB IPAM wrote, read back for their transition times.
  CiliumLoadBalancerIPPool: { ...withSpec, status: { conditions: conditionsOfTypes((t) => typeof t === 'string' && (t.startsWith('cilium.io/') || t.startsWith('bgpcast.io/'))) } },
  CiliumBGPClusterConfig: withSpec,
  // Its bgpcast.io/ annotations switch on speaker features (functions/model/peer-annotations.ts).
  CiliumBGPPeerConfig: { ...withSpec, metadata: { ...metadata, generation: true, annotations: keysStartingWith('bgpcast.io/') } },
  CiliumBGPAdvertisement: withSpec,
  CiliumBGPNodeConfigOverride: withSpec,
};

export function project(value: unknown, shape: Shape): unknown {
  if (shape === true) return value;
  if (typeof shape === 'function') return shape(value);
  if (Array.isArray(shape)) return Array.isArray(value) ? value.map((v) => project(v, shape[0] as Shape)) : value;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [field, sub] of Object.entries(shape as Record<string, Shape>)) {
    if (!Object.hasOwn(value, field)) continue;
    const kept = project(value[field], sub);
    if (kept !== undefined) out[field] = kept;
  }
  return out;
}

/** The object as the watcher publishes it; null for a kind bgpcast does not consume. */
export function projectObject(object: KubeObject): KubeObject | null {
  const shape = projectionShapes[object.kind];
  if (!shape) return null;
  const clean = object.kind === 'Secret' ? sanitizeObject(object) : object;
  return { apiVersion: object.apiVersion, kind: object.kind, ...(project(clean, shape) as object) } as KubeObject;
}
