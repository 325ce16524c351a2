// The Service index of a world: every Service's facts (cilium/service-facts.ts) and the slices that
// name it, one per (services, endpointSlices) pair of maps, derived from an ancestor pair's by the
// affected Services only (docs/incremental.md).

import type { EndpointSlice, Service } from '../model/service.ts';
import type { WorldView } from '../model/world.ts';
import { owningService, readiness, serviceFacts, type Readiness, type ServiceFacts } from '../cilium/service-facts.ts';
import { derivationsOf, type Derivation } from './derivation.ts';
import { LayeredMap } from './layered-map.ts';
import { descend, nextId, type Lineaged } from './lineage.ts';

export interface ServiceIndex extends Lineaged<ServiceIndex> {
  /** By services-map key ("namespace/name"). */
  readonly facts: LayeredMap<string, ServiceFacts>;
  /** Service key → keys of the EndpointSlices that name it (whether or not the Service exists). */
  readonly slicesOf: LayeredMap<string, ReadonlySet<string>>;
}

type Services = WorldView['services'];
type Slices = WorldView['endpointSlices'];

const NO_SLICES: ReadonlySet<string> = new Set();

/** The readiness over the slices with these keys. */
function readinessOf(sliceKeys: ReadonlySet<string> | undefined, slices: Slices): Readiness {
  return readiness([...(sliceKeys ?? NO_SLICES)].flatMap((key) => slices.get(key) ?? []));
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
  for (const [key, service] of services) facts.set(key, serviceFacts(service, readinessOf(slicesOf.get(key), slices)));
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
    const ready = readinessOf(slicesOf.get(key), slices);
    const same =
      old !== undefined && old.service === service && old.readyEndpoints === ready.count && sameSet(old.readyNodes, ready.nodes);
    if (!same) updates.set(key, serviceFacts(service, ready));
  }
  for (const key of updates.keys()) changed.add(key);
  if (changed.size === 0 && slicesOf === from.slicesOf) return from;
  return { id: nextId(), ancestors: descend(from, changed), facts: from.facts.with(updates), slicesOf };
}

const unchanged = <K, V>(map: ReadonlyMap<K, V>): Derivation<K, V> => ({ from: map, keys: new Set() });

/**
 * The maps of this many recent indexes are held strongly: the next world's maps derive from them,
 * and the runner may drop a world before the next one's index is asked for.
 */
const KEEP_RECENT = 8;

export class ServiceIndexes {
  readonly #byMaps = new WeakMap<Services, WeakMap<Slices, ServiceIndex>>();
  readonly #recent: (readonly [Services, Slices])[] = [];

  /**
   * The Service index of the world: the same object for as long as the world's services and
   * endpointSlices maps are the same (and beyond, when a change affects no Service's facts).
   */
  of(world: WorldView): ServiceIndex {
    const { services, endpointSlices: slices } = world;
    const hit = this.#cached(services, slices);
    if (hit !== undefined) return hit;
    // The nearest pair of ancestor maps that has an index, nearest by total steps.
    const serviceSteps = [unchanged(services), ...derivationsOf(services)];
    const sliceSteps = [unchanged(slices), ...derivationsOf(slices)];
    let index: ServiceIndex | undefined;
    for (let total = 1; index === undefined && total < serviceSteps.length + sliceSteps.length - 1; total++) {
      for (let i = Math.max(0, total - sliceSteps.length + 1); i <= Math.min(total, serviceSteps.length - 1); i++) {
        const s = serviceSteps[i] as Derivation<string, Service>;
        const e = sliceSteps[total - i] as Derivation<string, EndpointSlice>;
        const from = this.#cached(s.from, e.from);
        if (from === undefined) continue;
        index = deriveIndex(from, services, s, slices, e);
        break;
      }
    }
    index ??= buildIndex(services, slices);
    this.#remember(services, slices, index);
    return index;
  }

  #cached(services: Services, slices: Slices): ServiceIndex | undefined {
    return this.#byMaps.get(services)?.get(slices);
  }

  #remember(services: Services, slices: Slices, index: ServiceIndex): void {
    let bySlices = this.#byMaps.get(services);
    if (bySlices === undefined) this.#byMaps.set(services, (bySlices = new WeakMap()));
    bySlices.set(slices, index);
    this.#recent.push([services, slices]);
    if (this.#recent.length > KEEP_RECENT) this.#recent.shift();
  }
}
