// The numbers of the BGP Monitoring Protocol: RFC 7854 §4 (and the IANA "BMP Parameters"
// registries it creates, §10), with the O flag of RFC 8671 §4.

/** RFC 7854 §4.1: the only version this document defines. */
export const BmpVersion = 3;

/** RFC 7854 §4.1: Version (1), Message Length (4), Message Type (1). */
export const CommonHeaderLength = 6;

/** RFC 7854 §4.2: Peer Type, Flags, Distinguisher (8), Address (16), AS, BGP ID, Timestamp (8). */
export const PerPeerHeaderLength = 42;

/** RFC 7854 §4.1, §10.1. */
export const BmpMessageType = {
  RouteMonitoring: 0,
  StatisticsReport: 1,
  PeerDown: 2,
  PeerUp: 3,
  Initiation: 4,
  Termination: 5,
  RouteMirroring: 6,
} as const;
export type BmpMessageType = (typeof BmpMessageType)[keyof typeof BmpMessageType];

/** RFC 7854 §4.2, §10.2. */
export const PeerType = {
  GlobalInstance: 0,
  RdInstance: 1,
  LocalInstance: 2,
} as const;

/**
 * RFC 7854 §4.2 (V, L, A) and RFC 8671 §4 (O), most significant bit first:
 * V — the peer address is IPv6; L — post-policy; A — the legacy 2-octet AS_PATH format;
 * O — Adj-RIB-Out (with L: post-policy Adj-RIB-Out, RFC 8671 §5).
 */
export const PeerFlag = {
  V: 0x80,
  L: 0x40,
  A: 0x20,
  O: 0x10,
} as const;

/** RFC 7854 §4.4, §10.5: Information TLVs of the Initiation message. */
export const InitiationTlv = {
  String: 0,
  SysDescr: 1,
  SysName: 2,
} as const;

/** RFC 7854 §4.10 Information TLVs of the Peer Up message (their own namespace since RFC 9736). */
export const PeerUpTlv = {
  String: 0,
} as const;

/** RFC 7854 §4.5, §10.6. */
export const TerminationTlv = {
  String: 0,
  Reason: 1,
} as const;

/** RFC 7854 §4.5, §10.7. */
export const TerminationReason = {
  AdministrativelyClosed: 0,
  Unspecified: 1,
  OutOfResources: 2,
  RedundantConnection: 3,
  PermanentlyAdministrativelyClosed: 4,
} as const;

/** RFC 7854 §4.9, §10.8. */
export const PeerDownReason = {
  /** The local system closed the session; the NOTIFICATION it sent follows. */
  LocalNotification: 1,
  /** The local system closed the session without a NOTIFICATION; a 2-octet FSM event code follows. */
  LocalNoNotification: 2,
  /** The remote system closed the session with a NOTIFICATION; that NOTIFICATION follows. */
  RemoteNotification: 3,
  /** The remote system closed the session without a NOTIFICATION (or the transport failed). */
  RemoteNoNotification: 4,
  /** Information for this peer will no longer be sent, for configuration reasons. */
  Deconfigured: 5,
} as const;
export type PeerDownReason = (typeof PeerDownReason)[keyof typeof PeerDownReason];

