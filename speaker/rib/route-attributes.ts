// The path attributes we send for a desired route, per session (RFC 4271 §5.1). Pure.
//
// - ORIGIN: the route's (§5.1.1).
// - AS_PATH: toward an external peer our AS in one AS_SEQUENCE; toward an internal peer empty
//   (§5.1.2: we originate the routes). Toward a peer without the 4-octet AS capability the
//   session converts with toTwoOctetPeer (RFC 6793 §4.2.2), see adj-rib-out.ts.
// - NEXT_HOP / MP_REACH_NLRI next hops: from nextHopsFor() below (§5.1.3, RFC 4760 §3).
// - LOCAL_PREF: internal peers only (§5.1.5: SHALL be included toward internal peers, SHALL NOT
//   toward external ones); 100 when the route has none, the usual default.
// - COMMUNITIES (RFC 1997), LARGE_COMMUNITY (RFC 8092): the route's, plus GRACEFUL_SHUTDOWN
//   (65535:0, RFC 8326) while draining.
// Attribute objects are interned per distinct content, so the UPDATE packer, which groups by
// object identity first, encodes each attribute set once.

import type { RouteAttributes } from '../codec/update-plan.ts';
import { parseLargeCommunity, parseStandardCommunity } from '../../events/communities.ts';
import type { DesiredRoute } from '../../events/desired-state.ts';

/** RFC 8326 §5: GRACEFUL_SHUTDOWN, 65535:0. */
export const GracefulShutdownCommunity = 0xffff0000;
export const DefaultLocalPref = 100;

/** The next hops a family's routes leave with on one session, or null: the family is not sent. */
export type FamilyNextHop = { readonly nextHop: string } | { readonly mpNextHops: readonly string[] };

export interface OutboundFacts {
  readonly localAsn: number;
  /** Internal peer (same AS). */
  readonly internal: boolean;
}

/** The 32-bit value of a community of desired state (events/communities.ts); throws when malformed. */
export function communityValue(text: string): number {
  const value = parseStandardCommunity(text);
  if (value === null) throw new RangeError(`not a community ("a:b" or a 32-bit decimal): ${text}`);
  return value;
}

/** The three values of a large community of desired state; throws when malformed. */
export function largeCommunityValue(text: string): [number, number, number] {
  const value = parseLargeCommunity(text);
  if (value === null) throw new RangeError(`not a large community "a:b:c": ${text}`);
  return [...value];
}

export interface AttributeOptions {
  /** Add GRACEFUL_SHUTDOWN (RFC 8326). */
  readonly gracefulShutdown?: boolean;
}

/** Builds and interns the attributes of routes toward one session. */
export class AttributeFactory {
  readonly #facts: OutboundFacts;
  readonly #interned = new Map<string, RouteAttributes>();

  constructor(facts: OutboundFacts) {
    this.#facts = facts;
  }

  get facts(): OutboundFacts {
    return this.#facts;
  }

  /** The attributes of `route` sent with `hop`; equal content gives the same object. */
  build(route: DesiredRoute, hop: FamilyNextHop, options: AttributeOptions = {}): RouteAttributes {
    const key = [
      route.origin,
      route.communities.join(','),
      route.largeCommunities.join(','),
      this.#facts.internal ? (route.localPreference ?? DefaultLocalPref) : '',
      options.gracefulShutdown === true ? 'gshut' : '',
      'nextHop' in hop ? hop.nextHop : hop.mpNextHops.join(','),
    ].join('|');
    let attrs = this.#interned.get(key);
    if (!attrs) {
      attrs = this.#create(route, hop, options);
      this.#interned.set(key, attrs);
    }
    return attrs;
  }

  #create(route: DesiredRoute, hop: FamilyNextHop, options: AttributeOptions): RouteAttributes {
    const { localAsn, internal } = this.#facts;
    const communities = route.communities.map(communityValue);
    if (options.gracefulShutdown === true && !communities.includes(GracefulShutdownCommunity)) {
      communities.push(GracefulShutdownCommunity);
    }
    communities.sort((a, b) => a - b);
    const large = route.largeCommunities.map(largeCommunityValue);
    return {
      origin: route.origin,
      asPath: internal ? [] : [{ type: 'sequence', asns: [localAsn] }],
      ...('nextHop' in hop ? { nextHop: hop.nextHop } : { mpNextHops: [...hop.mpNextHops] }),
      ...(internal ? { localPref: route.localPreference ?? DefaultLocalPref } : {}),
      ...(communities.length > 0 ? { communities } : {}),
      ...(large.length > 0 ? { largeCommunities: large } : {}),
    };
  }
}
