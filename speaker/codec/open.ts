// OPEN message: RFC 4271 §4.2, with the Capabilities Optional Parameter of RFC 5492 §4 and the
// extended Optional Parameters Length of RFC 9072 §2.
//
//   Version(1) My AS(2) Hold Time(2) BGP Identifier(4) Opt Parm Len(1) Optional Parameters
//   each parameter: Type(1) Length(1) Value           (type 2 = Capabilities)
//   RFC 9072: Opt Parm Len 255, then a first "type" 255, then a 2-octet length, and
//   every parameter: Type(1) Length(2) Value.
//
// Decoding is syntax only; RFC 4271 §6.2 semantics (version, AS, hold time, identifier) live in
// open-checks.ts.

import { decodeCapabilities, encodeCapability, MalformedOpen } from './capabilities.ts';
import { defaultContext } from './context.ts';
import { BgpError, EncodeError, ErrorCode, OpenSubcode } from './errors.ts';
import { encodeFrame } from './header.ts';
import { formatIPv4, parseIPv4 } from './ip.ts';
import { Reader } from './reader.ts';
import type { Capability, OpenMessage } from './types.ts';
import { HeaderLength, MessageType } from './types.ts';
import { Writer } from './writer.ts';

/** RFC 5492 §4. */
const CapabilitiesParameter = 2;
/** RFC 9072 §2: the Non-Ext OP Len and Non-Ext OP Type that announce the extended format. */
const ExtendedFormatMarker = 255;
/** RFC 6793 §9: the 2-octet stand-in for a 4-octet AS number. */
export const AsTrans = 23456;

/** Decodes an OPEN from a whole message (header included, already checked by decodeHeader). */
export function decodeOpen(frame: Uint8Array): OpenMessage {
  const r = new Reader(frame, MalformedOpen, HeaderLength);
  const version = r.u8('version');
  const myAs = r.u16('My AS');
  const holdTime = r.u16('Hold Time');
  const bgpId = formatIPv4(r.bytesView(4, 'BGP Identifier'));
  const capabilities = decodeParameters(r);
  const fourOctet = capabilities.find((c) => c.name === 'four-octet-as');
  const asn = fourOctet ? fourOctet.asn : myAs;
  return { type: 'open', version, asn, myAs, holdTime, bgpId, capabilities };
}

function decodeParameters(r: Reader): Capability[] {
  let length = r.u8('Opt Parm Len');
  let lengthSize: 1 | 2 = 1;
  if (length === ExtendedFormatMarker && r.remaining > 0 && r.bytes[r.offset] === ExtendedFormatMarker) {
    r.u8('Non-Ext OP Type');
    length = r.u16('Extended Opt. Parm. Length');
    lengthSize = 2;
  }
  const params = r.sub(length, MalformedOpen, 'Optional Parameters');
  if (!r.atEnd()) {
    const detail = `${r.remaining} octets after the Optional Parameters`;
    throw new BgpError(MalformedOpen.code, MalformedOpen.subcode, detail);
  }
  const caps: Capability[] = [];
  while (!params.atEnd()) {
    const type = params.u8('parameter type');
    const valueLength = lengthSize === 1 ? params.u8('parameter length') : params.u16('parameter length');
    const value = params.sub(valueLength, MalformedOpen, `parameter ${type}`);
    if (type !== CapabilitiesParameter) {
      // RFC 4271 §6.2 (type 1, Authentication, is deprecated by RFC 5492 and unsupported too).
      throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.UnsupportedOptionalParameter, `parameter type ${type}`);
    }
    caps.push(...decodeCapabilities(value));
  }
  return caps;
}

export interface OpenEncodeOptions {
  /**
   * How capabilities are laid out in Optional Parameters: all in one parameter ("single", as
   * BIRD and FRR send them; the default) or one parameter per capability (as GoBGP does).
   */
  readonly parameters?: 'single' | 'per-capability';
  /** Use the RFC 9072 format even when the parameters fit in 255 octets (it is used anyway when not). */
  readonly extendedLength?: boolean;
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new EncodeError(`${name} ${value} out of range 0..${max}`);
  }
}

function capabilityBytes(cap: Capability): Uint8Array {
  const w = new Writer(16);
  encodeCapability(w, cap);
  return w.finish();
}

function concat(parts: Uint8Array[]): Uint8Array {
  const w = new Writer(parts.reduce((n, p) => n + p.length, 1));
  parts.forEach((p) => w.bytes(p));
  return w.finish();
}

export function encodeOpen(msg: OpenMessage, options: OpenEncodeOptions = {}): Uint8Array {
  checkField('version', msg.version, 0xff);
  checkField('My AS', msg.myAs, 0xffff);
  checkField('Hold Time', msg.holdTime, 0xffff);
  const caps = msg.capabilities.map(capabilityBytes);
  const groups = options.parameters === 'per-capability' ? caps : caps.length > 0 ? [concat(caps)] : [];
  const plainLength = groups.reduce((n, g) => n + 2 + g.length, 0);
  const extended = options.extendedLength === true || plainLength > 0xff || groups.some((g) => g.length > 0xff);
  return encodeFrame(MessageType.Open, defaultContext, (w) => {
    w.u8(msg.version).u16(msg.myAs).u16(msg.holdTime).bytes(parseIPv4(msg.bgpId));
    const size = extended ? 2 : 1;
    // RFC 9072 §2: the extended format announces itself where the plain length would be.
    if (extended) w.u8(ExtendedFormatMarker).u8(ExtendedFormatMarker);
    w.lengthPrefixed(size, (p) => {
      for (const g of groups) p.u8(CapabilitiesParameter).lengthPrefixed(size, (v) => v.bytes(g));
    });
  });
}

/**
 * An OPEN for a speaker of AS `asn`: version 4, My AS = `asn` or AS_TRANS when it needs
 * 4 octets (RFC 6793 §4.1). The 4-octet AS capability is the caller's to include.
 */
export function buildOpen(fields: {
  asn: number;
  holdTime: number;
  bgpId: string;
  capabilities: Capability[];
}): OpenMessage {
  const { asn, holdTime, bgpId, capabilities } = fields;
  return { type: 'open', version: 4, asn, myAs: asn > 0xffff ? AsTrans : asn, holdTime, bgpId, capabilities };
}
