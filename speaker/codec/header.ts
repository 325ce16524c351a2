// The BGP message header: RFC 4271 §4.1 (format) and §6.1 (Message Header error handling),
// RFC 8654 §4 (extended messages; never for OPEN and KEEPALIVE).
//
//   0                   1                   2                   3
//   +-------------------------------+  16-octet marker, all ones
//   |  Length (2)   |  Type (1)     |  Length counts the header itself
//
// Checks run in the order of §6.1: marker, then the length against the session maximum, then
// the type, then the length against the minimum (or exact size) of that type.

import { BgpError, EncodeError, ErrorCode, HeaderSubcode } from './errors.ts';
import type { CodecContext } from './context.ts';
import { MaxMessageLength, maxMessageLength } from './context.ts';
import { HeaderLength, MessageType } from './types.ts';
import { Writer } from './writer.ts';

export interface Header {
  readonly length: number;
  readonly type: MessageType;
}

const MarkerLength = 16;
const Marker = new Uint8Array(MarkerLength).fill(0xff);

/** Smallest legal length of each message type, header included (RFC 4271 §4.2–4.4, RFC 2918 §3). */
export const MinMessageLength: Readonly<Record<MessageType, number>> = {
  [MessageType.Open]: 29,
  [MessageType.Update]: 23,
  [MessageType.Notification]: 21,
  [MessageType.Keepalive]: 19,
  [MessageType.RouteRefresh]: 23,
};

/** Largest legal length of a message of this type on a session with this context. */
export function maxLengthOf(type: MessageType, ctx: CodecContext): number {
  // RFC 8654 §4: OPEN and KEEPALIVE stay within 4096 octets even with extended messages.
  if (type === MessageType.Open || type === MessageType.Keepalive) return MaxMessageLength.standard;
  return maxMessageLength(ctx);
}

function isMessageType(t: number): t is MessageType {
  return t >= MessageType.Open && t <= MessageType.RouteRefresh;
}

function badLength(length: number, detail: string): BgpError {
  // RFC 4271 §6.1: the Data field carries the erroneous Length field.
  const data = new Uint8Array([length >> 8, length & 0xff]);
  return new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, detail, data);
}

/**
 * Validates the 19-octet header at `offset` (the caller guarantees 19 octets are there) and
 * returns its length and type. Throws a BgpError with code 1 and the §6.1 subcode otherwise.
 */
export function decodeHeader(bytes: Uint8Array, ctx: CodecContext, offset = 0): Header {
  if (bytes.length - offset < HeaderLength) {
    throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, 'header truncated');
  }
  for (let i = 0; i < MarkerLength; i++) {
    if (bytes[offset + i] !== 0xff) {
      throw new BgpError(
        ErrorCode.MessageHeader,
        HeaderSubcode.ConnectionNotSynchronized,
        `marker octet ${i} is 0x${bytes[offset + i]!.toString(16)}`,
      );
    }
  }
  const length = (bytes[offset + 16]! << 8) | bytes[offset + 17]!;
  const type = bytes[offset + 18]!;
  const max = maxMessageLength(ctx);
  if (length < HeaderLength || length > max) {
    throw badLength(length, `length ${length} outside ${HeaderLength}..${max}`);
  }
  if (!isMessageType(type)) {
    throw new BgpError(
      ErrorCode.MessageHeader,
      HeaderSubcode.BadMessageType,
      `unknown message type ${type}`,
      new Uint8Array([type]),
    );
  }
  const min = MinMessageLength[type];
  if (type === MessageType.Keepalive ? length !== min : length < min) {
    throw badLength(length, `length ${length} of message type ${type}, minimum ${min}`);
  }
  if (length > maxLengthOf(type, ctx)) {
    throw badLength(length, `length ${length} of message type ${type} exceeds 4096`);
  }
  return { length, type };
}

/**
 * Writes a whole message: marker, a length back-patched once `body` is written, the type.
 * Throws EncodeError when the result exceeds what the session allows for this type.
 */
export function encodeFrame(
  type: MessageType,
  ctx: CodecContext,
  body: (w: Writer) => void,
  sizeHint = 64,
): Uint8Array {
  const w = new Writer(sizeHint);
  w.bytes(Marker);
  const lengthAt = w.length;
  w.u16(0);
  w.u8(type);
  body(w);
  const length = w.length;
  const max = maxLengthOf(type, ctx);
  if (length > max) throw new EncodeError(`message type ${type} of ${length} octets exceeds ${max}`);
  w.patchU16(lengthAt, length);
  return w.finish();
}
