// What a peer session is configured with, resolved from desired state (events/desired-state.ts)
// by the Speaker: the password looked up, the families as AFI/SAFI numbers.

import type { NextHopConfig } from '../rib/next-hop.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { Family } from './local-open.ts';

export interface PeerSessionConfig {
  /** For logs and status; unique within the speaker. */
  readonly name: string;
  readonly localAsn: number;
  /** Dotted-quad BGP identifier. */
  readonly routerId: string;
  readonly peerAddress: string;
  readonly peerPort: number;
  /** 0 accepts any AS (the OPEN decides whether the session is internal). */
  readonly peerAsn: number;
  /** Source address of our connections; null: chosen by route lookup. */
  readonly localAddress: string | null;
  readonly holdTimeS: number;
  readonly keepaliveS: number;
  readonly connectRetryS: number;
  /** TTL toward an external peer (1 = directly connected). */
  readonly ebgpMultihop: number;
  /** RFC 5082 GTSM instead of the multihop TTL. */
  readonly gtsm?: boolean;
  /** TCP MD5 password (RFC 2385); null or '' for none. */
  readonly md5Key?: string | null;
  readonly families: readonly Family[];
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTimeS: number };
  /** Our process restarted: the R-bit goes on the first OPEN (RFC 4724 §4.1). */
  readonly restarting?: boolean;
  /** F-bit per family; default true (forwarding is the node's and survives our restart). */
  readonly forwardingPreserved?: boolean;
  /** Only accept connections, never connect out. */
  readonly passive?: boolean;
  /** Adj-RIB-In limit over all families; null or 0 for none (RFC 4486 Cease subcode 1). */
  readonly maxPrefixes?: number | null;
  readonly nextHop?: NextHopConfig;
  readonly backoff?: BackoffPolicy;
  /** OpenSent hold time (RFC 4271 §8.2.2, 240 s by default). */
  readonly openHoldTimeS?: number;
}

/** Internal session, as far as configuration can tell (peer AS 0 = any: external until the OPEN). */
export function configuredInternal(c: Pick<PeerSessionConfig, 'peerAsn' | 'localAsn'>): boolean {
  return c.peerAsn !== 0 && c.peerAsn === c.localAsn;
}
