// BMP messages from octets (RFC 7854 §4, RFC 8671 §4): the inverse of encode.ts, for tests,
// captures and tools. The BGP PDUs inside are handed back as octets (decode them with the codec
// and the session's context). Malformed input throws BmpDecodeError, never anything else.

import { formatIPv4, formatIPv6 } from '../codec/ip.ts';
import {
  BmpMessageType as Type,
  BmpVersion,
  CommonHeaderLength,
  PeerDownReason as Reason,
  PeerFlag,
  PerPeerHeaderLength,
  TerminationTlv,
} from './constants.ts';
import type { PerPeerHeader, TextTlv } from './encode.ts';

export const BmpDecodeErrorCode = {
  Truncated: 'truncated',
  BadVersion: 'bad-version',
  BadLength: 'bad-length',
  BadPdu: 'bad-pdu',
} as const;
export type BmpDecodeErrorCode = (typeof BmpDecodeErrorCode)[keyof typeof BmpDecodeErrorCode];

export class BmpDecodeError extends Error {
  readonly code: BmpDecodeErrorCode;
  constructor(code: BmpDecodeErrorCode, message: string) {
    super(message);
    this.name = 'BmpDecodeError';
    this.code = code;
  }
}

/** A decoded per-peer header: every field present. */
export interface DecodedPerPeer extends Required<PerPeerHeader> {
  readonly flags: number;
}

export type BmpMessage =
  | { readonly type: 'initiation'; readonly tlvs: TextTlv[] }
  | { readonly type: 'termination'; readonly tlvs: TextTlv[]; readonly reason: number | null }
  | { readonly type: 'route-monitoring'; readonly peer: DecodedPerPeer; readonly update: Uint8Array }
  | { readonly type: 'peer-down'; readonly peer: DecodedPerPeer; readonly reason: number; readonly notification?: Uint8Array; readonly fsmEvent?: number; readonly data?: Uint8Array }
  | {
      readonly type: 'peer-up';
      readonly peer: DecodedPerPeer;
      readonly localAddress: string;
      readonly localPort: number;
      readonly remotePort: number;
      readonly sentOpen: Uint8Array;
      readonly receivedOpen: Uint8Array;
      readonly information: TextTlv[];
    }
  | { readonly type: 'other'; readonly messageType: number; readonly body: Uint8Array };

const utf8 = new TextDecoder();

class Cursor {
  readonly #b: Uint8Array;
  readonly #v: DataView;
  #at: number;
  readonly #end: number;
  constructor(b: Uint8Array, start: number, end: number) {
    this.#b = b;
    this.#v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.#at = start;
    this.#end = end;
  }
  get left(): number {
    return this.#end - this.#at;
  }
  #need(n: number, what: string): number {
    if (n > this.#end - this.#at) throw new BmpDecodeError(BmpDecodeErrorCode.Truncated, `${what}: need ${n} octets, ${this.#end - this.#at} left`);
    const at = this.#at;
    this.#at += n;
    return at;
  }
  u8(what: string): number {
    return this.#v.getUint8(this.#need(1, what));
  }
  u16(what: string): number {
    return this.#v.getUint16(this.#need(2, what));
  }
  u32(what: string): number {
    return this.#v.getUint32(this.#need(4, what));
  }
  bytes(n: number, what: string): Uint8Array {
    const at = this.#need(n, what);
    return this.#b.slice(at, at + n);
  }
  /** A whole BGP message, framed by its own Length field. */
  pdu(what: string): Uint8Array {
    if (this.left < 19) throw new BmpDecodeError(BmpDecodeErrorCode.Truncated, `${what}: no BGP header`);
    const at = this.#at;
    const length = this.#v.getUint16(at + 16);
    if (length < 19) throw new BmpDecodeError(BmpDecodeErrorCode.BadPdu, `${what}: BGP Length ${length}`);
    return this.bytes(length, what);
  }
  rest(): Uint8Array {
    return this.bytes(this.left, 'rest');
  }
}

/** Total length of the BMP message at the start of `bytes`, or null when fewer than 6 octets. */
export function bmpMessageLength(bytes: Uint8Array): number | null {
  if (bytes.length < CommonHeaderLength) return null;
  if (bytes[0] !== BmpVersion) throw new BmpDecodeError(BmpDecodeErrorCode.BadVersion, `BMP version ${bytes[0]}, expected ${BmpVersion}`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if (length < CommonHeaderLength) throw new BmpDecodeError(BmpDecodeErrorCode.BadLength, `BMP Message Length ${length}`);
  return length;
}

/** Splits a stream of BMP messages; a trailing partial message is an error. */
export function splitBmp(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < stream.length) {
    const length = bmpMessageLength(stream.subarray(at));
    if (length === null || at + length > stream.length) throw new BmpDecodeError(BmpDecodeErrorCode.Truncated, `BMP message at ${at} cut short`);
    out.push(stream.subarray(at, at + length));
    at += length;
  }
  return out;
}

function perPeer(c: Cursor): DecodedPerPeer {
  const peerType = c.u8('peer type');
  const flags = c.u8('peer flags');
  const distinguisher = c.bytes(8, 'peer distinguisher');
  const addr = c.bytes(16, 'peer address');
  const peerAsn = c.u32('peer AS');
  const id = c.bytes(4, 'peer BGP ID');
  const seconds = c.u32('timestamp');
  const micros = c.u32('timestamp microseconds');
  return {
    peerType,
    flags,
    distinguisher,
    peerAddress: flags & PeerFlag.V ? formatIPv6(addr) : formatIPv4(addr, 12),
    peerAsn,
    peerBgpId: formatIPv4(id),
    timestampUs: seconds * 1e6 + micros,
    postPolicy: (flags & PeerFlag.L) !== 0,
    adjRibOut: (flags & PeerFlag.O) !== 0,
    twoOctetAsPath: (flags & PeerFlag.A) !== 0,
  };
}

function tlvs(c: Cursor): TextTlv[] {
  const out: TextTlv[] = [];
  while (c.left > 0) {
    const type = c.u16('TLV type');
    const length = c.u16('TLV length');
    out.push({ type, value: utf8.decode(c.bytes(length, 'TLV value')) });
  }
  return out;
}

/** One whole BMP message (common header included). */
export function decodeBmp(bytes: Uint8Array): BmpMessage {
  const length = bmpMessageLength(bytes);
  if (length === null || length !== bytes.length) {
    throw new BmpDecodeError(BmpDecodeErrorCode.BadLength, `BMP Message Length ${length ?? '?'}, ${bytes.length} octets given`);
  }
  const messageType = bytes[5]!;
  const c = new Cursor(bytes, CommonHeaderLength, bytes.length);
  switch (messageType) {
    case Type.Initiation:
      return { type: 'initiation', tlvs: tlvs(c) };
    case Type.Termination: {
      const t = tlvs(c);
      return { type: 'termination', tlvs: t.filter((x) => x.type !== TerminationTlv.Reason), reason: terminationReason(bytes) };
    }
    case Type.RouteMonitoring:
      return { type: 'route-monitoring', peer: perPeer(c), update: c.pdu('route monitoring UPDATE') };
    case Type.PeerDown: {
      const peer = perPeer(c);
      const reason = c.u8('peer down reason');
      if (reason === Reason.LocalNotification || reason === Reason.RemoteNotification) return { type: 'peer-down', peer, reason, notification: c.pdu('peer down NOTIFICATION') };
      if (reason === Reason.LocalNoNotification) return { type: 'peer-down', peer, reason, fsmEvent: c.u16('FSM event code') };
      return c.left > 0 ? { type: 'peer-down', peer, reason, data: c.rest() } : { type: 'peer-down', peer, reason };
    }
    case Type.PeerUp: {
      const peer = perPeer(c);
      const local = c.bytes(16, 'local address');
      return {
        type: 'peer-up',
        peer,
        localAddress: peer.flags & PeerFlag.V ? formatIPv6(local) : formatIPv4(local, 12),
        localPort: c.u16('local port'),
        remotePort: c.u16('remote port'),
        sentOpen: c.pdu('sent OPEN'),
        receivedOpen: c.pdu('received OPEN'),
        information: tlvs(c),
      };
    }
    default:
      return { type: 'other', messageType, body: c.rest() };
  }
}

/** The 2-octet value of the Reason TLV of a Termination message, if there is one. */
function terminationReason(bytes: Uint8Array): number | null {
  const c = new Cursor(bytes, CommonHeaderLength, bytes.length);
  while (c.left > 0) {
    const type = c.u16('TLV type');
    const value = c.bytes(c.u16('TLV length'), 'TLV value');
    if (type === TerminationTlv.Reason && value.length === 2) return (value[0]! << 8) | value[1]!;
  }
  return null;
}
