// Capabilities Optional Parameter: RFC 5492 §4 (Code 1, Length 1, Value). One table row per
// capability code, each a decode/encode pair:
//   1  Multiprotocol Extensions      RFC 4760 §8   AFI(2) Reserved(1) SAFI(1)
//   2  Route Refresh                 RFC 2918 §2   empty
//   5  Extended Next Hop Encoding    RFC 8950 §3   [NLRI AFI(2) NLRI SAFI(2) Next Hop AFI(2)]*
//   6  BGP Extended Message          RFC 8654 §3   empty
//   64 Graceful Restart              RFC 4724 §3   Flags(4 bits: R, N) Time(12 bits) [AFI SAFI Flags(F)]*
//                                    RFC 8538 §2   N-bit
//   65 4-octet AS                    RFC 6793 §3   AS(4)
//   69 ADD-PATH                      RFC 7911 §4   [AFI(2) SAFI(1) Send/Receive(1)]*
//   70 Enhanced Route Refresh        RFC 7313 §4   empty
//   71 Long-Lived Graceful Restart   RFC 9494 §3.1 [AFI(2) SAFI(1) Flags(F) Stale Time(3)]*
//   73 FQDN                          draft-walton-bgp-hostname-capability  Len Hostname Len Domain
//   128 Route Refresh (pre-standard code)
// Any other code is kept as received (hex) and sent back unchanged (RFC 5492 §3: a capability we
// do not understand is ignored, not an error).
//
// A known capability whose value does not parse is a malformed OPEN: code 2, subcode 0
// (Unspecific; RFC 5492 names no subcode for it, and BIRD answers the same way).

import { BgpError, EncodeError, ErrorCode } from './errors.ts';
import { fromHex, toHex } from './hex.ts';
import type { Reader } from './reader.ts';
import type { Underrun } from './reader.ts';
import type {
  AddPathCap,
  Capability,
  ExtendedNextHopCap,
  FourOctetAsCap,
  FqdnCap,
  GracefulRestartCap,
  LongLivedGracefulRestartCap,
  MultiprotocolCap,
  UnknownCap,
} from './types.ts';
import type { Writer } from './writer.ts';

export const CapabilityCode = {
  Multiprotocol: 1,
  RouteRefresh: 2,
  ExtendedNextHop: 5,
  ExtendedMessage: 6,
  GracefulRestart: 64,
  FourOctetAs: 65,
  AddPath: 69,
  EnhancedRouteRefresh: 70,
  LongLivedGracefulRestart: 71,
  Fqdn: 73,
  RouteRefreshOld: 128,
} as const;

/** Malformed OPEN content: RFC 4271 §6.2 "Unspecific" subcode. */
export const MalformedOpen: Underrun = { code: ErrorCode.OpenMessage, subcode: 0 };

/**
 * A row of the table. `decode` reads the whole value from `r` (a reader over exactly the value);
 * octets it leaves unread make the capability malformed. It may return an UnknownCap when the
 * RFC says to treat the value as not understood. `encode` writes the value only; the code and
 * the length around it are written by the caller.
 */
interface CapabilityRow<C extends Capability> {
  readonly name: C['name'];
  decode(r: Reader, code: number): C | UnknownCap;
  encode(w: Writer, cap: C): void;
}

function row<C extends Capability>(r: CapabilityRow<C>): CapabilityRow<Capability> {
  return r as unknown as CapabilityRow<Capability>;
}

/** A capability that is the code alone (the value is empty). */
function flag<C extends Capability>(code: C['code'], name: C['name']): CapabilityRow<Capability> {
  return row<C>({
    name,
    decode: () => ({ code, name }) as C,
    encode: () => {},
  });
}

/** Reads fixed-size entries until the value is used up; a partial entry is malformed. */
function entries<T>(r: Reader, size: number, read: (r: Reader) => T): T[] {
  const out: T[] = [];
  while (!r.atEnd()) out.push(read(r.sub(size, r.underrun, 'capability entry')));
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

const table: Readonly<Record<number, CapabilityRow<Capability>>> = {
  [CapabilityCode.Multiprotocol]: row<MultiprotocolCap>({
    name: 'multiprotocol',
    decode: (r) => {
      const afi = r.u16('AFI');
      r.u8('reserved');
      return { code: 1, name: 'multiprotocol', afi, safi: r.u8('SAFI') };
    },
    encode: (w, c) => void w.u16(c.afi).u8(0).u8(c.safi),
  }),
  [CapabilityCode.RouteRefresh]: flag(2, 'route-refresh'),
  [CapabilityCode.ExtendedNextHop]: row<ExtendedNextHopCap>({
    name: 'extended-next-hop',
    decode: (r) => ({
      code: 5,
      name: 'extended-next-hop',
      entries: entries(r, 6, (e) => ({ afi: e.u16(), safi: e.u16(), nextHopAfi: e.u16() })),
    }),
    encode: (w, c) => c.entries.forEach((e) => w.u16(e.afi).u16(e.safi).u16(e.nextHopAfi)),
  }),
  [CapabilityCode.ExtendedMessage]: flag(6, 'extended-message'),
  [CapabilityCode.GracefulRestart]: row<GracefulRestartCap>({
    name: 'graceful-restart',
    decode: (r) => {
      const word = r.u16('restart flags and time');
      return {
        code: 64,
        name: 'graceful-restart',
        restarting: (word & 0x8000) !== 0,
        notification: (word & 0x4000) !== 0,
        restartTime: word & 0x0fff,
        families: entries(r, 4, (e) => ({
          afi: e.u16(),
          safi: e.u8(),
          forwardingPreserved: (e.u8() & 0x80) !== 0,
        })),
      };
    },
    encode: (w, c) => {
      if (c.restartTime > 0x0fff) throw new EncodeError(`restart time ${c.restartTime} > 4095`);
      w.u16((c.restarting ? 0x8000 : 0) | (c.notification ? 0x4000 : 0) | c.restartTime);
      c.families.forEach((f) => w.u16(f.afi).u8(f.safi).u8(f.forwardingPreserved ? 0x80 : 0));
    },
  }),
  [CapabilityCode.FourOctetAs]: row<FourOctetAsCap>({
    name: 'four-octet-as',
    decode: (r) => ({ code: 65, name: 'four-octet-as', asn: r.u32('AS number') }),
    encode: (w, c) => void w.u32(c.asn),
  }),
  [CapabilityCode.AddPath]: row<AddPathCap>({
    name: 'add-path',
    decode: (r, code) => {
      const start = r.offset;
      const families = entries(r, 4, (e) => ({ afi: e.u16(), safi: e.u8(), sendReceive: e.u8() }));
      // RFC 7911 §4: any other Send/Receive value makes the capability "not understood".
      if (families.some((f) => f.sendReceive < 1 || f.sendReceive > 3)) {
        return { code, name: 'unknown', hex: toHex(r.bytes.subarray(start, r.offset)) };
      }
      return { code: 69, name: 'add-path', families: families as AddPathCap['families'] };
    },
    encode: (w, c) => c.families.forEach((f) => w.u16(f.afi).u8(f.safi).u8(f.sendReceive)),
  }),
  [CapabilityCode.EnhancedRouteRefresh]: flag(70, 'enhanced-route-refresh'),
  [CapabilityCode.LongLivedGracefulRestart]: row<LongLivedGracefulRestartCap>({
    name: 'long-lived-graceful-restart',
    decode: (r) => ({
      code: 71,
      name: 'long-lived-graceful-restart',
      families: entries(r, 7, (e) => ({
        afi: e.u16(),
        safi: e.u8(),
        forwardingPreserved: (e.u8() & 0x80) !== 0,
        staleTime: (e.u8() << 16) | e.u16(),
      })),
    }),
    encode: (w, c) =>
      c.families.forEach((f) => {
        if (f.staleTime > 0xffffff) throw new EncodeError(`stale time ${f.staleTime} > 2^24-1`);
        w.u16(f.afi).u8(f.safi).u8(f.forwardingPreserved ? 0x80 : 0);
        w.u8(f.staleTime >>> 16).u16(f.staleTime & 0xffff);
      }),
  }),
  [CapabilityCode.Fqdn]: row<FqdnCap>({
    name: 'fqdn',
    decode: (r, code) => {
      const start = r.offset;
      const host = r.bytesView(r.u8('hostname length'), 'hostname');
      const domain = r.bytesView(r.u8('domain length'), 'domain name');
      try {
        return { code: 73, name: 'fqdn', hostname: utf8.decode(host), domain: utf8.decode(domain) };
      } catch {
        // Not UTF-8: kept raw, so that what we pass on or print is what was sent.
        return { code, name: 'unknown', hex: toHex(r.bytes.subarray(start, r.offset)) };
      }
    },
    encode: (w, c) => {
      w.lengthPrefixed(1, (v) => v.bytes(utf8Encoder.encode(c.hostname)));
      w.lengthPrefixed(1, (v) => v.bytes(utf8Encoder.encode(c.domain)));
    },
  }),
  [CapabilityCode.RouteRefreshOld]: flag(128, 'route-refresh-old'),
};

/** The name of a capability code as used in the JSON view ("unknown" for codes not in the table). */
export function capabilityName(code: number): string {
  return table[code]?.name ?? 'unknown';
}

/** Decodes one capability value; `r` spans exactly the value. */
export function decodeCapability(code: number, r: Reader): Capability {
  const entry = table[code];
  if (!entry) return { code, name: 'unknown', hex: toHex(r.rest()) };
  const cap = entry.decode(r, code);
  if (!r.atEnd()) {
    throw new BgpError(MalformedOpen.code, MalformedOpen.subcode, `capability ${code}: ${r.remaining} octets too many`);
  }
  return cap;
}

/**
 * Decodes the value of a Capabilities Optional Parameter: one or more capability TLVs
 * (RFC 5492 §4 allows several per parameter). `r` spans exactly the parameter value.
 */
export function decodeCapabilities(r: Reader): Capability[] {
  const caps: Capability[] = [];
  while (!r.atEnd()) {
    const code = r.u8('capability code');
    const length = r.u8('capability length');
    caps.push(decodeCapability(code, r.sub(length, MalformedOpen, `capability ${code}`)));
  }
  return caps;
}

/** Writes one capability TLV: code, a back-patched length, the value. */
export function encodeCapability(w: Writer, cap: Capability): void {
  w.u8(cap.code);
  w.lengthPrefixed(1, (v) => {
    if (cap.name === 'unknown') {
      v.bytes(fromHex(cap.hex));
      return;
    }
    const entry = table[cap.code];
    if (!entry || entry.name !== cap.name) {
      throw new EncodeError(`capability code ${cap.code} is not ${cap.name}`);
    }
    entry.encode(v, cap);
  });
}
