// Service VIP advertisements (A24–A28): the route candidates one advertisement entry asks for
// because of one Service.
// - An entry with a nil selector or no `service` options selects no Service (§11.1).
// - LoadBalancerIP: the ingress IPs of a Service of type LoadBalancer, unless its
//   loadBalancerClass is set to something other than io.cilium/bgp-control-plane. The class rule
//   skips only the LoadBalancer addresses; the reference's "whole Service" is read as "for this
//   address type", since ClusterIP and ExternalIP frontends are not owned by a load balancer.
// - ClusterIP: clusterIPs. ExternalIP: spec.externalIPs. ExternalName Services have no frontends.
// - externalTrafficPolicy=Local (LoadBalancerIP, ExternalIP) and internalTrafficPolicy=Local
//   (ClusterIP): advertised only by nodes holding a ready endpoint of the Service. Cilium 1.19
//   advertises such VIPs from every node (§11.2, cilium#44803); bgpcast does not.
// - No ready endpoint anywhere: not advertised when enable-no-service-endpoints-routable is false;
//   with the default (true) and a Cluster policy the VIP stays advertised (cilium#40717).
// - Aggregation lengths mask the address to the covering prefix, except under a Local policy,
//   where the host route is kept (A27).
// - With enable-bgp-legacy-origin-attribute, LoadBalancerIP routes carry ORIGIN=INCOMPLETE (A28).
//
// Everything but the Local check is the same on every node, so the candidates are split into the
// ones every node advertises and the ones only the nodes in `onlyFrom` advertise; the per-world
// caching of these lives in service-candidates.ts.

import { ADVERTISEMENT_TYPES, type AdvertisementEntry, type ServiceAddressType } from '../model/advertisement.ts';
import { NIL_SELECTS, selectorMatches } from '../model/label-selector.ts';
import { familyBits, formatPrefix, maskTo, type IpFamily } from '../../events/ip.ts';
import type { Settings } from '../model/world.ts';
import type { RouteCandidate } from './candidates.ts';
import type { ServiceFacts } from '../incremental/service-index.ts';

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

/** Entries that can select Services at all (§11.1: a nil selector or no options select none). */
export function isServiceEntry(entry: AdvertisementEntry): boolean {
  return entry.type === ADVERTISEMENT_TYPES.Service && entry.service !== null && entry.selector !== null;
}

function frontends(facts: ServiceFacts, type: ServiceAddressType) {
  const svc = facts.service;
  switch (type) {
    case 'LoadBalancerIP': {
      const foreignClass = svc.loadBalancerClass !== null && svc.loadBalancerClass !== BGP_LOAD_BALANCER_CLASS;
      const ips = svc.type === 'LoadBalancer' && !foreignClass ? facts.loadBalancerIPs : [];
      return { ips, local: svc.externalTrafficPolicy === 'Local' };
    }
    case 'ClusterIP':
      return { ips: facts.clusterIPs, local: svc.internalTrafficPolicy === 'Local' };
    case 'ExternalIP':
      return { ips: facts.externalIPs, local: svc.externalTrafficPolicy === 'Local' };
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
