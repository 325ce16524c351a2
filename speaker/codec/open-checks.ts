// OPEN semantics, apart from decoding: RFC 4271 §6.2, with RFC 6793 §4.1 (the AS to check when
// the 4-octet AS capability is present), RFC 6286 §2.2 (identifier uniqueness only within an AS),
// and RFC 7607 §2 (AS 0 is a Bad Peer AS). Checks run in the order §6.2 lists them.

import { BgpError, ErrorCode, OpenSubcode } from './errors.ts';
import { parseIPv4 } from './ip.ts';
import type { OpenMessage } from './types.ts';

export interface OpenExpectations {
  /** The AS configured for the peer; 0 accepts any (RFC 4271 leaves the check to configuration). */
  readonly peerAsn: number;
  /** Our BGP Identifier, dotted quad. */
  readonly localBgpId: string;
  /** The session is internal (same AS on both ends): the identifiers must differ (RFC 6286 §2.2). */
  readonly isIbgp?: boolean;
  /** Refuse a non-zero hold time below this many seconds (RFC 4271 §6.2 "MAY reject"). */
  readonly minHoldTime?: number;
}

/** The only BGP version we speak; the data of Unsupported Version Number (RFC 4271 §6.2). */
export const BgpVersion = 4;

function openError(subcode: number, detail: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.OpenMessage, subcode, detail, data);
}

/** A dotted quad the codec decoded as four octets, as one unsigned number. */
function idNumber(id: string): number {
  const b = parseIPv4(id);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/**
 * The error the OPEN must be answered with, or null when the session may proceed. The AS
 * checked is `open.asn`: the 4-octet AS capability's value when present, else My AS as sent
 * (RFC 6793 §4.1: a peer without the capability showing AS_TRANS is AS 23456 to us).
 */
export function checkOpen(open: OpenMessage, expect: OpenExpectations): BgpError | null {
  if (open.version !== BgpVersion) {
    return openError(OpenSubcode.UnsupportedVersionNumber, `version ${open.version}`, new Uint8Array([0, BgpVersion]));
  }
  if (open.asn === 0) return openError(OpenSubcode.BadPeerAs, 'AS 0 (RFC 7607)');
  if (expect.peerAsn !== 0 && open.asn !== expect.peerAsn) {
    return openError(OpenSubcode.BadPeerAs, `AS ${open.asn}, expected ${expect.peerAsn}`);
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    return openError(OpenSubcode.UnacceptableHoldTime, `hold time ${open.holdTime} s`);
  }
  if (open.holdTime !== 0 && expect.minHoldTime !== undefined && open.holdTime < expect.minHoldTime) {
    return openError(OpenSubcode.UnacceptableHoldTime, `hold time ${open.holdTime} s below ${expect.minHoldTime} s`);
  }
  const id = idNumber(open.bgpId);
  if (id === 0) return openError(OpenSubcode.BadBgpIdentifier, 'identifier 0.0.0.0');
  if (id >>> 28 === 0xe) return openError(OpenSubcode.BadBgpIdentifier, `multicast identifier ${open.bgpId}`);
  if (expect.isIbgp === true && id === idNumber(expect.localBgpId)) {
    return openError(OpenSubcode.BadBgpIdentifier, `identifier ${open.bgpId} is ours`);
  }
  return null;
}
