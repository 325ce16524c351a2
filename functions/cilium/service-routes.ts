// Service address advertisements (docs/cilium-semantics.md SVC-1 to SVC-9): the route candidates
// one advertisement entry asks for because of one Service.
// - An entry without a selector or without `service` options selects no Service (SVC-1).
// - LoadBalancerIP: the ingress IPs of a LoadBalancer Service, unless its loadBalancerClass is
//   another controller's (which skips only these addresses); ClusterIP: its cluster IPs;
//   ExternalIP: spec.externalIPs. ExternalName Services have none (SVC-3).
// - Under externalTrafficPolicy=Local (LoadBalancerIP, ExternalIP) or internalTrafficPolicy=Local
//   (ClusterIP) only the nodes holding a ready endpoint advertise the address (SVC-4; Cilium 1.19
//   advertises it from every node), as a host route whatever the aggregation length (SVC-8).
// - No ready endpoint anywhere: not advertised when enable-no-service-endpoints-routable is false;
//   with the default (true) the address stays advertised (SVC-6).
// - An aggregation length advertises the covering prefix instead of the host route (SVC-7).
// - With enable-bgp-legacy-origin-attribute, LoadBalancerIP routes carry ORIGIN=INCOMPLETE (SVC-9).
// Everything but the Local check is the same on every node, so the candidates come split into
// those every node advertises and those only the nodes in `onlyFrom` advertise.

import { ADVERTISEMENT_TYPES, type AdvertisementEntry, type ServiceAddressType } from '../model/advertisement.ts';
import { NIL_SELECTS, selectorMatches } from '../model/label-selector.ts';
import { familyBits, formatPrefix, maskTo, type IpFamily } from '../../events/ip.ts';
import type { Settings } from '../settings.ts';
import type { RouteCandidate, RouteContext } from './candidates.ts';
import type { ServiceFacts } from './service-facts.ts';

export const BGP_LOAD_BALANCER_CLASS = 'io.cilium/bgp-control-plane';

/** The settings a Service route depends on. */
export type ServiceRouteSettings = Pick<Settings, 'enableNoServiceEndpointsRoutable' | 'legacyOriginAttribute'>;

/** What one entry asks for because of one Service. */
export interface ServiceCandidates {
  /** Not under a Local policy: every node advertises these. */
  readonly everyNode: readonly RouteCandidate[];
  /** Under a Local policy: only the nodes in `onlyFrom` advertise these. */
  readonly local: readonly RouteCandidate[];
  /** The nodes holding a ready endpoint; empty when `local` is. */
  readonly onlyFrom: ReadonlySet<string>;
}

const NO_NODES: ReadonlySet<string> = new Set();

/** Entries that can select Services at all (SVC-1). */
export function isServiceEntry(entry: AdvertisementEntry): boolean {
  return entry.type === ADVERTISEMENT_TYPES.Service && entry.service !== null && entry.selector !== null;
}

function frontends(facts: ServiceFacts, type: ServiceAddressType) {
  const svc = facts.service;
  switch (type) {
    case 'LoadBalancerIP': {
      const foreignClass = svc.loadBalancerClass !== null && svc.loadBalancerClass !== BGP_LOAD_BALANCER_CLASS;
      const ips = svc.type === 'LoadBalancer' && !foreignClass ? svc.loadBalancerIPs : [];
      return { ips, local: svc.externalTrafficPolicy === 'Local' };
    }
    case 'ClusterIP':
      return { ips: svc.clusterIPs, local: svc.internalTrafficPolicy === 'Local' };
    case 'ExternalIP':
      return { ips: svc.externalIPs, local: svc.externalTrafficPolicy === 'Local' };
  }
}

/** The candidates `entry` asks for in `family` because of one Service; null when none. */
export function serviceCandidates(
  facts: ServiceFacts,
  entry: AdvertisementEntry,
  family: IpFamily,
  settings: ServiceRouteSettings,
): ServiceCandidates | null {
  const options = entry.service;
  if (options === null || entry.selector === null) return null;
  if (facts.service.type === 'ExternalName') return null;
  if (facts.readyEndpoints === 0 && !settings.enableNoServiceEndpointsRoutable) return null;
  if (!selectorMatches(entry.selector, facts.labels, NIL_SELECTS.nothing)) return null;
  const aggregation = family === 4 ? options.aggregationLengthIPv4 : options.aggregationLengthIPv6;
  const everyNode: RouteCandidate[] = [];
  const local: RouteCandidate[] = [];
  for (const type of options.addresses) {
    const { ips, local: isLocal } = frontends(facts, type);
    const origin = type === 'LoadBalancerIP' && settings.legacyOriginAttribute ? 'incomplete' : 'igp';
    for (const ip of ips) {
      if (ip.family !== family) continue;
      const prefix = maskTo(ip, isLocal || aggregation === null ? familyBits(family) : aggregation);
      const candidate: RouteCandidate = { prefix, text: formatPrefix(prefix), attributes: entry.attributes, origin };
      (isLocal ? local : everyNode).push(candidate);
    }
  }
  if (everyNode.length === 0 && local.length === 0) return null;
  return { everyNode, local, onlyFrom: local.length === 0 ? NO_NODES : facts.readyNodes };
}

/** The Service candidates of one node's family: every Service, every entry selected for it. */
export function serviceRoutes(services: readonly ServiceFacts[], { world, node, family, entries }: RouteContext): RouteCandidate[] {
  const out: RouteCandidate[] = [];
  for (const entry of entries) {
    if (!isServiceEntry(entry)) continue;
    for (const facts of services) {
      const found = serviceCandidates(facts, entry, family, world.settings);
      if (found === null) continue;
      out.push(...found.everyNode);
      if (found.onlyFrom.has(node)) out.push(...found.local);
    }
  }
  return out;
}
