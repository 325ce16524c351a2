// What a node's speaker reports in Redis (<p>:{<node>}:status, events/redis-keys.ts): written by
// speaker/worker, read by the CLI (`bgpcast peers`, `bgpcast routes`). Plain JSON a person can
// read with redis-cli. Times are RFC 3339 wall-clock instants, so readers compute uptimes and ages
// with their own clock and the documents change only when something happens.

import { z } from 'zod';

/** A report whose heartbeat is older than this many of its promised intervals is stale. */
export const STALE_AFTER_HEARTBEATS = 3;

/** Session states as Cilium prints them (lower case, models.BgpPeer SessionState). */
export type PeerSessionState = 'idle' | 'connect' | 'active' | 'opensent' | 'openconfirm' | 'established';

export interface FamilyCounts {
  readonly afi: 'ipv4' | 'ipv6';
  readonly safi: 'unicast';
  /** Routes in the Adj-RIB-In; 0 unless established (cilium#39861). */
  readonly received: number;
  /** Routes in the Adj-RIB-Out; 0 unless established. */
  readonly advertised: number;
  /** Why a configured family is not sent (not negotiated, no usable next hop), when it is not. */
  readonly unsent?: string;
  /** The next hop its routes carry, while established and sent (several MP_REACH next hops: ", "). */
  readonly nextHop?: string;
}

export interface PeerErrorReport {
  readonly code: number;
  readonly subcode: number;
  /** e.g. "Cease / Administrative Shutdown". */
  readonly name: string;
  readonly direction: 'sent' | 'received';
  readonly at: string;
}

export interface PeerReport {
  readonly instance: string;
  readonly localASN: number;
  readonly routerID: string;
  readonly name: string;
  readonly peerAddress: string;
  readonly peerPort: number;
  /** As configured (0: any); remoteASN is the AS the peer's OPEN named. */
  readonly peerASN: number;
  readonly remoteASN: number | null;
  readonly localAddress: string | null;
  readonly state: PeerSessionState;
  readonly establishedSince: string | null;
  /** How many times the session reached Established since the speaker started. */
  readonly establishedCount: number;
  readonly configured: {
    readonly holdTimeSeconds: number;
    readonly keepAliveTimeSeconds: number;
    readonly connectRetryTimeSeconds: number;
    readonly ebgpMultihop: number;
    readonly gracefulRestart: { readonly enabled: boolean; readonly restartTimeSeconds: number };
    /** The Secret named for TCP MD5, and whether a password was found for it (never the password). */
    readonly authSecretRef: { readonly namespace: string; readonly name: string } | null;
    readonly passwordSet: boolean;
    /** From the PeerConfig's bgpcast.io/ annotations (absent in reports of older speakers). */
    readonly gtsm?: boolean;
    readonly maxPrefixes?: number | null;
    readonly nextHop?: { readonly ipv4: string; readonly ipv6: string };
  };
  readonly negotiated: {
    readonly holdTimeSeconds: number;
    readonly keepAliveTimeSeconds: number;
    readonly families: readonly string[];
    readonly fourOctetAs: boolean;
    readonly extendedMessages: boolean;
    readonly routeRefresh: boolean;
    readonly peerGracefulRestart: { readonly restartTime: number; readonly restarting: boolean; readonly notification: boolean } | null;
  } | null;
  readonly families: readonly FamilyCounts[];
  readonly lastError: PeerErrorReport | null;
  readonly gracefulShutdown: boolean;
}

/** An instance the speaker could not run (e.g. its listening port is taken). */
export interface InstanceErrorReport {
  readonly instance: string;
  readonly error: string;
}

export interface PeersDocument {
  readonly node: string;
  readonly revision: number;
  readonly peers: readonly PeerReport[];
  readonly errors: readonly InstanceErrorReport[];
}

/** Path attributes in readable form (speaker/worker/status-routes.ts builds them). */
export interface RouteAttrs {
  readonly origin?: 'igp' | 'egp' | 'incomplete';
  /** AS_PATH segments: a sequence as numbers, a set as a nested array. */
  readonly asPath?: readonly (number | readonly number[])[];
  readonly nextHop?: string;
  readonly mpNextHops?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  readonly communities?: readonly string[];
  readonly largeCommunities?: readonly string[];
}

export interface RouteReport {
  readonly afi: 'ipv4' | 'ipv6';
  readonly safi: 'unicast';
  readonly prefix: string;
  readonly nextHop: string;
  /** When this path (prefix with these attributes) was first seen. */
  readonly since: string;
  readonly attrs: RouteAttrs;
}

export interface PeerRoutes {
  readonly name: string;
  readonly peerAddress: string;
  readonly advertised: readonly RouteReport[];
  readonly received: readonly RouteReport[];
}

export interface InstanceRoutes {
  readonly name: string;
  readonly localASN: number;
  /** The instance's local RIB: every route it originates, before per-peer attributes. */
  readonly available: readonly RouteReport[];
  readonly peers: readonly PeerRoutes[];
}

export interface RoutesDocument {
  readonly node: string;
  readonly revision: number;
  readonly instances: readonly InstanceRoutes[];
}

export interface SpeakerInfo {
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
}

// Readers check the shape loosely: a newer speaker may add fields.
const family = z.object({ afi: z.enum(['ipv4', 'ipv6']), safi: z.literal('unicast') });
export const peersDocumentSchema = z.looseObject({
  node: z.string(),
  revision: z.number(),
  peers: z.array(
    z.looseObject({
      instance: z.string(),
      localASN: z.number(),
      name: z.string(),
      peerAddress: z.string(),
      peerPort: z.number(),
      peerASN: z.number(),
      remoteASN: z.number().nullable(),
      state: z.string(),
      establishedSince: z.string().nullable(),
      // Loose, like the rest: `unsent` and `nextHop` travel with the counts.
      families: z.array(z.looseObject({ ...family.shape, received: z.number(), advertised: z.number() })),
    }),
  ),
  errors: z.array(z.object({ instance: z.string(), error: z.string() })),
});

const route = family.extend({ prefix: z.string(), nextHop: z.string(), since: z.string(), attrs: z.looseObject({}) });
export const routesDocumentSchema = z.looseObject({
  node: z.string(),
  revision: z.number(),
  instances: z.array(
    z.looseObject({
      name: z.string(),
      localASN: z.number(),
      available: z.array(route),
      peers: z.array(z.looseObject({ name: z.string(), peerAddress: z.string(), advertised: z.array(route), received: z.array(route) })),
    }),
  ),
});
