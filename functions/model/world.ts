// The world view: every record bgpcast knows, by kind and identity, plus the settings
// (functions/settings.ts). Desired state and conditions are pure functions of it.
//
// Folding rule for invalid objects (docs/cilium-semantics.md OBJ-5): as the API server rejects an
// invalid create or update, a version that breaks bgpcast's rules keeps the last valid record in
// place and is remembered in `invalid`, where conditions report it; a later valid version or a
// delete clears it. A first version that is invalid therefore leaves the object absent. The store
// keeps both versions (the `objects` and `invalid` hashes, functions/store/scripts.ts), so a reader
// that folds one hash after the other computes the world a reader of every version does.
//
// Updates are copy-on-write per kind: applyObject copies only the map of the changed kind, so a
// caller can keep `before` and `after` without copying the whole world. worldFromObjects builds a
// world in one pass, in place. (The runner folds batches with store/apply-changes.ts instead, whose
// maps record where they came from for the caches.)

import type { Advertisement } from './advertisement.ts';
import type { ClusterConfig } from './cluster-config.ts';
import type { NodeConfigOverride } from './node-config-override.ts';
import type { CiliumNode, K8sNode } from './node.ts';
import type { PeerConfig } from './peer-config.ts';
import type { LbIpPool } from './lb-ip-pool.ts';
import type { PodIPPool } from './pod-ip-pool.ts';
import type { RouterIdAllocation } from './router-id-allocation.ts';
import type { SecretRef } from './secret.ts';
import type { EndpointSlice, Service } from './service.ts';
import type { InvalidObject } from './validation.ts';
import { DEFAULT_SETTINGS, type Settings } from '../settings.ts';
import {
  isRecordKind,
  KINDS,
  mapKey,
  normaliseObject,
  objectIdentity,
  invalidVersion,
  type NormaliseResult,
  type RecordKind,
  type WorldRecord,
} from './normalise.ts';

export interface WorldView {
  readonly settings: Settings;
  /** Cluster-scoped kinds are keyed by name, namespaced kinds by "namespace/name". */
  readonly clusterConfigs: ReadonlyMap<string, ClusterConfig>;
  readonly peerConfigs: ReadonlyMap<string, PeerConfig>;
  readonly advertisements: ReadonlyMap<string, Advertisement>;
  readonly nodeConfigOverrides: ReadonlyMap<string, NodeConfigOverride>;
  readonly nodes: ReadonlyMap<string, K8sNode>;
  readonly ciliumNodes: ReadonlyMap<string, CiliumNode>;
  readonly podIPPools: ReadonlyMap<string, PodIPPool>;
  /** The CiliumLoadBalancerIPPools LB IPAM allocates from (the status writer's; no route reads them). */
  readonly lbIpPools: ReadonlyMap<string, LbIpPool>;
  readonly services: ReadonlyMap<string, Service>;
  readonly endpointSlices: ReadonlyMap<string, EndpointSlice>;
  readonly secrets: ReadonlyMap<string, SecretRef>;
  /** The ip-pool router IDs the functions allocated (one object, ROUTER_ID_ALLOCATION_NAME). */
  readonly routerIdAllocations: ReadonlyMap<string, RouterIdAllocation>;
  /** Objects whose latest version failed validation, keyed by objectIdentity. */
  readonly invalid: ReadonlyMap<string, InvalidObject>;
}

type RecordMapField = Exclude<keyof WorldView, 'settings' | 'invalid'>;

export const WORLD_FIELD: Readonly<Record<RecordKind, RecordMapField>> = {
  CiliumBGPClusterConfig: 'clusterConfigs',
  CiliumBGPPeerConfig: 'peerConfigs',
  CiliumBGPAdvertisement: 'advertisements',
  CiliumBGPNodeConfigOverride: 'nodeConfigOverrides',
  Node: 'nodes',
  CiliumNode: 'ciliumNodes',
  CiliumPodIPPool: 'podIPPools',
  CiliumLoadBalancerIPPool: 'lbIpPools',
  Service: 'services',
  EndpointSlice: 'endpointSlices',
  Secret: 'secrets',
  RouterIDAllocation: 'routerIdAllocations',
};

export function emptyWorld(settings: Partial<Settings> = {}): WorldView {
  return {
    settings: { ...DEFAULT_SETTINGS, ...settings },
    clusterConfigs: new Map(),
    peerConfigs: new Map(),
    advertisements: new Map(),
    nodeConfigOverrides: new Map(),
    nodes: new Map(),
    ciliumNodes: new Map(),
    podIPPools: new Map(),
    lbIpPools: new Map(),
    services: new Map(),
    endpointSlices: new Map(),
    secrets: new Map(),
    routerIdAllocations: new Map(),
    invalid: new Map(),
  };
}

export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string | null;
  readonly name: string;
}

function recordName(record: WorldRecord): { namespace: string | null; name: string } {
  return record.kind === 'Secret' ? record : record.meta;
}

/** Sets or (value undefined) deletes one entry: in a copy, or in place while a fold owns the maps. */
function withEntry<V>(
  map: ReadonlyMap<string, V>,
  key: string,
  value: V | undefined,
  inPlace = false,
): ReadonlyMap<string, V> {
  if (value === undefined && !map.has(key)) return map;
  const target = inPlace ? (map as Map<string, V>) : new Map(map);
  if (value === undefined) target.delete(key);
  else target.set(key, value);
  return target;
}

function setRecord(
  world: WorldView,
  kind: RecordKind,
  key: string,
  record: WorldRecord | undefined,
  inPlace = false,
): WorldView {
  const field = WORLD_FIELD[kind];
  const map = world[field] as ReadonlyMap<string, WorldRecord>;
  const next = withEntry(map, key, record, inPlace);
  return next === map ? world : { ...world, [field]: next };
}

function fold(world: WorldView, result: NormaliseResult, inPlace: boolean): WorldView {
  if (result.status === 'ok') {
    const { namespace, name } = recordName(result.record);
    const kind = result.record.kind;
    const next = setRecord(world, kind, mapKey(namespace, name), result.record, inPlace);
    const invalid = withEntry(next.invalid, objectIdentity(kind, namespace, name), undefined, inPlace);
    return invalid === next.invalid ? next : { ...next, invalid };
  }
  const error = invalidVersion(result);
  if (error !== null) {
    const id = objectIdentity(error.kind, error.namespace, error.name);
    const invalid = withEntry(world.invalid, id, error, inPlace);
    return invalid === world.invalid ? world : { ...world, invalid };
  }
  return world;
}

/** Folds one added or modified object into the world; `world` itself is left as it was. */
export function applyObject(world: WorldView, raw: unknown): { world: WorldView; result: NormaliseResult } {
  const result = normaliseObject(raw);
  return { world: fold(world, result, false), result };
}

/** Removes an object (and any record of its invalid versions) from the world. */
export function deleteObject(world: WorldView, ref: ObjectRef): WorldView {
  if (!isRecordKind(ref.kind)) return world;
  const namespace = KINDS[ref.kind].namespaced ? ref.namespace || 'default' : null;
  const next = setRecord(world, ref.kind, mapKey(namespace, ref.name), undefined);
  const invalid = withEntry(next.invalid, objectIdentity(ref.kind, namespace, ref.name), undefined);
  return invalid === next.invalid ? next : { ...next, invalid };
}

/** A world holding the given objects, folded in order (later versions win). */
export function worldFromObjects(objects: Iterable<unknown>, settings: Partial<Settings> = {}): WorldView {
  // The maps are fresh and not yet shared, so the fold may fill them in place.
  let world = emptyWorld(settings);
  for (const raw of objects) world = fold(world, normaliseObject(raw), true);
  return world;
}
