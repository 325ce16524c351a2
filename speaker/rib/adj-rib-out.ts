// The Adj-RIB-Out of one established session (RFC 4271 §3.2): per family, the routes we
// advertise with their attributes. Pure: it computes what to send, the session sends it.
//
// - set() replaces a family's desired routes and returns the minimal difference against what
//   was advertised: new or changed routes announced, routes gone withdrawn, unchanged routes
//   not sent (RFC 4271 §9.2: only changes are advertised). Attributes are interned
//   (route-attributes.ts), so "changed" is an identity comparison.
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
import type { NextHopResult } from './next-hop.ts';
import type { OutboundFacts } from './route-attributes.ts';
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
  readonly #desired = new Map<FamilyKey, readonly DesiredRoute[]>();
  readonly #converted = new WeakMap<RouteAttributes, RouteAttributes>();
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

  /** Routes advertised in the family. */
  count(family: FamilyKey): number {
    return this.#tables.get(family)?.size ?? 0;
  }

  families(): FamilyKey[] {
    return [...this.#options.nextHops.keys()];
  }

  /** The advertised routes of a family (prefix → attributes), for status views. */
  table(family: FamilyKey): ReadonlyMap<string, RouteAttributes> {
    return this.#tables.get(family) ?? new Map();
  }

  /** Replaces the family's routes; returns the minimal changes to send. */
  set(family: FamilyKey, routes: readonly DesiredRoute[]): RouteChanges {
    this.#desired.set(family, routes);
    const next = this.#build(family, routes);
    const prev = this.#tables.get(family) ?? new Map<string, RouteAttributes>();
    this.#tables.set(family, next);
    return diffTables(prev, next);
  }

  /** Every advertised route of the family as an announcement. */
  announceAll(family: FamilyKey): RouteChanges {
    return { announce: announcements(this.#tables.get(family) ?? new Map()), withdraw: [] };
  }

  /** Turns GRACEFUL_SHUTDOWN on or off for every route; returns the changes per family. */
  setGracefulShutdown(on: boolean): Map<FamilyKey, RouteChanges> {
    this.#gracefulShutdown = on;
    const out = new Map<FamilyKey, RouteChanges>();
    for (const [family, routes] of this.#desired) out.set(family, this.set(family, routes));
    return out;
  }

  #build(family: FamilyKey, routes: readonly DesiredRoute[]): Table {
    const table: Table = new Map();
    const nh = this.#options.nextHops.get(family);
    if (!nh || 'unsent' in nh) return table;
    const opts = { gracefulShutdown: this.#gracefulShutdown };
    for (const r of routes) table.set(r.prefix, this.#convert(this.#factory.build(r, nh.hop, opts)));
    return table;
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
