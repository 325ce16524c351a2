// The decoded shapes of every BGP message. These are the contract between the codec modules,
// the session layer and the `bgpcast decode` JSON view. Prefixes are text "addr/len" (IPv6 in
// RFC 5952 form); addresses are text; AS numbers are plain numbers (they fit in 32 bits).

export const MessageType = {
  Open: 1,
  Update: 2,
  Notification: 3,
  Keepalive: 4,
  RouteRefresh: 5,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** RFC 4271 §4.1: 16-octet marker, 2-octet length, 1-octet type. */
export const HeaderLength = 19;

// ---------------------------------------------------------------- OPEN and capabilities

export interface MultiprotocolCap { code: 1; name: 'multiprotocol'; afi: number; safi: number }
export interface RouteRefreshCap { code: 2; name: 'route-refresh' }
export interface ExtendedNextHopCap {
  code: 5;
  name: 'extended-next-hop';
  entries: { afi: number; safi: number; nextHopAfi: number }[];
}
export interface ExtendedMessageCap { code: 6; name: 'extended-message' }
export interface GracefulRestartCap {
  code: 64;
  name: 'graceful-restart';
  /** R-bit: the sender has restarted (RFC 4724 §3). */
  restarting: boolean;
  /** N-bit: the sender supports graceful notification (RFC 8538 §2). */
  notification: boolean;
  restartTime: number;
  families: { afi: number; safi: number; forwardingPreserved: boolean }[];
}
export interface FourOctetAsCap { code: 65; name: 'four-octet-as'; asn: number }
export interface AddPathCap {
  code: 69;
  name: 'add-path';
  /** sendReceive: 1 = receive, 2 = send, 3 = both (RFC 7911 §4). */
  families: { afi: number; safi: number; sendReceive: 1 | 2 | 3 }[];
}
export interface EnhancedRouteRefreshCap { code: 70; name: 'enhanced-route-refresh' }
export interface LongLivedGracefulRestartCap {
  code: 71;
  name: 'long-lived-graceful-restart';
  families: { afi: number; safi: number; forwardingPreserved: boolean; staleTime: number }[];
}
export interface FqdnCap { code: 73; name: 'fqdn'; hostname: string; domain: string }
/** Route refresh capability under its pre-standard code (Cisco, 128). */
export interface RouteRefreshOldCap { code: 128; name: 'route-refresh-old' }
/** Any other capability, kept as received (RFC 5492 §3). */
export interface UnknownCap { code: number; name: 'unknown'; hex: string }

export type Capability =
  | MultiprotocolCap
  | RouteRefreshCap
  | ExtendedNextHopCap
  | ExtendedMessageCap
  | GracefulRestartCap
  | FourOctetAsCap
  | AddPathCap
  | EnhancedRouteRefreshCap
  | LongLivedGracefulRestartCap
  | FqdnCap
  | RouteRefreshOldCap
  | UnknownCap;

export interface OpenMessage {
  type: 'open';
  version: number;
  /** The 4-octet AS when the capability carries it, else the 2-octet My AS field. */
  asn: number;
  /** The My Autonomous System field as sent (23456 = AS_TRANS for a 4-octet AS). */
  myAs: number;
  holdTime: number;
  bgpId: string;
  capabilities: Capability[];
}

// ---------------------------------------------------------------- UPDATE

/** One NLRI entry. pathId is present only when ADD-PATH is in force for the family. */
export interface Nlri {
  prefix: string;
  pathId?: number;
}

export const Origin = { igp: 0, egp: 1, incomplete: 2 } as const;
export type OriginName = keyof typeof Origin;

export type AsPathSegmentType = 'set' | 'sequence' | 'confed-sequence' | 'confed-set';
export interface AsPathSegment {
  type: AsPathSegmentType;
  asns: number[];
}

export interface Aggregator {
  asn: number;
  address: string;
}

export interface MpReach {
  afi: number;
  safi: number;
  /** Global next hop first; an IPv6 link-local second when present (RFC 2545 §3). */
  nextHops: string[];
  nlri: Nlri[];
}

export interface MpUnreach {
  afi: number;
  safi: number;
  withdrawn: Nlri[];
}

/** An attribute kept as received: unknown optional ones (passed on transitive ones). */
export interface RawAttribute {
  code: number;
  flags: number;
  hex: string;
}

/**
 * The path attributes of an UPDATE, one field per known type code. `asPath` is the AS_PATH
 * attribute as carried (on a 2-octet session it may hold 23456); `as4Path` is apart.
 */
export interface PathAttributes {
  origin?: OriginName;
  asPath?: AsPathSegment[];
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  communities?: number[];
  originatorId?: string;
  clusterList?: string[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** Each as 16 lower-case hex digits (8 octets). */
  extendedCommunities?: string[];
  as4Path?: AsPathSegment[];
  as4Aggregator?: Aggregator;
  /** [global admin, local 1, local 2]. */
  largeCommunities?: [number, number, number][];
  unknown?: RawAttribute[];
}

export interface UpdateMessage {
  type: 'update';
  withdrawn: Nlri[];
  attributes: PathAttributes;
  nlri: Nlri[];
}

// ---------------------------------------------------------------- the others

export interface NotificationMessage {
  type: 'notification';
  code: number;
  subcode: number;
  data: Uint8Array;
}

export interface KeepaliveMessage {
  type: 'keepalive';
}

/** RFC 2918 §3; subtype 0 = request, 1 = BoRR, 2 = EoRR (RFC 7313 §3.2). */
export interface RouteRefreshMessage {
  type: 'route-refresh';
  afi: number;
  safi: number;
  subtype: number;
}

export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;
