// BGP error codes and subcodes, one table for the whole speaker.
// RFC 4271 §4.5 and §6 (codes 1–6), RFC 4486 (Cease subcodes), RFC 7313 §5 (code 7),
// RFC 8203/9003 (shutdown communication), RFC 5492 §3 (Unsupported Capability),
// RFC 7606 (revised UPDATE error handling: the actions below).

export const ErrorCode = {
  MessageHeader: 1,
  OpenMessage: 2,
  UpdateMessage: 3,
  HoldTimerExpired: 4,
  FsmError: 5,
  Cease: 6,
  RouteRefreshMessage: 7,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const HeaderSubcode = {
  ConnectionNotSynchronized: 1,
  BadMessageLength: 2,
  BadMessageType: 3,
} as const;

export const OpenSubcode = {
  UnsupportedVersionNumber: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
  RoleMismatch: 11,
} as const;

export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOriginAttribute: 6,
  InvalidNextHopAttribute: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

export const FsmSubcode = {
  Unspecified: 0,
  UnexpectedMessageInOpenSent: 1,
  UnexpectedMessageInOpenConfirm: 2,
  UnexpectedMessageInEstablished: 3,
} as const;

export const CeaseSubcode = {
  MaximumPrefixesReached: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
  HardReset: 9,
  BfdDown: 10,
} as const;

export const RouteRefreshSubcode = {
  InvalidMessageLength: 1,
} as const;

const codeNames: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

const subcodeTables: Record<number, Record<string, number>> = {
  1: HeaderSubcode,
  2: OpenSubcode,
  3: UpdateSubcode,
  5: FsmSubcode,
  6: CeaseSubcode,
  7: RouteRefreshSubcode,
};

/** "Bad Peer AS" from BadPeerAs: the table keys are the RFC names without spaces. */
function spaced(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/\bAs\b/g, 'AS')
    .replace(/\bBgp\b/g, 'BGP')
    .replace(/\bBfd\b/g, 'BFD')
    .replace(/\bFsm\b/g, 'FSM');
}

export function errorCodeName(code: number): string {
  return codeNames[code] ?? `Unknown error code ${code}`;
}

export function errorSubcodeName(code: number, subcode: number): string {
  if (subcode === 0) return 'Unspecific';
  const table = subcodeTables[code];
  const entry = table && Object.entries(table).find(([, v]) => v === subcode);
  return entry ? spaced(entry[0]) : `Unknown subcode ${subcode}`;
}

/**
 * A protocol error that ends the session with a NOTIFICATION carrying these fields
 * (RFC 4271 §6). Every decode failure of the codec is one of these; tests assert on code and
 * subcode, never on message text.
 */
export class BgpError extends Error {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** The message without the code and subcode names in front. */
  readonly detail: string;

  constructor(code: number, subcode: number, detail: string, data: Uint8Array = new Uint8Array(0)) {
    super(`${errorCodeName(code)} / ${errorSubcodeName(code, subcode)}: ${detail}`);
    this.name = 'BgpError';
    this.code = code;
    this.subcode = subcode;
    this.data = data;
    this.detail = detail;
  }
}

/** Argument errors from the encoding side (a route we were asked to send cannot be encoded). */
export class EncodeError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'EncodeError';
  }
}
