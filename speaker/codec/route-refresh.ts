// ROUTE-REFRESH message: RFC 2918 §3 — AFI(2) Message Subtype(1) SAFI(1); the subtype octet
// was "Reserved" in RFC 2918 and is 0 = normal request, 1 = BoRR, 2 = EoRR in RFC 7313 §3.2.
//
// RFC 7313 §5: a ROUTE-REFRESH whose length is not 4 octets past the header is answered with
// code 7 (ROUTE-REFRESH Message Error) subcode 1 (Invalid Message Length), the whole message
// as data. RFC 7313 asks this for subtypes 1 and 2; we ask it of subtype 0 too, because ORF
// entries (RFC 5291) would be the only reason for more octets and we never offer ORF.
// Subtypes 3–255 decode; RFC 7313 §5 tells the receiver to ignore them, which is the session's job.

import type { CodecContext } from './context.ts';
import { defaultContext } from './context.ts';
import { BgpError, EncodeError, ErrorCode, RouteRefreshSubcode } from './errors.ts';
import { encodeFrame } from './header.ts';
import { Reader } from './reader.ts';
import type { RouteRefreshMessage } from './types.ts';
import { HeaderLength, MessageType } from './types.ts';

export const RouteRefreshSubtype = { Request: 0, BeginningOfRouteRefresh: 1, EndOfRouteRefresh: 2 } as const;

const BodyLength = 4;

export function decodeRouteRefresh(frame: Uint8Array): RouteRefreshMessage {
  if (frame.length !== HeaderLength + BodyLength) {
    throw new BgpError(
      ErrorCode.RouteRefreshMessage,
      RouteRefreshSubcode.InvalidMessageLength,
      `ROUTE-REFRESH of ${frame.length} octets, expected ${HeaderLength + BodyLength}`,
      frame.slice(),
    );
  }
  const r = new Reader(frame, { code: ErrorCode.RouteRefreshMessage, subcode: 1 }, HeaderLength);
  const afi = r.u16('AFI');
  const subtype = r.u8('message subtype');
  const safi = r.u8('SAFI');
  return { type: 'route-refresh', afi, safi, subtype };
}

export function encodeRouteRefresh(msg: RouteRefreshMessage, ctx: CodecContext = defaultContext): Uint8Array {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
  if (!ok(msg.afi, 0xffff) || !ok(msg.safi, 0xff) || !ok(msg.subtype, 0xff)) {
    throw new EncodeError(`ROUTE-REFRESH ${msg.afi}/${msg.safi} subtype ${msg.subtype} out of range`);
  }
  return encodeFrame(MessageType.RouteRefresh, ctx, (w) => w.u16(msg.afi).u8(msg.subtype).u8(msg.safi), 23);
}
