// Multiprotocol attributes, both optional non-transitive (RFC 4760 §3, §4):
//   14 MP_REACH_NLRI    AFI (2) SAFI (1) Next Hop Length (1) Next Hop Reserved (1) NLRI
//   15 MP_UNREACH_NLRI  AFI (2) SAFI (1) Withdrawn Routes
//
// Families decoded: AFI 1 (IPv4) and 2 (IPv6) with SAFI 1 (unicast) and 2 (multicast), whose
// NLRI have the RFC 4271 form (nlri.ts), with ADD-PATH per ctx.addPathReceive.
// Next hops: IPv6 NLRI take 16 octets (global) or 32 (global + link-local, RFC 2545 §3); IPv4
// NLRI take 4 octets, or 16 / 32 for an IPv6 next hop (RFC 8950 §3). The Reserved octet
// (formerly the SNPA count) is ignored on receipt and sent as 0 (RFC 4760 §3).
//
// Errors: RFC 7606 §5.3 and §7.11 make any error here "session reset or AFI/SAFI disable";
// RFC 4760 §7 names the NOTIFICATION subcode Optional Attribute Error. An MP_REACH_NLRI of a
// family we do not decode, or an MP_UNREACH_NLRI of one with routes in it, cannot be read: it is
// reported as unsupported and its routes ignored. An MP_UNREACH_NLRI of any family with no
// routes (an End-of-RIB, RFC 4724 §2) is decoded.

import type { CodecContext } from '../context.ts';
import { familyKey } from '../context.ts';
import { BgpError, EncodeError, ErrorCode, UpdateSubcode } from '../errors.ts';
import { Afi, formatIPv4, formatIPv6, parseIP } from '../ip.ts';
import { decodeNlri, writeNlri } from '../nlri.ts';
import type { Reader } from '../reader.ts';
import type { MpReach, MpUnreach } from '../types.ts';
import type { Writer } from '../writer.ts';
import { AttrType, OptionalNonTransitive, row } from './row.ts';

export interface Family {
  afi: number;
  safi: number;
}

/** An MP attribute problem, with the family when it could be read (for AFI/SAFI disable). */
export class MpAttributeError extends BgpError {
  readonly family: Family | undefined;
  readonly unsupported: boolean;

  constructor(detail: string, family?: Family, unsupported = false) {
    super(ErrorCode.UpdateMessage, UpdateSubcode.OptionalAttributeError, detail);
    this.name = 'MpAttributeError';
    this.family = family;
    this.unsupported = unsupported;
  }
}

export function isDecodedFamily(afi: number, safi: number): afi is Afi {
  return (afi === Afi.IPv4 || afi === Afi.IPv6) && (safi === 1 || safi === 2);
}

/** The AFI/SAFI at the start of an MP attribute value, when there are 3 octets to read. */
export function peekFamily(value: Uint8Array): Family | undefined {
  return value.length >= 3 ? { afi: (value[0]! << 8) | value[1]!, safi: value[2]! } : undefined;
}

function readNextHops(r: Reader, afi: Afi, family: Family): string[] {
  const len = r.u8();
  if (len + 1 > r.remaining) throw new MpAttributeError(`next hop length ${len} overruns the attribute`, family);
  const nh = r.bytesView(len);
  if (afi === Afi.IPv4 && len === 4) return [formatIPv4(nh)];
  if (len === 16) return [formatIPv6(nh)];
  if (len === 32) return [formatIPv6(nh), formatIPv6(nh, 16)];
  throw new MpAttributeError(`next hop length ${len} for AFI ${afi}`, family); // RFC 7606 §7.11
}

function writeNextHops(w: Writer, afi: Afi, nextHops: readonly string[]): void {
  const parsed = nextHops.map(parseIP);
  const v4 = parsed.length === 1 && parsed[0]!.afi === Afi.IPv4;
  const v6 = (parsed.length === 1 || parsed.length === 2) && parsed.every((p) => p.afi === Afi.IPv6);
  if (!(v6 || (v4 && afi === Afi.IPv4))) {
    throw new EncodeError(`next hops [${nextHops.join(', ')}] do not fit AFI ${afi}`);
  }
  w.lengthPrefixed(1, () => parsed.forEach((p) => w.bytes(p.addr)));
}

function checkFamily(afi: number, safi: number): asserts afi is Afi {
  if (!isDecodedFamily(afi, safi)) throw new EncodeError(`AFI ${afi} SAFI ${safi} is not encoded`);
}

export const mpReach = row({
  code: AttrType.MpReachNlri,
  name: 'MP_REACH_NLRI',
  key: 'mpReach',
  flags: OptionalNonTransitive,
  onMalformed: 'mp',
  decode(r, ctx: CodecContext): MpReach {
    if (r.remaining < 5) throw new MpAttributeError(`MP_REACH_NLRI of length ${r.remaining}`, peekFamily(r.rest()));
    const afi = r.u16();
    const safi = r.u8();
    const family = { afi, safi };
    if (!isDecodedFamily(afi, safi)) throw new MpAttributeError(`AFI ${afi} SAFI ${safi} not decoded`, family, true);
    const nextHops = readNextHops(r, afi, family);
    r.u8(); // Reserved
    const addPath = ctx.addPathReceive.has(familyKey(afi, safi));
    try {
      return { afi, safi, nextHops, nlri: decodeNlri(r, afi, addPath, UpdateSubcode.OptionalAttributeError) };
    } catch (e) {
      throw e instanceof BgpError ? new MpAttributeError(e.detail, family) : e;
    }
  },
  encode(w, v, ctx) {
    checkFamily(v.afi, v.safi);
    w.u16(v.afi).u8(v.safi);
    writeNextHops(w, v.afi, v.nextHops);
    w.u8(0);
    writeNlri(w, v.afi, ctx.addPathSend.has(familyKey(v.afi, v.safi)), v.nlri);
  },
});

export const mpUnreach = row({
  code: AttrType.MpUnreachNlri,
  name: 'MP_UNREACH_NLRI',
  key: 'mpUnreach',
  flags: OptionalNonTransitive,
  onMalformed: 'mp',
  decode(r, ctx: CodecContext): MpUnreach {
    if (r.remaining < 3) throw new MpAttributeError(`MP_UNREACH_NLRI of length ${r.remaining}`);
    const afi = r.u16();
    const safi = r.u8();
    const family = { afi, safi };
    if (r.atEnd()) return { afi, safi, withdrawn: [] };
    if (!isDecodedFamily(afi, safi)) throw new MpAttributeError(`AFI ${afi} SAFI ${safi} not decoded`, family, true);
    const addPath = ctx.addPathReceive.has(familyKey(afi, safi));
    try {
      return { afi, safi, withdrawn: decodeNlri(r, afi, addPath, UpdateSubcode.OptionalAttributeError) };
    } catch (e) {
      throw e instanceof BgpError ? new MpAttributeError(e.detail, family) : e;
    }
  },
  encode(w, v, ctx) {
    w.u16(v.afi).u8(v.safi);
    if (v.withdrawn.length === 0) return;
    checkFamily(v.afi, v.safi);
    writeNlri(w, v.afi, ctx.addPathSend.has(familyKey(v.afi, v.safi)), v.withdrawn);
  },
});
