// NOTIFICATION message: RFC 4271 §4.5 — Error code(1) Error subcode(1) Data(variable).
// Shutdown Communication: RFC 9003 §2 — for Cease subcodes Administrative Shutdown (2) and
// Administrative Reset (4) the data may be Length(1) + a UTF-8 message of up to 255 octets.

import type { CodecContext } from './context.ts';
import { defaultContext } from './context.ts';
import { BgpError, CeaseSubcode, EncodeError, ErrorCode } from './errors.ts';
import { encodeFrame, maxLengthOf } from './header.ts';
import { Reader } from './reader.ts';
import type { NotificationMessage } from './types.ts';
import { HeaderLength, MessageType } from './types.ts';
import type { Writer } from './writer.ts';

/** The two octets of code and subcode before the data. */
const FixedLength = 2;

export function decodeNotification(frame: Uint8Array): NotificationMessage {
  // The header check guarantees the two fixed octets; the reader guards the rest anyway.
  const r = new Reader(frame, { code: ErrorCode.MessageHeader, subcode: 2 }, HeaderLength);
  const code = r.u8('error code');
  const subcode = r.u8('error subcode');
  return { type: 'notification', code, subcode, data: r.rest().slice() };
}

/**
 * Encodes a NOTIFICATION. Data that would push the message past the session maximum is cut
 * short: a NOTIFICATION must always be sendable, and its data is diagnostic only.
 */
export function encodeNotification(msg: NotificationMessage, ctx: CodecContext = defaultContext): Uint8Array {
  if (!(msg.code >= 0 && msg.code <= 0xff && msg.subcode >= 0 && msg.subcode <= 0xff)) {
    throw new EncodeError(`notification code ${msg.code}/${msg.subcode} out of range`);
  }
  const room = maxLengthOf(MessageType.Notification, ctx) - HeaderLength - FixedLength;
  const data = msg.data.length > room ? msg.data.subarray(0, room) : msg.data;
  const body = (w: Writer) => void w.u8(msg.code).u8(msg.subcode).bytes(data);
  return encodeFrame(MessageType.Notification, ctx, body, 24 + data.length);
}

/** The NOTIFICATION that reports a decode or validation error to the peer. */
export function notificationFromError(err: BgpError): NotificationMessage {
  return { type: 'notification', code: err.code, subcode: err.subcode, data: err.data };
}

/** What the data of a Cease / Administrative Shutdown or Reset carries (RFC 9003 §2). */
export type ShutdownCommunication =
  | { readonly valid: true; readonly text: string; readonly trailing: Uint8Array }
  | { readonly valid: false; readonly reason: string };

const MaxCommunicationLength = 255;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function carriesCommunication(msg: NotificationMessage): boolean {
  return (
    msg.code === ErrorCode.Cease &&
    (msg.subcode === CeaseSubcode.AdministrativeShutdown || msg.subcode === CeaseSubcode.AdministrativeReset)
  );
}

/**
 * The shutdown communication of a NOTIFICATION, or null when it carries none (another
 * code/subcode, or no data). A malformed one is reported, never thrown: RFC 9003 §2 asks only
 * that it be logged and not propagated. Octets after the message are returned as `trailing`.
 */
export function decodeShutdownCommunication(msg: NotificationMessage): ShutdownCommunication | null {
  if (!carriesCommunication(msg) || msg.data.length === 0) return null;
  const length = msg.data[0]!;
  if (length === 0) return { valid: true, text: '', trailing: msg.data.subarray(1) };
  if (1 + length > msg.data.length) {
    return { valid: false, reason: `length ${length} exceeds the ${msg.data.length - 1} octets present` };
  }
  try {
    const text = strictUtf8.decode(msg.data.subarray(1, 1 + length));
    return { valid: true, text, trailing: msg.data.subarray(1 + length) };
  } catch {
    return { valid: false, reason: 'not valid UTF-8' };
  }
}

/** Length + UTF-8 octets for a Cease NOTIFICATION's data; text longer than 255 octets is refused. */
export function encodeShutdownCommunication(text: string): Uint8Array {
  const octets = utf8Encoder.encode(text);
  if (octets.length > MaxCommunicationLength) {
    throw new EncodeError(`shutdown communication of ${octets.length} octets exceeds ${MaxCommunicationLength}`);
  }
  const out = new Uint8Array(1 + octets.length);
  out[0] = octets.length;
  out.set(octets, 1);
  return out;
}
