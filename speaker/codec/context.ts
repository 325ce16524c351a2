// What a session has negotiated and the codec must know. It travels as an explicit argument;
// the codec keeps no module state.

/** "afi/safi" numeric key, e.g. "1/1" for IPv4 unicast, "2/1" for IPv6 unicast. */
export type FamilyKey = `${number}/${number}`;

export function familyKey(afi: number, safi: number): FamilyKey {
  return `${afi}/${safi}`;
}

export interface CodecContext {
  /** RFC 6793: both sides sent the 4-octet AS capability; AS numbers in AS_PATH are 4 octets. */
  readonly fourOctetAs: boolean;
  /** RFC 7911: families in which NLRI we RECEIVE carry a path identifier. */
  readonly addPathReceive: ReadonlySet<FamilyKey>;
  /** RFC 7911: families in which NLRI we SEND carry a path identifier. */
  readonly addPathSend: ReadonlySet<FamilyKey>;
  /** RFC 8654: both sides sent the extended message capability; messages up to 65535 octets. */
  readonly extendedMessages: boolean;
}

/** The context before OPENs are exchanged, and of a plain RFC 4271 peer. */
export const defaultContext: CodecContext = {
  fourOctetAs: true,
  addPathReceive: new Set(),
  addPathSend: new Set(),
  extendedMessages: false,
};

/** RFC 4271 §4.1 and RFC 8654 §3. */
export const MaxMessageLength = { standard: 4096, extended: 65535 } as const;

export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessages ? MaxMessageLength.extended : MaxMessageLength.standard;
}
