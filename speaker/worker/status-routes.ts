// The routes part of a node's status document: per instance the routes it originates ("available",
// Cilium's loc-rib view), and per peer the routes actually sent (the Adj-RIB-Out, with the
// attributes that went on the wire) and those received (the Adj-RIB-In). Cilium reports only
// counts per peer; the paths are what one debugs with.
//
// Age: a path's age starts when it was first seen with its current attributes. Adj-RIB-Out
// attributes are interned per session, so the identity of the attribute object tells a changed
// path (or a session that was re-established and sent it again) from an unchanged one; received
// paths keep the attribute object of the UPDATE that carried them. RouteAges keeps the first-seen
// times across builds and forgets paths that disappeared. Pure apart from that memory.

import { formatStandardCommunity } from '../../events/communities.ts';
import type { DesiredInstance, DesiredRoute } from '../../events/desired-state.ts';
import type { InstanceRoutes, PeerRoutes, RouteAttrs, RouteReport, RoutesDocument } from '../../events/speaker-status.ts';
import type { FamilyKey } from '../codec/context.ts';
import type { AsPathSegment, PathAttributes } from '../codec/types.ts';
import type { RouteAttributes } from '../codec/update-plan.ts';
import type { ReceivedRoute } from '../rib/adj-rib-in.ts';
import { desiredFamilyKey } from '../speaker.ts';

/** First-seen times of paths, kept between builds. */
export class RouteAges {
  #seen = new Map<string, { identity: unknown; since: number }>();
  #next = new Map<string, { identity: unknown; since: number }>();

  /** When the path `key` was first seen with `identity`; call between begin() and end(). */
  since(key: string, identity: unknown, now: number): number {
    const prev = this.#seen.get(key);
    const entry = prev && prev.identity === identity ? prev : { identity, since: now };
    this.#next.set(key, entry);
    return entry.since;
  }

  begin(): void {
    this.#next = new Map();
  }

  /** Forgets every path not looked up since begin(). */
  end(): void {
    this.#seen = this.#next;
  }
}

/** One session's tables, as the status needs them. */
export interface PeerTables {
  readonly name: string;
  readonly peerAddress: string;
  /** Empty unless the session is established. */
  readonly advertised: ReadonlyMap<FamilyKey, ReadonlyMap<string, RouteAttributes>>;
  readonly received: ReadonlyMap<FamilyKey, ReadonlyMap<string, ReceivedRoute>>;
}

export interface InstanceTables {
  readonly instance: DesiredInstance;
  readonly peers: readonly PeerTables[];
  /** The desired routes of a peer's family; default: the instance's own (its families' routes). */
  readonly routesOf?: (peer: string, afi: 'ipv4' | 'ipv6') => Iterable<DesiredRoute>;
}

const familyOf = { '1/1': { afi: 'ipv4', safi: 'unicast' }, '2/1': { afi: 'ipv6', safi: 'unicast' } } as const;

export function buildRoutesDocument(
  node: string,
  revision: number,
  instances: readonly InstanceTables[],
  ages: RouteAges,
  nowMs: number,
): RoutesDocument {
  ages.begin();
  const iso = (ms: number) => new Date(ms).toISOString();
  const out: InstanceRoutes[] = instances.map(({ instance, peers, routesOf }) => {
    const available = new Map<string, RouteReport>();
    for (const p of instance.peers) {
      for (const f of p.families) {
        for (const r of routesOf ? routesOf(p.name, f.afi) : f.routes) {
          const key = `${f.afi}|${r.prefix}`;
          if (available.has(key)) continue;
          const nextHop = f.afi === 'ipv4' ? '0.0.0.0' : '::';
          const attrs: RouteAttrs = f.afi === 'ipv4' ? { origin: r.origin, nextHop } : { origin: r.origin, mpNextHops: [nextHop] };
          const since = ages.since(`${instance.name}|avail|${key}`, r.origin, nowMs);
          available.set(key, { afi: f.afi, safi: 'unicast', prefix: r.prefix, nextHop, since: iso(since), attrs });
        }
      }
    }
    const peerRoutes: PeerRoutes[] = peers.map((t) => {
      const advertised: RouteReport[] = [];
      const received: RouteReport[] = [];
      for (const [fk, table] of t.advertised) {
        const fam = familyOf[fk as keyof typeof familyOf];
        if (!fam) continue;
        for (const [prefix, a] of table) {
          const since = ages.since(`${instance.name}|${t.name}|out|${fk}|${prefix}`, a, nowMs);
          advertised.push({ ...fam, prefix, nextHop: nextHopOf(a.nextHop, a.mpNextHops, fam.afi), since: iso(since), attrs: sentAttrs(a) });
        }
      }
      for (const [fk, table] of t.received) {
        const fam = familyOf[fk as keyof typeof familyOf];
        if (!fam) continue;
        for (const [prefix, r] of table) {
          const since = ages.since(`${instance.name}|${t.name}|in|${fk}|${prefix}`, r.attributes, nowMs);
          const attrs = receivedAttrs(r.attributes, r.nextHops);
          received.push({ ...fam, prefix, nextHop: nextHopOf(r.attributes.nextHop, r.nextHops, fam.afi), since: iso(since), attrs });
        }
      }
      return { name: t.name, peerAddress: t.peerAddress, advertised, received };
    });
    return { name: instance.name, localASN: instance.localASN, available: [...available.values()], peers: peerRoutes };
  });
  ages.end();
  return { node, revision, instances: out };
}

/** The family keys the peers of an instance use, for callers collecting tables. */
export function instanceFamilyKeys(instance: DesiredInstance): FamilyKey[] {
  const keys = new Set<FamilyKey>();
  for (const p of instance.peers) for (const f of p.families) keys.add(desiredFamilyKey(f));
  return [...keys];
}

// Cilium's rule for the NextHop column: NEXT_HOP, else the MP_REACH next hop, else 0.0.0.0.
function nextHopOf(nextHop: string | undefined, mp: readonly string[] | undefined, afi: 'ipv4' | 'ipv6'): string {
  return nextHop ?? mp?.[0] ?? (afi === 'ipv4' ? '0.0.0.0' : '::');
}

function asPath(segments: readonly AsPathSegment[] | undefined): (number | number[])[] | undefined {
  if (!segments) return undefined;
  const out: (number | number[])[] = [];
  for (const s of segments) {
    if (s.type === 'sequence' || s.type === 'confed-sequence') out.push(...s.asns);
    else out.push([...s.asns]);
  }
  return out;
}

function commonAttrs(a: Omit<PathAttributes, 'mpReach' | 'mpUnreach'>): RouteAttrs {
  const path = asPath(a.asPath);
  return {
    ...(a.origin !== undefined ? { origin: a.origin } : {}),
    ...(path ? { asPath: path } : {}),
    ...(a.nextHop !== undefined ? { nextHop: a.nextHop } : {}),
    ...(a.med !== undefined ? { med: a.med } : {}),
    ...(a.localPref !== undefined ? { localPref: a.localPref } : {}),
    ...(a.communities?.length ? { communities: a.communities.map(formatStandardCommunity) } : {}),
    ...(a.largeCommunities?.length ? { largeCommunities: a.largeCommunities.map((c) => c.join(':')) } : {}),
  };
}

function sentAttrs(a: RouteAttributes): RouteAttrs {
  const base = commonAttrs(a);
  return a.mpNextHops?.length ? { ...base, mpNextHops: [...a.mpNextHops] } : base;
}

function receivedAttrs(a: PathAttributes, nextHops: readonly string[]): RouteAttrs {
  const base = commonAttrs(a);
  return a.mpReach && nextHops.length ? { ...base, mpNextHops: [...nextHops] } : base;
}
