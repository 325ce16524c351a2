// Which TTL a BGP session's packets leave with and which it requires on arrival. Pure.
//
// - iBGP: 255 (peers are often several hops apart inside the AS; BIRD and FRR do the same).
// - eBGP, directly connected: 1, so that the session cannot form with a peer further away
//   (RFC 4271 has no rule; this is what every implementation does by default).
// - eBGP multihop N (N > 1): N.
// - GTSM (RFC 5082 §3): send 255 and drop what arrives below a minimum. A directly connected
//   peer's packets arrive with 255; each router between us takes one off. The minimum defaults
//   to 254 (a peer directly connected or one router away); an eBGP peer configured N hops away
//   (multihop N > 2) lowers it to 256 − N; configurable down to 1. Linux checks it on arrival
//   (IP_MINTTL / IPV6_MINHOPCOUNT), before TCP sees the segment.
// GTSM replaces multihop: the peer must then send 255 too.

export interface TtlSettings {
  /** TTL / hop limit of every packet we send. */
  readonly ttl: number;
  /** Minimum TTL of packets we accept (IP_MINTTL); 0 when not checked. */
  readonly minTtl: number;
}

export interface TtlInput {
  /** Same AS on both ends. Unknown (peer AS 0 = any) counts as external until the OPEN says. */
  readonly internal: boolean;
  /** Configured eBGP multihop TTL (1 = directly connected). */
  readonly ebgpMultihop: number;
  /** RFC 5082 Generalized TTL Security Mechanism. */
  readonly gtsm?: boolean;
  /** GTSM: the lowest TTL accepted (default 254, or 256 − ebgpMultihop toward a farther eBGP peer). */
  readonly gtsmMinTtl?: number;
}

export const MaxTtl = 255;
export const GtsmMinTtl = 254;

export function ttlSettings(input: TtlInput): TtlSettings {
  if (input.gtsm === true) {
    const hops = input.internal ? 1 : input.ebgpMultihop;
    return { ttl: MaxTtl, minTtl: clamp(input.gtsmMinTtl ?? Math.min(GtsmMinTtl, MaxTtl + 1 - hops)) };
  }
  if (input.internal) return { ttl: MaxTtl, minTtl: 0 };
  const hops = input.ebgpMultihop;
  return { ttl: clamp(hops), minTtl: 0 };
}

function clamp(ttl: number): number {
  return Math.min(MaxTtl, Math.max(1, Math.trunc(ttl) || 1));
}
