// BMP messages to octets: RFC 7854 §4 (common header §4.1, per-peer header §4.2, Information TLVs
// §4.4, Initiation §4.3, Termination §4.5, Route Monitoring §4.6, Peer Down §4.9, Peer Up §4.10)
// with the Adj-RIB-Out O flag of RFC 8671 §4. Pure: the BGP PDUs inside come encoded, as they
// went on the wire; they are checked to be whole messages of the right type, not re-encoded.
//
//   common header:   Version (1) = 3 | Message Length (4, the whole message) | Message Type (1)
//   per-peer header: Peer Type (1) | Flags (1) V L A O | Distinguisher (8) | Address (16)
//                    | Peer AS (4) | Peer BGP ID (4) | Timestamp seconds (4) | microseconds (4)
//
// An IPv4 address takes the low-order 4 octets of a 16-octet field, the rest zero (§4.2, §4.10).

import { EncodeError } from '../codec/errors.ts';
import { HeaderLength, MessageType } from '../codec/types.ts';
import { parseIP, parseIPv4 } from '../codec/ip.ts';
import { Writer } from '../codec/writer.ts';
import type { BmpMessageType } from './constants.ts';
import {
  BmpMessageType as Type,
  BmpVersion,
  CommonHeaderLength,
  InitiationTlv,
  PeerDownReason as Reason,
  PeerFlag,
  PeerType,
  PeerUpTlv,
  PerPeerHeaderLength,
  TerminationTlv,
} from './constants.ts';

/** What the per-peer header says about the monitored session (RFC 7854 §4.2, RFC 8671 §4). */
export interface PerPeerHeader {
  /** Default 0, Global Instance Peer. */
  readonly peerType?: number;
  /** 8 octets; default all zero (as for a Global Instance Peer). */
  readonly distinguisher?: Uint8Array;
  /** IPv4 or IPv6 text; IPv6 sets the V flag. */
  readonly peerAddress: string;
  readonly peerAsn: number;
  /** Dotted quad, the peer's BGP Identifier. */
  readonly peerBgpId: string;
  /** Microseconds since the epoch; 0 when unavailable (RFC 7854 §4.2, RFC 8671 §4). */
  readonly timestampUs: number;
  /** L: post-policy. */
  readonly postPolicy?: boolean;
  /** O: Adj-RIB-Out (RFC 8671). */
  readonly adjRibOut?: boolean;
  /** A: the encapsulated UPDATE uses 2-octet AS numbers in AS_PATH. */
  readonly twoOctetAsPath?: boolean;
}

export interface TextTlv {
  readonly type: number;
  readonly value: string;
}

export interface Initiation {
  readonly sysDescr: string;
  readonly sysName: string;
  /** Free-form strings (type 0), after sysName and sysDescr. */
  readonly strings?: readonly string[];
}

export interface Termination {
  /** RFC 7854 §4.5 reason code (TerminationReason). */
  readonly reason: number;
  readonly text?: string;
}

export interface PeerUp {
  readonly peer: PerPeerHeader;
  /** The local end of the BGP session's TCP connection. */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remotePort: number;
  /** The whole OPEN message we sent, then the whole OPEN we received (RFC 7854 §4.10). */
  readonly sentOpen: Uint8Array;
  readonly receivedOpen: Uint8Array;
  /** Information TLVs (type 0, String); RFC 9736 keeps type 0 for Peer Up. */
  readonly information?: readonly string[];
}

export type PeerDown =
  | { readonly peer: PerPeerHeader; readonly reason: typeof Reason.LocalNotification | typeof Reason.RemoteNotification; readonly notification: Uint8Array }
  | { readonly peer: PerPeerHeader; readonly reason: typeof Reason.LocalNoNotification; readonly fsmEvent: number }
  | { readonly peer: PerPeerHeader; readonly reason: typeof Reason.RemoteNoNotification | typeof Reason.Deconfigured };

export interface RouteMonitoring {
  readonly peer: PerPeerHeader;
  /** One whole UPDATE message, header included. */
  readonly update: Uint8Array;
}

const utf8 = new TextEncoder();
const zeroDistinguisher = new Uint8Array(8);

/** §4.4: Type (2), Length (2), UTF-8 value. */
function tlv(w: Writer, type: number, value: string | Uint8Array): void {
  const bytes = typeof value === 'string' ? utf8.encode(value) : value;
  if (bytes.length > 0xffff) throw new EncodeError(`BMP TLV of ${bytes.length} octets exceeds 65535`);
  w.u16(type).u16(bytes.length).bytes(bytes);
}

/** Writes the common header with a Message Length patched in once `body` is written. */
function message(type: BmpMessageType, sizeHint: number, body: (w: Writer) => void): Uint8Array {
  const w = new Writer(sizeHint);
  w.u8(BmpVersion).u32(0).u8(type);
  body(w);
  const out = w.finish();
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(1, out.length);
  return out;
}

/** 16 octets: IPv6 as is, IPv4 in the low-order 4 (RFC 7854 §4.2). */
function address16(text: string): { v6: boolean; bytes: Uint8Array } {
  const { afi, addr } = parseIP(text);
  if (afi === 2) return { v6: true, bytes: addr };
  const out = new Uint8Array(16);
  out.set(addr, 12);
  return { v6: false, bytes: out };
}

function u32Field(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new EncodeError(`BMP ${what} out of range: ${n}`);
  return n;
}

export function peerFlags(p: PerPeerHeader, v6: boolean): number {
  return (v6 ? PeerFlag.V : 0) | (p.postPolicy ? PeerFlag.L : 0) | (p.twoOctetAsPath ? PeerFlag.A : 0) | (p.adjRibOut ? PeerFlag.O : 0);
}

function writePerPeer(w: Writer, p: PerPeerHeader): void {
  const addr = address16(p.peerAddress);
  const dist = p.distinguisher ?? zeroDistinguisher;
  if (dist.length !== 8) throw new EncodeError(`BMP peer distinguisher must be 8 octets, not ${dist.length}`);
  if (!Number.isSafeInteger(p.timestampUs) || p.timestampUs < 0) throw new EncodeError(`BMP timestamp out of range: ${p.timestampUs}`);
  const seconds = Math.floor(p.timestampUs / 1e6);
  w.u8(p.peerType ?? PeerType.GlobalInstance)
    .u8(peerFlags(p, addr.v6))
    .bytes(dist)
    .bytes(addr.bytes)
    .u32(u32Field(p.peerAsn, 'peer AS'))
    .bytes(parseIPv4(p.peerBgpId))
    .u32(u32Field(seconds, 'timestamp'))
    .u32(p.timestampUs - seconds * 1e6);
}

/** A whole BGP message of `type`: marker, a Length equal to its size. */
function checkPdu(pdu: Uint8Array, type: number, what: string): Uint8Array {
  const length = pdu.length >= HeaderLength ? (pdu[16]! << 8) | pdu[17]! : -1;
  if (length !== pdu.length || pdu[18] !== type || pdu.subarray(0, 16).some((b) => b !== 0xff)) {
    throw new EncodeError(`BMP ${what}: not one whole BGP message of type ${type}`);
  }
  return pdu;
}

/** §4.3: sysDescr and sysName MUST be there (in no set order: sysName first, as GoBGP does). */
export function encodeInitiation(i: Initiation): Uint8Array {
  return message(Type.Initiation, 64 + i.sysDescr.length + i.sysName.length, (w) => {
    tlv(w, InitiationTlv.SysName, i.sysName);
    tlv(w, InitiationTlv.SysDescr, i.sysDescr);
    for (const s of i.strings ?? []) tlv(w, InitiationTlv.String, s);
  });
}

/** §4.5: an optional String TLV, then the Reason TLV. */
export function encodeTermination(t: Termination): Uint8Array {
  if (!Number.isInteger(t.reason) || t.reason < 0 || t.reason > 0xffff) throw new EncodeError(`BMP termination reason out of range: ${t.reason}`);
  return message(Type.Termination, 32, (w) => {
    if (t.text !== undefined) tlv(w, TerminationTlv.String, t.text);
    tlv(w, TerminationTlv.Reason, new Uint8Array([t.reason >> 8, t.reason & 0xff]));
  });
}

/** §4.6: the per-peer header, then the UPDATE as sent. */
export function encodeRouteMonitoring(m: RouteMonitoring): Uint8Array {
  const update = checkPdu(m.update, MessageType.Update, 'route monitoring');
  return message(Type.RouteMonitoring, CommonHeaderLength + PerPeerHeaderLength + update.length, (w) => {
    writePerPeer(w, m.peer);
    w.bytes(update);
  });
}

/** §4.9: the reason, then the NOTIFICATION (1, 3), the FSM event code (2), or nothing (4, 5). */
export function encodePeerDown(d: PeerDown): Uint8Array {
  return message(Type.PeerDown, 96, (w) => {
    writePerPeer(w, d.peer);
    w.u8(d.reason);
    if (d.reason === Reason.LocalNotification || d.reason === Reason.RemoteNotification) {
      w.bytes(checkPdu(d.notification, MessageType.Notification, 'peer down'));
    } else if (d.reason === Reason.LocalNoNotification) {
      if (!Number.isInteger(d.fsmEvent) || d.fsmEvent < 0 || d.fsmEvent > 0xffff) throw new EncodeError(`BMP FSM event code out of range: ${d.fsmEvent}`);
      w.u16(d.fsmEvent);
    } else if (d.reason !== Reason.RemoteNoNotification && d.reason !== Reason.Deconfigured) {
      throw new EncodeError(`BMP peer down reason ${(d as { reason: number }).reason} is not one of 1-5`);
    }
  });
}

/** §4.10: local address and ports, the OPEN we sent, the OPEN we received, Information TLVs. */
export function encodePeerUp(u: PeerUp): Uint8Array {
  const sent = checkPdu(u.sentOpen, MessageType.Open, 'peer up sent OPEN');
  const received = checkPdu(u.receivedOpen, MessageType.Open, 'peer up received OPEN');
  const port = (p: number, what: string) => {
    if (!Number.isInteger(p) || p < 0 || p > 0xffff) throw new EncodeError(`BMP ${what} out of range: ${p}`);
    return p;
  };
  return message(Type.PeerUp, 128 + sent.length + received.length, (w) => {
    writePerPeer(w, u.peer);
    w.bytes(address16(u.localAddress).bytes).u16(port(u.localPort, 'local port')).u16(port(u.remotePort, 'remote port'));
    w.bytes(sent).bytes(received);
    for (const s of u.information ?? []) tlv(w, PeerUpTlv.String, s);
  });
}

