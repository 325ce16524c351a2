// What the Service rules need of one Service besides the Service itself (docs/cilium-semantics.md
// SVC-2, SVC-5): the labels an advertisement's selector sees (its own plus
// io.kubernetes.service.name and .namespace), and where its ready endpoints are, over every
// EndpointSlice that names it.

import type { Labels } from '../model/label-selector.ts';
import { mapKey } from '../model/normalise.ts';
import type { EndpointSlice, Service } from '../model/service.ts';
import type { WorldView } from '../model/world.ts';

export const SERVICE_NAME_SELECTOR_LABEL = 'io.kubernetes.service.name';
export const SERVICE_NAMESPACE_SELECTOR_LABEL = 'io.kubernetes.service.namespace';

export interface Readiness {
  /** Ready endpoints over all of the Service's EndpointSlices. */
  readonly count: number;
  /** Nodes that hold at least one ready endpoint. */
  readonly nodes: ReadonlySet<string>;
}

export interface ServiceFacts {
  readonly service: Service;
  readonly labels: Labels;
  readonly readyEndpoints: number;
  readonly readyNodes: ReadonlySet<string>;
}

/** The services-map key of the Service an EndpointSlice belongs to, or null. */
export function owningService(slice: EndpointSlice | undefined): string | null {
  return slice === undefined || slice.serviceName === null ? null : mapKey(slice.meta.namespace, slice.serviceName);
}

export function readiness(slices: Iterable<EndpointSlice>): Readiness {
  let count = 0;
  const nodes = new Set<string>();
  for (const slice of slices) {
    for (const ep of slice.endpoints) {
      if (!ep.ready) continue;
      count++;
      if (ep.nodeName !== null) nodes.add(ep.nodeName);
    }
  }
  return { count, nodes };
}

export function serviceFacts(service: Service, ready: Readiness): ServiceFacts {
  return {
    service,
    labels: {
      ...service.meta.labels,
      [SERVICE_NAME_SELECTOR_LABEL]: service.meta.name,
      [SERVICE_NAMESPACE_SELECTOR_LABEL]: service.meta.namespace ?? '',
    },
    readyEndpoints: ready.count,
    readyNodes: ready.nodes,
  };
}

/** The facts of every Service of the world. */
export function worldServiceFacts(world: WorldView): ServiceFacts[] {
  const slicesOf = new Map<string, EndpointSlice[]>();
  for (const slice of world.endpointSlices.values()) {
    const owner = owningService(slice);
    if (owner === null) continue;
    const list = slicesOf.get(owner);
    if (list === undefined) slicesOf.set(owner, [slice]);
    else list.push(slice);
  }
  return [...world.services].map(([key, service]) => serviceFacts(service, readiness(slicesOf.get(key) ?? [])));
}
