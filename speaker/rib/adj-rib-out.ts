// The Adj-RIB-Out of one established session (RFC 4271 §3.2): per family, the routes we
// advertise with their attributes. Pure: it computes what to send, the session sends it.
//
// - set() replaces a family's desired routes and returns the minimal difference against what
//   was advertised: new or changed routes announced, routes gone withdrawn, unchanged routes
//   not sent (RFC 4271 §9.2: only changes are advertised). Attributes are interned
//   (route-attributes.ts), so "changed" is an identity comparison. It is cheap for a revision
//   that changes a few routes of many: attributes are built once per route object (the session's
//   RouteChecker, route-check.ts, hands back the same object for an unchanged route), and when
//   the prefixes are those of the table in its order the table is updated in place.
// - update() applies a batch of changes (a desired-state delta): upserts and withdrawals of
//   prefixes, in time proportional to the batch; the announcements and withdrawals are those set()
//   would compute for the resulting table.
// - announceAll() is the whole table as announcements, for the initial advertisement (followed
//   by End-of-RIB) and for a route refresh (RFC 2918 §4; between BoRR and EoRR with RFC 7313).
// - setGracefulShutdown() re-attributes every route with or without GRACEFUL_SHUTDOWN
//   (RFC 8326) and returns the resulting announcements.
// A family whose next hop cannot be expressed on this session (next-hop.ts) holds nothing
// and reports why.
// Toward a peer without the 4-octet AS capability the attributes are converted once per
// attribute set (RFC 6793 §4.2.2).

import { toTwoOctetPeer } from '../codec/as4.ts';
import type { FamilyKey } from '../codec/context.ts';
import type { Nlri } from '../codec/types.ts';
import type { Announcement, RouteAttributes, RouteChanges } from '../codec/update-plan.ts';
import type { DesiredRoute } from '../../events/desired-state.ts';
import { nextHopText, type NextHopResult } from './next-hop.ts';
import type { FamilyNextHop, OutboundFacts } from './route-attributes.ts';
import { AttributeFactory } from './route-attributes.ts';

export interface AdjRibOutOptions extends OutboundFacts {
  /** The peer did not send the 4-octet AS capability. */
  readonly twoOctetPeer: boolean;
  /** Next hop per family negotiated on the session. */
  readonly nextHops: ReadonlyMap<FamilyKey, NextHopResult>;
}

type Table = Map<string, RouteAttributes>;

export class AdjRibOut {
  readonly #factory: AttributeFactory;
  readonly #options: AdjRibOutOptions;
  readonly #tables = new Map<FamilyKey, Table>();
  /** Per family, the desired routes by prefix (kept for setGracefulShutdown's re-attribution). */
  readonly #desired = new Map<FamilyKey, Map<string, DesiredRoute>>();
  readonly #converted = new WeakMap<RouteAttributes, RouteAttributes>();
  /** Per family, the attributes each route object was last given (cleared with graceful shutdown). */
  readonly #built = new Map<FamilyKey, WeakMap<DesiredRoute, RouteAttributes>>();
  #gracefulShutdown = false;

  constructor(options: AdjRibOutOptions) {
    this.#options = options;
    this.#factory = new AttributeFactory(options);
  }

  get gracefulShutdown(): boolean {
    return this.#gracefulShutdown;
  }

  /** Why the family is not sent on this session, or null. */
  unsent(family: FamilyKey): string | null {
    const nh = this.#options.nextHops.get(family);
    if (!nh) return 'family not negotiated';
    return 'unsent' in nh ? nh.unsent : null;
  }

  /** The next hop the family's routes carry on this session (next-hop.ts nextHopText), or null when not sent. */
  nextHop(family: FamilyKey): string | null {
    const nh = this.#options.nextHops.get(family);
    return nh && 'hop' in nh ? nextHopText(nh.hop) : null;
  }

  /** Routes advertised in the family. */
  count(family: FamilyKey): number {
    return this.#tables.get(family)?.size ?? 0;
  }

  families(): FamilyKey[] {
    return [...this.#options.nextHops.keys()];
  }

  /** The advertised routes of a family (prefix → attributes), for status views: a live view,
   * changed by later calls (read it at once). */
  table(family: FamilyKey): ReadonlyMap<string, RouteAttributes> {
    return this.#tables.get(family) ?? new Map();
  }

  /** Replaces the family's routes; returns the minimal changes to send. */
  set(family: FamilyKey, routes: readonly DesiredRoute[]): RouteChanges {
    const desired = new Map<string, DesiredRoute>();
    for (const r of routes) desired.set(r.prefix, r);
    this.#desired.set(family, desired);
    const inPlace = this.#updateInPlace(family, routes);
    if (inPlace) return inPlace;
    const next = this.#build(family, routes);
    const prev = this.#tables.get(family) ?? new Map<string, RouteAttributes>();
    this.#tables.set(family, next);
    return diffTables(prev, next);
  }

  /**
   * Withdraws `withdrawn` (prefixes not held are ignored), then adds or replaces `upserts`; returns
   * what changed on the wire. Cost: the size of the batch.
   */
  update(family: FamilyKey, upserts: readonly DesiredRoute[], withdrawn: readonly string[]): RouteChanges {
    let desired = this.#desired.get(family);
    if (!desired) this.#desired.set(family, (desired = new Map()));
    for (const p of withdrawn) desired.delete(p);
    for (const r of upserts) desired.set(r.prefix, r);
    const nh = this.#options.nextHops.get(family);
    if (!nh || 'unsent' in nh) return { announce: [], withdraw: [] };
    let table = this.#tables.get(family);
    if (!table) this.#tables.set(family, (table = new Map()));
    const announce: Announcement[] = [];
    const withdraw: Nlri[] = [];
    for (const prefix of withdrawn) {
      if (desired.has(prefix)) continue; // withdrawn and set again in this batch: an announcement
      if (table.delete(prefix)) withdraw.push({ prefix });
    }
    for (const r of upserts) {
      const attrs = this.#attributes(family, r, nh.hop);
      if (table.get(r.prefix) === attrs) continue;
      table.set(r.prefix, attrs);
      announce.push({ prefix: r.prefix, attributes: attrs });
    }
    return { announce, withdraw };
  }

  /** Every advertised route of the family as an announcement. */
  announceAll(family: FamilyKey): RouteChanges {
    return { announce: announcements(this.#tables.get(family) ?? new Map()), withdraw: [] };
  }

  /** Turns GRACEFUL_SHUTDOWN on or off for every route; returns the changes per family. */
  setGracefulShutdown(on: boolean): Map<FamilyKey, RouteChanges> {
    if (on !== this.#gracefulShutdown) this.#built.clear();
    this.#gracefulShutdown = on;
    const out = new Map<FamilyKey, RouteChanges>();
    for (const [family, routes] of this.#desired) out.set(family, this.set(family, [...routes.values()]));
    return out;
  }

  /**
   * When `routes` has exactly the prefixes of the family's table, in the table's order (the usual
   * revision: a few routes' attributes changed), updates the table in place and returns the
   * changes: what set() would compute by rebuilding, without the rebuild. Null otherwise.
   */
  #updateInPlace(family: FamilyKey, routes: readonly DesiredRoute[]): RouteChanges | null {
    const table = this.#tables.get(family);
    const nh = this.#options.nextHops.get(family);
    if (!table || table.size !== routes.length || !nh || 'unsent' in nh) return null;
    const announce: Announcement[] = [];
    let i = 0;
    for (const [prefix, attrs] of table) {
      const r = routes[i++]!;
      if (r.prefix !== prefix) return null;
      const now = this.#attributes(family, r, nh.hop);
      if (now !== attrs) announce.push({ prefix, attributes: now });
    }
    for (const a of announce) table.set(a.prefix, a.attributes);
    return { announce, withdraw: [] };
  }

  #build(family: FamilyKey, routes: readonly DesiredRoute[]): Table {
    const table: Table = new Map();
    const nh = this.#options.nextHops.get(family);
    if (!nh || 'unsent' in nh) return table;
    for (const r of routes) table.set(r.prefix, this.#attributes(family, r, nh.hop));
    return table;
  }

  /** The route's attributes, built once per route object (route-check.ts hands back the same
   * object for an unchanged route) and graceful shutdown state. */
  #attributes(family: FamilyKey, r: DesiredRoute, hop: FamilyNextHop): RouteAttributes {
    let built = this.#built.get(family);
    if (!built) this.#built.set(family, (built = new WeakMap()));
    let attrs = built.get(r);
    if (!attrs) {
      attrs = this.#convert(this.#factory.build(r, hop, { gracefulShutdown: this.#gracefulShutdown }));
      built.set(r, attrs);
    }
    return attrs;
  }

  #convert(attrs: RouteAttributes): RouteAttributes {
    if (!this.#options.twoOctetPeer) return attrs;
    let out = this.#converted.get(attrs);
    if (!out) {
      out = toTwoOctetPeer(attrs) as RouteAttributes;
      this.#converted.set(attrs, out);
    }
    return out;
  }
}

function announcements(table: ReadonlyMap<string, RouteAttributes>): Announcement[] {
  const out: Announcement[] = [];
  for (const [prefix, attributes] of table) out.push({ prefix, attributes });
  return out;
}

/** The minimal changes from `prev` to `next`: attributes compared by identity. */
export function diffTables(
  prev: ReadonlyMap<string, RouteAttributes>,
  next: ReadonlyMap<string, RouteAttributes>,
): { announce: Announcement[]; withdraw: Nlri[] } {
  const announce: Announcement[] = [];
  const withdraw: Nlri[] = [];
  for (const [prefix, attributes] of next) if (prev.get(prefix) !== attributes) announce.push({ prefix, attributes });
  for (const prefix of prev.keys()) if (!next.has(prefix)) withdraw.push({ prefix });
  return { announce, withdraw };
}
