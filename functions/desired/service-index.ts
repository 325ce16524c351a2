// Per-world facts about Services that every node needs: the labels a selector sees (the Service's
// own plus io.kubernetes.service.name / namespace, A24) and where its ready endpoints are.
// Memoised per world value, so computing many nodes of one world scans Services and slices once.

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

function buildIndex(world: WorldView): readonly ServiceFacts[] {
  const ready = new Map<string, { count: number; nodes: Set<string> }>();
  for (const slice of world.endpointSlices.values()) {
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
  return [...world.services.entries()].map(([key, service]) => ({
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

const cache = new WeakMap<WorldView, readonly ServiceFacts[]>();

export function serviceFacts(world: WorldView): readonly ServiceFacts[] {
  let facts = cache.get(world);
  if (facts === undefined) {
    facts = buildIndex(world);
    cache.set(world, facts);
  }
  return facts;
}
