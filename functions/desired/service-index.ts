// Per-world facts about Services that every node needs: the labels a selector sees (the Service's
// own plus io.kubernetes.service.name / namespace, A24) and where its ready endpoints are.
// Memoised per (services map, endpointSlices map): the world is copy-on-write per kind (world.ts,
// store/apply-changes.ts), so a change to any other kind (a Node label, a BGP resource) keeps both
// maps and reuses the index, while any Service or EndpointSlice change replaces a map and rebuilds it.

import { parseIp, type IpAddress } from '../model/ip.ts';
import { mapKey } from '../model/normalise.ts';
import type { Labels } from '../model/label-selector.ts';
import type { Service } from '../model/service.ts';
import type { WorldView } from '../model/world.ts';

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

const parseAll = (ips: readonly string[]): IpAddress[] =>
  ips.flatMap((text) => {
    const ip = parseIp(text);
    return ip === null ? [] : [ip];
  });

function buildIndex(
  services: WorldView['services'],
  endpointSlices: WorldView['endpointSlices'],
): readonly ServiceFacts[] {
  const ready = new Map<string, { count: number; nodes: Set<string> }>();
  for (const slice of endpointSlices.values()) {
    if (slice.serviceName === null) continue;
    const key = mapKey(slice.meta.namespace, slice.serviceName);
    const acc = ready.get(key) ?? { count: 0, nodes: new Set<string>() };
    for (const ep of slice.endpoints) {
      if (!ep.ready) continue;
      acc.count++;
      if (ep.nodeName !== null) acc.nodes.add(ep.nodeName);
    }
    ready.set(key, acc);
  }
  return [...services.entries()].map(([key, service]) => ({
    service,
    labels: {
      ...service.meta.labels,
      [SERVICE_NAME_SELECTOR_LABEL]: service.meta.name,
      [SERVICE_NAMESPACE_SELECTOR_LABEL]: service.meta.namespace ?? '',
    },
    clusterIPs: parseAll(service.clusterIPs),
    externalIPs: parseAll(service.externalIPs),
    loadBalancerIPs: parseAll(service.loadBalancerIPs),
    readyEndpoints: ready.get(key)?.count ?? 0,
    readyNodes: ready.get(key)?.nodes ?? new Set<string>(),
  }));
}

const cache = new WeakMap<WorldView['services'], WeakMap<WorldView['endpointSlices'], readonly ServiceFacts[]>>();

/**
 * The facts of every Service of the world. The same array (identity) for as long as the world's
 * services and endpointSlices maps are the same, so callers may key their own caches on it.
 */
export function serviceFacts(world: WorldView): readonly ServiceFacts[] {
  let bySlices = cache.get(world.services);
  if (bySlices === undefined) {
    bySlices = new WeakMap();
    cache.set(world.services, bySlices);
  }
  let facts = bySlices.get(world.endpointSlices);
  if (facts === undefined) {
    facts = buildIndex(world.services, world.endpointSlices);
    bySlices.set(world.endpointSlices, facts);
  }
  return facts;
}
