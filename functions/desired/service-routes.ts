// Service VIP advertisements (A24–A28).
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
// Everything but the Local check is the same on every node, so the candidates of one entry and
// family are computed once per Service index and settings (see cachedCandidates), split into the
// ones every node advertises (shared by all nodes, merged once: route-merge.ts) and, per node, the
// ones under a Local policy.

import { ADVERTISEMENT_TYPES, type AdvertisementEntry, type ServiceAddressType } from '../model/advertisement.ts';
import { NIL_SELECTS, selectorMatches } from '../model/label-selector.ts';
import { comparePrefixes, familyBits, formatPrefix, maskTo, type IpFamily } from '../model/ip.ts';
import type { WorldView } from '../model/world.ts';
import type { RouteCandidate, RouteContext } from './candidates.ts';
import { serviceFacts, type ServiceFacts } from './service-index.ts';

export const BGP_LOAD_BALANCER_CLASS = 'io.cilium/bgp-control-plane';

interface Frontends {
  readonly ips: ServiceFacts['clusterIPs'];
  readonly local: boolean;
}

/** A candidate that, under a Local policy, only nodes in `onlyFrom` advertise. */
interface ServiceCandidate {
  readonly candidate: RouteCandidate;
  readonly onlyFrom: ReadonlySet<string> | null;
}

function frontends(facts: ServiceFacts, type: ServiceAddressType): Frontends {
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

function entryCandidates(world: WorldView, entry: AdvertisementEntry, family: IpFamily): ServiceCandidate[] {
  const options = entry.service;
  if (options === null || entry.selector === null) return [];
  const aggregation = family === 4 ? options.aggregationLengthIPv4 : options.aggregationLengthIPv6;
  const out: ServiceCandidate[] = [];
  for (const facts of serviceFacts(world)) {
    if (facts.service.type === 'ExternalName') continue;
    if (facts.readyEndpoints === 0 && !world.settings.enableNoServiceEndpointsRoutable) continue;
    if (!selectorMatches(entry.selector, facts.labels, NIL_SELECTS.nothing)) continue;
    for (const type of options.addresses) {
      const { ips, local } = frontends(facts, type);
      const origin = type === 'LoadBalancerIP' && world.settings.legacyOriginAttribute ? 'incomplete' : 'igp';
      for (const ip of ips) {
        if (ip.family !== family) continue;
        const prefix = maskTo(ip, local || aggregation === null ? familyBits(family) : aggregation);
        const candidate = { prefix, text: formatPrefix(prefix), attributes: entry.attributes, origin } as const;
        out.push({ candidate, onlyFrom: local ? facts.readyNodes : null });
      }
    }
  }
  return out;
}

/** The candidates of one entry and family, split by whether they depend on the node. */
interface EntryCandidates {
  /** Not under a Local policy: every node advertises these. Sorted by prefix. */
  readonly everyNode: readonly RouteCandidate[];
  /** Under a Local policy: by node name, the candidates that node advertises. Sorted by prefix. */
  readonly byNode: ReadonlyMap<string, readonly RouteCandidate[]>;
}

// Keyed by the Service index (one per services × endpointSlices maps, service-index.ts), the two
// settings the candidates read, the entry (a record of the advertisements map: a new object when
// its Advertisement changes) and the family; so a Node or BGP-resource change reuses them.
const cache = new WeakMap<readonly ServiceFacts[], WeakMap<AdvertisementEntry, EntryCandidates[]>>();

function settingsSlot(world: WorldView, family: IpFamily): number {
  const { enableNoServiceEndpointsRoutable, legacyOriginAttribute } = world.settings;
  return family * 4 + (enableNoServiceEndpointsRoutable ? 2 : 0) + (legacyOriginAttribute ? 1 : 0);
}

function split(candidates: ServiceCandidate[]): EntryCandidates {
  // Sorted once here, so the per-node merge meets sorted runs.
  candidates.sort((a, b) => comparePrefixes(a.candidate.prefix, b.candidate.prefix));
  const everyNode: RouteCandidate[] = [];
  const byNode = new Map<string, RouteCandidate[]>();
  for (const { candidate, onlyFrom } of candidates) {
    if (onlyFrom === null) {
      everyNode.push(candidate);
      continue;
    }
    for (const node of onlyFrom) {
      const list = byNode.get(node);
      if (list === undefined) byNode.set(node, [candidate]);
      else list.push(candidate);
    }
  }
  return { everyNode, byNode };
}

function cachedCandidates(world: WorldView, entry: AdvertisementEntry, family: IpFamily): EntryCandidates {
  const facts = serviceFacts(world);
  let perIndex = cache.get(facts);
  if (perIndex === undefined) {
    perIndex = new WeakMap();
    cache.set(facts, perIndex);
  }
  let perEntry = perIndex.get(entry);
  if (perEntry === undefined) {
    perEntry = [];
    perIndex.set(entry, perEntry);
  }
  const slot = settingsSlot(world, family);
  let result = perEntry[slot];
  if (result === undefined) {
    result = split(entryCandidates(world, entry, family));
    perEntry[slot] = result;
  }
  return result;
}

const NONE: readonly RouteCandidate[] = Object.freeze([]);

const serviceEntries = (entries: readonly AdvertisementEntry[]) =>
  entries.filter((e) => e.type === ADVERTISEMENT_TYPES.Service);

/** Every Service route candidate of the node (the union of the two below). */
export function serviceRoutes(ctx: RouteContext): RouteCandidate[] {
  return [...sharedServiceRoutes(ctx.world, ctx.family, ctx.entries), ...nodeServiceRoutes(ctx)];
}

/** The Service route candidates under a Local policy that this node advertises. */
export function nodeServiceRoutes({ world, node, family, entries }: RouteContext): RouteCandidate[] {
  const out: RouteCandidate[] = [];
  for (const entry of serviceEntries(entries)) {
    const mine = cachedCandidates(world, entry, family).byNode.get(node);
    if (mine !== undefined) for (const c of mine) out.push(c);
  }
  return out;
}

// The node-independent candidates of a sequence of entries, memoised per Service index, settings
// and family along the sequence of entry objects, so every node that selects the same entries gets
// the same array (route-merge.ts memoises the merged routes of that array).
interface Sequence {
  readonly next: WeakMap<AdvertisementEntry, Sequence>;
  value?: readonly RouteCandidate[];
}
const sequences = new WeakMap<readonly ServiceFacts[], Sequence[]>();

/** The Service route candidates every node advertises (no Local policy): the same array for every node. */
export function sharedServiceRoutes(
  world: WorldView,
  family: IpFamily,
  entries: readonly AdvertisementEntry[],
): readonly RouteCandidate[] {
  const mine = serviceEntries(entries);
  if (mine.length === 0) return NONE;
  if (mine.length === 1) return cachedCandidates(world, mine[0] as AdvertisementEntry, family).everyNode;
  const facts = serviceFacts(world);
  let roots = sequences.get(facts);
  if (roots === undefined) {
    roots = [];
    sequences.set(facts, roots);
  }
  const slot = settingsSlot(world, family);
  let at = (roots[slot] ??= { next: new WeakMap() });
  for (const entry of mine) {
    let next = at.next.get(entry);
    if (next === undefined) {
      next = { next: new WeakMap() };
      at.next.set(entry, next);
    }
    at = next;
  }
  return (at.value ??= mine.flatMap((entry) => cachedCandidates(world, entry, family).everyNode));
}
