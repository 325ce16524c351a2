// Per-world facts about Services that every node needs: the labels a selector sees (the Service's
// own plus io.kubernetes.service.name / namespace, A24) and where its ready endpoints are.
//
// One index per (services map, endpointSlices map): the world is copy-on-write per kind, so a
// change to any other kind (a Node label, a BGP resource) keeps both maps and reuses the index.
// A Service or EndpointSlice change replaces a map; the new index is then derived from the index
// of an ancestor pair of maps (model/derivation.ts says which keys changed) by rebuilding the
// facts of the affected Services only: the changed Services, and for a changed EndpointSlice the
// Services named by its old and its new kubernetes.io/service-name label. A Service's facts keep
// their identity while it is unaffected, and `ancestors` records which Services changed since each
// earlier index, so the caches built on the index (service-candidates.ts) can follow suit. The maps
// are layered (model/layered-map.ts), so deriving costs O(affected Services), not O(Services).

import { derivationsOf, type Derivation } from './derivation.ts';
import { parseIp, type IpAddress } from '../../events/ip.ts';
import { mapKey } from '../model/normalise.ts';
import type { Labels } from '../model/label-selector.ts';
import type { EndpointSlice, Service } from '../model/service.ts';
import type { WorldView } from '../model/world.ts';
import { LayeredMap } from './layered-map.ts';
import { descend, nextId, type Lineaged } from './lineage.ts';

export const SERVICE_NAME_SELECTOR_LABEL = 'io.kubernetes.service.name';
export const SERVICE_NAMESPACE_SELECTOR_LABEL = 'io.kubernetes.service.namespace';

export interface ServiceFacts {
  readonly service: Service;
  readonly labels: Labels;
  /** The VIPs, parsed once. */
  readonly clusterIPs: readonly IpAddress[];
  readonly externalIPs: readonly IpAddress[];
  readonly loadBalancerIPs: readonly IpAddress[];
  /** Ready endpoints over all of the Service's EndpointSlices. */
  readonly readyEndpoints: number;
  /** Nodes that hold at least one ready endpoint. */
  readonly readyNodes: ReadonlySet<string>;
}

export interface ServiceIndex extends Lineaged<ServiceIndex> {
  /** By services-map key ("namespace/name"). */
  readonly facts: LayeredMap<string, ServiceFacts>;
  /** Service key → keys of the EndpointSlices that name it (whether or not the Service exists). */
  readonly slicesOf: LayeredMap<string, ReadonlySet<string>>;
}

type Services = WorldView['services'];
type Slices = WorldView['endpointSlices'];

const parseAll = (ips: readonly string[]): IpAddress[] =>
  ips.flatMap((text) => {
    const ip = parseIp(text);
    return ip === null ? [] : [ip];
  });

const owningService = (slice: EndpointSlice | undefined): string | null =>
  slice === undefined || slice.serviceName === null ? null : mapKey(slice.meta.namespace, slice.serviceName);

function readiness(sliceKeys: ReadonlySet<string> | undefined, slices: Slices) {
  let count = 0;
  const nodes = new Set<string>();
  for (const key of sliceKeys ?? []) {
    for (const ep of slices.get(key)?.endpoints ?? []) {
      if (!ep.ready) continue;
      count++;
      if (ep.nodeName !== null) nodes.add(ep.nodeName);
    }
  }
  return { count, nodes };
}

function factsOf(service: Service, ready: { count: number; nodes: Set<string> }): ServiceFacts {
  return {
    service,
    labels: {
      ...service.meta.labels,
      [SERVICE_NAME_SELECTOR_LABEL]: service.meta.name,
      [SERVICE_NAMESPACE_SELECTOR_LABEL]: service.meta.namespace ?? '',
    },
    clusterIPs: parseAll(service.clusterIPs),
    externalIPs: parseAll(service.externalIPs),
    loadBalancerIPs: parseAll(service.loadBalancerIPs),
    readyEndpoints: ready.count,
    readyNodes: ready.nodes,
  };
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function buildIndex(services: Services, slices: Slices): ServiceIndex {
  const slicesOf = new Map<string, Set<string>>();
  for (const [key, slice] of slices) {
    const owner = owningService(slice);
    if (owner === null) continue;
    const set = slicesOf.get(owner);
    if (set === undefined) slicesOf.set(owner, new Set([key]));
    else set.add(key);
  }
  const facts = new Map<string, ServiceFacts>();
  for (const [key, service] of services) facts.set(key, factsOf(service, readiness(slicesOf.get(key), slices)));
  return { id: nextId(), ancestors: [], facts: LayeredMap.of(facts), slicesOf: LayeredMap.of(slicesOf) };
}

/** `from` (the index of the maps `services.from` × `slices.from`) brought up to the current maps. */
function deriveIndex(
  from: ServiceIndex,
  services: Services,
  servicesStep: Derivation<string, Service>,
  slices: Slices,
  slicesStep: Derivation<string, EndpointSlice>,
): ServiceIndex {
  const affected = new Set(servicesStep.keys);
  let slicesOf = from.slicesOf;
  if (slicesStep.keys.size > 0) {
    const edited = new Map<string, Set<string>>();
    const edit = (owner: string): Set<string> => {
      let set = edited.get(owner);
      if (set === undefined) edited.set(owner, (set = new Set(slicesOf.get(owner))));
      return set;
    };
    for (const key of slicesStep.keys) {
      const before = owningService(slicesStep.from.get(key));
      const after = owningService(slices.get(key));
      if (before !== null) {
        affected.add(before);
        edit(before).delete(key);
      }
      if (after !== null) {
        affected.add(after);
        edit(after).add(key);
      }
    }
    slicesOf = slicesOf.with(new Map([...edited].map(([owner, set]) => [owner, set.size === 0 ? undefined : set])));
  }
  const changed = new Set<string>();
  const updates = new Map<string, ServiceFacts | undefined>();
  for (const key of affected) {
    const service = services.get(key);
    const old = from.facts.get(key);
    if (service === undefined) {
      if (old !== undefined) updates.set(key, undefined);
      continue;
    }
    const ready = readiness(slicesOf.get(key), slices);
    const same =
      old !== undefined && old.service === service && old.readyEndpoints === ready.count && sameSet(old.readyNodes, ready.nodes);
    if (!same) updates.set(key, factsOf(service, ready));
  }
  for (const key of updates.keys()) changed.add(key);
  if (changed.size === 0 && slicesOf === from.slicesOf) return from;
  return { id: nextId(), ancestors: descend(from, changed), facts: from.facts.with(updates), slicesOf };
}

const cache = new WeakMap<Services, WeakMap<Slices, ServiceIndex>>();

function cached(services: Services, slices: Slices): ServiceIndex | undefined {
  return cache.get(services)?.get(slices);
}

function remember(services: Services, slices: Slices, index: ServiceIndex): void {
  let bySlices = cache.get(services);
  if (bySlices === undefined) {
    bySlices = new WeakMap();
    cache.set(services, bySlices);
  }
  bySlices.set(slices, index);
}

const unchanged = <K, V>(map: ReadonlyMap<K, V>): Derivation<K, V> => ({ from: map, keys: new Set() });

/**
 * The Service index of the world: the same object for as long as the world's services and
 * endpointSlices maps are the same (and often beyond: when a change affects no Service's facts).
 */
export function serviceIndex(world: WorldView): ServiceIndex {
  const { services, endpointSlices: slices } = world;
  const hit = cached(services, slices);
  if (hit !== undefined) return hit;
  // The nearest pair of ancestor maps that has an index, nearest by total steps.
  const serviceSteps = [unchanged(services), ...derivationsOf(services)];
  const sliceSteps = [unchanged(slices), ...derivationsOf(slices)];
  let index: ServiceIndex | undefined;
  for (let total = 1; index === undefined && total < serviceSteps.length + sliceSteps.length - 1; total++) {
    for (let i = Math.max(0, total - sliceSteps.length + 1); i <= Math.min(total, serviceSteps.length - 1); i++) {
      const s = serviceSteps[i] as Derivation<string, Service>;
      const e = sliceSteps[total - i] as Derivation<string, EndpointSlice>;
      const from = cached(s.from, e.from);
      if (from === undefined) continue;
      index = deriveIndex(from, services, s, slices, e);
      break;
    }
  }
  index ??= buildIndex(services, slices);
  remember(services, slices, index);
  return index;
}
