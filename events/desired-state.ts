// The desired BGP state of one node: written by functions/ (stage 2), read by speaker/. This is the
// contract between the two; neither side imports the other.
//
// Everything is sorted so equal states serialise to equal JSON (and hash equally):
// instances and peers by name; families by AFI then SAFI code (ipv4 before ipv6); routes by
// address family, then address, then prefix length; communities numerically.
//
// Meaning of the fields the speaker must interpret (rules: docs/cilium-semantics.md):
// - localPort null: do not listen, connect out only (INST-6).
// - localAddress null: source address chosen by route lookup (wildcard, PEER-5).
// - peerASN 0: accept any AS in the peer's OPEN (OBJ-3).
// - config.ebgpMultihop is the configured TTL; it applies only to eBGP sessions (local AS ≠ peer
//   AS) and only when > 1 (PEER-5). The speaker decides, since with peerASN 0 only the OPEN tells.
// - localPreference is sent to iBGP peers only (PEER-6).
// - authSecretRef names the Secret holding the TCP MD5 password (key `password`); the password is
//   never part of desired state. A missing Secret means an empty password (PEER-3).
// - A peer's identity for session handling is peerSessionKey(): a change of name, address or AS
//   replaces the session (PEER-4, cilium#33163); any other change is applied in place (timers
//   excepted, PEER-4).
// - Node facts are resolved by the speaker on the node, where they live (INST-4, ADV-7):
//   a peer with `autoDiscovery` has peerAddress null and the speaker finds the address — the
//   node's default gateway of a family, or the one link-local neighbour on an interface — and
//   finds it again when the node's routes, links or neighbours change; a family's `interfaces`
//   are Interface advertisements, whose routes are the addresses of that interface on the node,
//   merged with the family's routes at equal prefixes (MERGE-1, MERGE-2).
// - config.gtsm, config.maxPrefixes and config.nextHop come from the PeerConfig's bgpcast.io/
//   annotations (PEER-8 to PEER-10); nextHop also carries the node's own addresses. A change of
//   any of them resets the session.

import { z } from 'zod';
import { formatLargeSet, formatStandardSet, parseLargeCommunity, parseStandardCommunity, type LargeCommunity } from './communities.ts';

export interface DesiredRoute {
  /** "addr/len", IPv6 in RFC 5952 form. */
  readonly prefix: string;
  /** Standard communities "a:b", numeric, sorted, unique. */
  readonly communities: readonly string[];
  /** Large communities "a:b:c", sorted, unique. */
  readonly largeCommunities: readonly string[];
  readonly localPreference: number | null;
  /** ORIGIN attribute: igp, or incomplete for LoadBalancerIP routes in legacy-origin mode (SVC-9). */
  readonly origin: 'igp' | 'incomplete';
}

/** An Interface advertisement a family gets: the interface's addresses, with these attributes. */
export interface DesiredInterfaceAdvertisement {
  /** The interface's name on the node (`lo`, a dummy device). */
  readonly interface: string;
  /** Standard communities "a:b", numeric, sorted, unique. */
  readonly communities: readonly string[];
  /** Large communities "a:b:c", sorted, unique. */
  readonly largeCommunities: readonly string[];
  readonly localPreference: number | null;
}

export interface DesiredFamily {
  readonly afi: 'ipv4' | 'ipv6';
  readonly safi: 'unicast';
  /** Only prefixes of this family. */
  readonly routes: readonly DesiredRoute[];
  /** Interface advertisements, sorted by interface then attributes; absent when there are none. */
  readonly interfaces?: readonly DesiredInterfaceAdvertisement[];
}

/** How the speaker finds the address of a peer configured without one (INST-4). */
export type DesiredAutoDiscovery =
  | { readonly mode: 'DefaultGateway'; readonly addressFamily: 'ipv4' | 'ipv6' }
  | { readonly mode: 'Unnumbered'; readonly interface: string };
/** How IPv4 routes get their next hop (docs/cilium-semantics.md NH-1). */
export const NEXT_HOP_IPV4_MODES = ['auto', 'self', 'node'] as const;
/** How IPv6 routes get their next hop (NH-2). */
export const NEXT_HOP_IPV6_MODES = ['auto', 'self', 'node', 'mapped'] as const;
export type NextHopIPv4Mode = (typeof NEXT_HOP_IPV4_MODES)[number];
export type NextHopIPv6Mode = (typeof NEXT_HOP_IPV6_MODES)[number];

export interface DesiredNextHop {
  readonly ipv4: NextHopIPv4Mode;
  readonly ipv6: NextHopIPv6Mode;
  /** The node's first IPv4 / IPv6 InternalIP (its CiliumNode's, else its Node's), null without one. */
  readonly nodeIPv4: string | null;
  readonly nodeIPv6: string | null;
}

export const DEFAULT_NEXT_HOP: DesiredNextHop = { ipv4: 'auto', ipv6: 'auto', nodeIPv4: null, nodeIPv6: null };

export interface DesiredPeerConfig {
  readonly peerPort: number;
  readonly holdTimeSeconds: number;
  readonly keepAliveTimeSeconds: number;
  readonly connectRetryTimeSeconds: number;
  readonly ebgpMultihop: number;
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTimeSeconds: number };
  readonly authSecretRef: { readonly namespace: string; readonly name: string } | null;
  /** RFC 5082 GTSM: TTL 255 sent, a minimum TTL required on arrival (PEER-8). */
  readonly gtsm: boolean;
  /** Routes accepted from the peer before the session ends with Cease 6/1 (RFC 4486); null: no limit (PEER-9). */
  readonly maxPrefixes: number | null;
  readonly nextHop: DesiredNextHop;
}

export interface DesiredPeer {
  readonly name: string;
  /** null only with autoDiscovery: the speaker resolves it on the node. */
  readonly peerAddress: string | null;
  /** Present only for a peer without peerAddress. */
  readonly autoDiscovery?: DesiredAutoDiscovery;
  readonly peerASN: number;
  readonly localAddress: string | null;
  readonly config: DesiredPeerConfig;
  readonly families: readonly DesiredFamily[];
}

export interface DesiredInstance {
  readonly name: string;
  readonly localASN: number;
  /** Dotted-quad IPv4 BGP identifier. */
  readonly routerID: string;
  readonly localPort: number | null;
  readonly peers: readonly DesiredPeer[];
}

export interface DesiredNodeState {
  readonly node: string;
  /** Set by the store when the document is written; absent from the pure computation. */
  readonly revision?: number;
  /** Empty when no BGP configuration applies to the node. */
  readonly instances: readonly DesiredInstance[];
}

const sameTexts = (a: readonly string[], b: readonly string[]): boolean =>
  a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/** Equal content: prefix, origin, LOCAL_PREF and both community lists (sorted, so compared in order). */
export function sameRoute(a: DesiredRoute | null | undefined, b: DesiredRoute | null | undefined): boolean {
  if (a === b) return true;
  if (a == null || b == null) return false;
  return (
    a.prefix === b.prefix &&
    a.localPreference === b.localPreference &&
    a.origin === b.origin &&
    sameTexts(a.communities, b.communities) &&
    sameTexts(a.largeCommunities, b.largeCommunities)
  );
}

/**
 * Two routes for one prefix as one (MERGE-1, MERGE-2): the union of their communities, sorted
 * numerically and unique, the higher LOCAL_PREF, ORIGIN IGP unless both are INCOMPLETE. The speaker
 * merges an Interface route with the document's route at the same prefix this way.
 */
export function mergeDesiredRoutes(a: DesiredRoute, b: DesiredRoute): DesiredRoute {
  const lp = a.localPreference === null ? b.localPreference : b.localPreference === null ? a.localPreference : Math.max(a.localPreference, b.localPreference);
  const standard = [...a.communities, ...b.communities].map(parseStandardCommunity).filter((v): v is number => v !== null);
  const large = [...a.largeCommunities, ...b.largeCommunities].map(parseLargeCommunity).filter((v): v is LargeCommunity => v !== null);
  return {
    prefix: a.prefix,
    communities: formatStandardSet(standard),
    largeCommunities: formatLargeSet(large),
    localPreference: lp,
    origin: a.origin === 'incomplete' && b.origin === 'incomplete' ? 'incomplete' : 'igp',
  };
}

/**
 * The identity of a session: changing any part of it replaces the session (PEER-4). For an
 * auto-discovered peer the address is the one the speaker resolved: a new gateway is a new session.
 */
export function peerSessionKey(instance: string, peer: Pick<DesiredPeer, 'name' | 'peerAddress' | 'peerASN'>): string {
  return `${instance}/${peer.name}/${peer.peerAddress ?? 'auto'}/${peer.peerASN}`;
}

const uint32 = z.number().int().min(0).max(4294967295);

const interfaceSchema = z.object({
  interface: z.string().min(1),
  communities: z.array(z.string()),
  largeCommunities: z.array(z.string()),
  localPreference: uint32.nullable(),
});

const autoDiscoverySchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('DefaultGateway'), addressFamily: z.enum(['ipv4', 'ipv6']) }),
  z.object({ mode: z.literal('Unnumbered'), interface: z.string().min(1) }),
]);

const routeSchema = z.object({
  prefix: z.string(),
  communities: z.array(z.string()),
  largeCommunities: z.array(z.string()),
  localPreference: uint32.nullable(),
  origin: z.enum(['igp', 'incomplete']),
});

/** For readers (the speaker, the CLI) that load a document from Redis and want to check it. */
export const desiredNodeStateSchema = z.object({
  node: z.string().min(1),
  revision: z.number().int().min(0).optional(),
  instances: z.array(
    z.object({
      name: z.string(),
      localASN: uint32,
      routerID: z.string(),
      localPort: z.number().int().min(1).max(65535).nullable(),
      peers: z.array(
        z.object({
          name: z.string(),
          peerAddress: z.string().nullable(),
          autoDiscovery: autoDiscoverySchema.optional(),
          peerASN: uint32,
          localAddress: z.string().nullable(),
          config: z.object({
            peerPort: z.number().int().min(1).max(65535),
            holdTimeSeconds: z.number().int().min(0).max(65535),
            keepAliveTimeSeconds: z.number().int().min(0).max(65535),
            connectRetryTimeSeconds: z.number().int().min(1),
            ebgpMultihop: z.number().int().min(1).max(255),
            gracefulRestart: z.object({ enabled: z.boolean(), restartTimeSeconds: z.number().int().min(0).max(4095) }),
            authSecretRef: z.object({ namespace: z.string(), name: z.string() }).nullable(),
            // Absent from documents written before these fields existed: the defaults.
            gtsm: z.boolean().default(false),
            maxPrefixes: uint32.min(1).nullable().default(null),
            nextHop: z
              .object({
                ipv4: z.enum(NEXT_HOP_IPV4_MODES),
                ipv6: z.enum(NEXT_HOP_IPV6_MODES),
                nodeIPv4: z.string().nullable(),
                nodeIPv6: z.string().nullable(),
              })
              .default(DEFAULT_NEXT_HOP),
          }),
          families: z.array(
            z.object({
              afi: z.enum(['ipv4', 'ipv6']),
              safi: z.literal('unicast'),
              routes: z.array(routeSchema),
              interfaces: z.array(interfaceSchema).optional(),
            }),
          ),
        }).refine((p) => (p.peerAddress === null) === (p.autoDiscovery !== undefined), {
          message: 'a peer has either peerAddress or autoDiscovery',
        }),
      ),
    }),
  ),
}) satisfies z.ZodType<DesiredNodeState>;
