// Desired state in Redis as functions/ writes it and speaker/ reads it: the document split so
// that a change costs what it changes, not what the node holds.
//
// A node's document (events/desired-state.ts DesiredNodeState) is stored in two hashes that share
// the node's hash tag (one Redis Cluster slot, one atomic script; keys and fields:
// events/redis-keys.ts):
//   <p>:{<node>}:desired         the head, with `sessions`: the document with every family's routes
//                                left empty (JSON);
//   <p>:{<node>}:desired:routes  one field per route: routeField() → routeValue().
// Together they are the truth; reading both in one MULTI gives one revision's document
// (readers: assembleDocument()).
//
// Every write bumps the revision by one and publishes a DesiredDelta on
// <p>:{<node>}:desired:changed in the same script, so deltas arrive in revision order. A delta is
// a hint: a reader applies it only on top of exactly `previous`; a gap, a `truncated` delta or a
// reconnect means reading the document. A truncated delta still says what changed in the
// sessions part only by `sessions` — readers reload everything anyway.
//
// Revisions count within one store epoch (the head's `epoch`): a world rebuilt from the events
// topic starts a new epoch, whose revisions may be lower than, or equal to, those a reader applied.
// A reader compares (epoch, revision): another epoch means reading the document and applying it as
// a diff of what it holds; within one epoch only a higher revision is newer.

import type { DesiredFamily, DesiredNodeState, DesiredRoute } from './desired-state.ts';
import { sortByPrefix } from './ip.ts';

export type Afi = DesiredFamily['afi'];

/** Where a route goes: one family of one peer of one instance. */
export interface RouteSlot {
  readonly instance: string;
  readonly peer: string;
  readonly afi: Afi;
}

export interface DesiredRouteChange extends RouteSlot {
  readonly prefix: string;
  /** The new route; null withdraws the prefix from this slot. */
  readonly route: DesiredRoute | null;
}

export interface DesiredDelta {
  readonly node: string;
  /**
   * The store epoch it was written under (events/redis-keys.ts LOG_FIELDS): revisions count within
   * one epoch; a delta of another epoch than the one applied means reading the document.
   */
  readonly epoch: string;
  /** The revision this delta produces. */
  readonly revision: number;
  /** The revision it applies to (revision - 1). */
  readonly previous: number;
  /** The new sessions part (document without routes) when it changed, else null. */
  readonly sessions: DesiredNodeState | null;
  /** Route changes, in no particular order; each (slot, prefix) at most once. */
  readonly routes: readonly DesiredRouteChange[];
  /** Too large to carry: `routes` is empty and readers must read the document. */
  readonly truncated: boolean;
  /**
   * When the writer sent it, epoch ms by the writer's clock: for the speaker's desired → UPDATE
   * latency, nothing decides on it. Absent from writers before it; ignored when not a number.
   */
  readonly writtenAt?: number;
}

/** Deltas with more route changes than this are published truncated. */
export const MAX_DELTA_ROUTES = 2000;

/**
 * The routes-hash field of a route: a JSON array [instance, peer, afi, prefix]. Instance and peer
 * names are free text in the CRDs, so no separator character is safe; JSON is, and stays readable
 * in redis-cli.
 */
export function routeField(slot: RouteSlot, prefix: string): string {
  return JSON.stringify([slot.instance, slot.peer, slot.afi, prefix]);
}

export function parseRouteField(field: string): { slot: RouteSlot; prefix: string } | null {
  let v: unknown;
  try {
    v = JSON.parse(field);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'string')) return null;
  const [instance, peer, afi, prefix] = v as string[];
  if (afi !== 'ipv4' && afi !== 'ipv6') return null;
  return { slot: { instance: instance!, peer: peer!, afi }, prefix: prefix! };
}

/**
 * The routes-hash value: the route's attributes as JSON, defaults left out (no communities, no
 * LOCAL_PREF, ORIGIN igp → "{}"), which keeps 10,000 routes per node small.
 */
export function routeValue(route: DesiredRoute): string {
  const v: Record<string, unknown> = {};
  if (route.communities.length > 0) v['communities'] = route.communities;
  if (route.largeCommunities.length > 0) v['largeCommunities'] = route.largeCommunities;
  if (route.localPreference !== null) v['localPreference'] = route.localPreference;
  if (route.origin !== 'igp') v['origin'] = route.origin;
  return JSON.stringify(v);
}

export function parseRouteValue(prefix: string, value: string): DesiredRoute {
  const v = JSON.parse(value) as Partial<Omit<DesiredRoute, 'prefix'>>;
  return {
    prefix,
    communities: v.communities ?? [],
    largeCommunities: v.largeCommunities ?? [],
    localPreference: v.localPreference ?? null,
    origin: v.origin ?? 'igp',
  };
}

export function slotId(slot: RouteSlot): string {
  return JSON.stringify([slot.instance, slot.peer, slot.afi]);
}

// --- assembling a document from its two hashes --------------------------------------------------

/** Every route slot of a document, in document order. */
export function slotsOf(doc: DesiredNodeState): RouteSlot[] {
  return doc.instances.flatMap((inst) =>
    inst.peers.flatMap((peer) => peer.families.map((fam) => ({ instance: inst.name, peer: peer.name, afi: fam.afi }))),
  );
}

/** `doc` with each family's routes replaced by `routesOf(slot)`, mapped over the same structure. */
function withRoutes(doc: DesiredNodeState, routesOf: (slot: RouteSlot) => readonly DesiredRoute[]): DesiredNodeState {
  return {
    ...doc,
    instances: doc.instances.map((inst) => ({
      ...inst,
      peers: inst.peers.map((peer) => ({
        ...peer,
        families: peer.families.map((fam) => ({ ...fam, routes: routesOf({ instance: inst.name, peer: peer.name, afi: fam.afi }) })),
      })),
    })),
  };
}

/**
 * The whole document: `sessions` with each family's routes taken from `routesOf(slot)` (in any
 * order) and sorted in the contract's prefix order.
 */
export function fillRoutes(sessions: DesiredNodeState, routesOf: (slot: RouteSlot) => readonly DesiredRoute[]): DesiredNodeState {
  return withRoutes(sessions, (slot) => sortByPrefix(routesOf(slot), (r) => r.prefix));
}

/**
 * The document of one revision from its two hashes: `sessions` (the routeless document) and the
 * routes hash as field → value. Routes land in their slot's family, sorted by the contract's
 * prefix order; a field naming no slot of `sessions`, or that does not parse, is left out and
 * returned in `orphans` (a reader may log them; a consistent store has none).
 */
export function assembleDocument(
  sessions: DesiredNodeState,
  routes: Iterable<readonly [string, string]>,
): { document: DesiredNodeState; orphans: string[] } {
  const bySlot = new Map<string, DesiredRoute[]>(slotsOf(sessions).map((slot) => [slotId(slot), []]));
  const orphans: string[] = [];
  for (const [field, value] of routes) {
    const parsed = parseRouteField(field);
    const list = parsed && bySlot.get(slotId(parsed.slot));
    if (!parsed || !list) {
      orphans.push(field);
      continue;
    }
    try {
      list.push(parseRouteValue(parsed.prefix, value));
    } catch {
      orphans.push(field);
    }
  }
  return { document: fillRoutes(sessions, (slot) => bySlot.get(slotId(slot))!), orphans };
}

/** The sessions part of a document: the same document with every family's routes empty. */
export function sessionsOf(doc: DesiredNodeState): DesiredNodeState {
  const { revision: _revision, ...rest } = doc;
  return withRoutes(rest, () => []);
}
