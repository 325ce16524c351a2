// One received frame to what the session does with it (RFC 4271 §6, RFC 7606). Pure.
//
// - Any decode error → the FSM event of its code (events.ts decodeErrorEvent): the FSM answers
//   with the NOTIFICATION the error carries.
// - An UPDATE is judged by validateUpdate: session reset → UpdateMsgErr with the verdict's error
//   (AFI/SAFI disable is never asked for, so it cannot come); anything milder → UpdateMsg, with
//   the verdict for the Adj-RIB-In (treat-as-withdraw moved the announcements to withdrawals,
//   attribute discard removed attributes).
// - Every other message → its event.

import type { CodecContext } from '../codec/context.ts';
import { BgpError } from '../codec/errors.ts';
import { decodeFrame } from '../codec/message.ts';
import type { BgpMessage } from '../codec/types.ts';
import type { SessionFacts, UpdateVerdict } from '../codec/validate-update.ts';
import { validateUpdate } from '../codec/validate-update.ts';
import { decodeErrorEvent, messageEvent } from './events.ts';
import type { FsmEvent } from './fsm-types.ts';

export interface Received {
  readonly event: FsmEvent;
  /** The message, when it decoded. */
  readonly message: BgpMessage | null;
  /** For an UPDATE that decoded. */
  readonly verdict: UpdateVerdict | null;
}

export function receiveFrame(frame: Uint8Array, ctx: CodecContext, facts: SessionFacts): Received {
  let decoded;
  try {
    decoded = decodeFrame(frame, ctx);
  } catch (e) {
    if (e instanceof BgpError) return { event: decodeErrorEvent(e), message: null, verdict: null };
    throw e;
  }
  const { message } = decoded;
  if (message.type !== 'update') return { event: messageEvent(message), message, verdict: null };
  const verdict = validateUpdate(decoded as Parameters<typeof validateUpdate>[0], ctx, facts);
  if (verdict.action === 'session-reset' || verdict.action === 'afi-safi-disable') {
    const error = verdict.error ?? new BgpError(3, 0, 'UPDATE rejected');
    return { event: { type: 'UpdateMsgErr', error }, message, verdict };
  }
  return { event: { type: 'UpdateMsg', update: message }, message, verdict };
}
