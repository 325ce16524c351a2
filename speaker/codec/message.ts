// One BGP message, whole (header included), to its decoded form and back: the header check of
// RFC 4271 §6.1, then the body by type (§4.2–4.5, RFC 2918 §3).

import type { CodecContext } from './context.ts';
import { BgpError, ErrorCode, HeaderSubcode } from './errors.ts';
import { decodeHeader, encodeFrame } from './header.ts';
import { decodeKeepalive, encodeKeepalive } from './keepalive.ts';
import { decodeNotification, encodeNotification } from './notification.ts';
import { decodeOpen, encodeOpen } from './open.ts';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.ts';
import type { BgpMessage } from './types.ts';
import { HeaderLength, MessageType } from './types.ts';
import type { AttributeProblem } from './update.ts';
import { decodeUpdate, writeUpdate } from './update.ts';

/** A decoded message and, for an UPDATE, what the RFC 7606 validation step needs besides. */
export interface DecodedFrame {
  message: BgpMessage;
  /** Problems in an UPDATE's path attributes (empty for other messages), for validateUpdate. */
  problems: AttributeProblem[];
  /** Type codes of every attribute read, in wire order (empty for other messages). */
  seen: number[];
}

/**
 * Decodes one message. `frame` must hold exactly the message (the framer hands them out so);
 * octets missing or left over against the Length field are a Bad Message Length.
 * Throws BgpError only. A session uses this; an UPDATE's `problems` go to validateUpdate.
 */
export function decodeFrame(frame: Uint8Array, ctx: CodecContext): DecodedFrame {
  const { length, type } = decodeHeader(frame, ctx);
  if (length !== frame.length) {
    throw new BgpError(
      ErrorCode.MessageHeader,
      HeaderSubcode.BadMessageLength,
      `Length field ${length}, ${frame.length} octets given`,
      frame.slice(16, 18),
    );
  }
  if (type === MessageType.Update) return decodeUpdate(frame.subarray(HeaderLength), ctx);
  return { message: decodeOther(type, frame), problems: [], seen: [] };
}

function decodeOther(type: Exclude<MessageType, typeof MessageType.Update>, frame: Uint8Array): BgpMessage {
  switch (type) {
    case MessageType.Open:
      return decodeOpen(frame);
    case MessageType.Notification:
      return decodeNotification(frame);
    case MessageType.Keepalive:
      return decodeKeepalive();
    case MessageType.RouteRefresh:
      return decodeRouteRefresh(frame);
  }
}

/**
 * The message alone, for views such as `bgpcast decode`. Attributes with a problem are left
 * out of an UPDATE here; a session must use decodeFrame so that they are acted upon.
 */
export function decodeMessage(frame: Uint8Array, ctx: CodecContext): BgpMessage {
  return decodeFrame(frame, ctx).message;
}

/** Encodes one message within the limits of `ctx`; throws EncodeError when it cannot. */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Uint8Array {
  switch (msg.type) {
    case 'open':
      return encodeOpen(msg);
    case 'update':
      return encodeFrame(MessageType.Update, ctx, (w) => writeUpdate(w, msg, ctx), 256);
    case 'notification':
      return encodeNotification(msg, ctx);
    case 'keepalive':
      return encodeKeepalive();
    case 'route-refresh':
      return encodeRouteRefresh(msg, ctx);
  }
}
