// From what the transport and codec produce to FSM events (RFC 4271 §8.1.4–8.1.5): a decoded
// message, a decode error, an expired timer.

import { ErrorCode, OpenSubcode } from '../codec/errors.ts';
import type { BgpError } from '../codec/errors.ts';
import type { BgpMessage, NotificationMessage } from '../codec/types.ts';
import type { FsmEvent, TimerName } from './fsm-types.ts';

/** §8.1.5 event 24 vs 25: "version error" is OPEN Message Error / Unsupported Version Number. */
export function isVersionError(n: Pick<NotificationMessage, 'code' | 'subcode'>): boolean {
  return n.code === ErrorCode.OpenMessage && n.subcode === OpenSubcode.UnsupportedVersionNumber;
}

/** The event of a message the codec decoded. A BGPOpen still goes through config.checkOpen. */
export function messageEvent(msg: BgpMessage): FsmEvent {
  switch (msg.type) {
    case 'open':
      return { type: 'BGPOpen', open: msg };
    case 'update':
      return { type: 'UpdateMsg', update: msg };
    case 'notification':
      return isVersionError(msg) ? { type: 'NotifMsgVerErr', notification: msg } : { type: 'NotifMsg', notification: msg };
    case 'keepalive':
      return { type: 'KeepAliveMsg' };
    case 'route-refresh':
      return { type: 'RouteRefreshMsg', message: msg };
  }
}

/**
 * The event of a decode error, by its code: header (§6.1), OPEN (§6.2), UPDATE (§6.3, only the
 * errors that reset the session — RFC 7606 treat-as-withdraw is not one), ROUTE-REFRESH
 * (RFC 7313 §5). Any other code is reported like a header error, with its own code and subcode.
 */
export function decodeErrorEvent(error: BgpError): FsmEvent {
  switch (error.code) {
    case ErrorCode.OpenMessage:
      return { type: 'BGPOpenMsgErr', error };
    case ErrorCode.UpdateMessage:
      return { type: 'UpdateMsgErr', error };
    case ErrorCode.RouteRefreshMessage:
      return { type: 'RouteRefreshMsgErr', error };
    default:
      return { type: 'BGPHeaderErr', error };
  }
}

/** §8.1.3: the event of an expired timer. */
export function timerEvent(timer: TimerName): FsmEvent {
  switch (timer) {
    case 'ConnectRetry':
      return { type: 'ConnectRetryTimer_Expires' };
    case 'Hold':
      return { type: 'HoldTimer_Expires' };
    case 'Keepalive':
      return { type: 'KeepaliveTimer_Expires' };
    case 'IdleHold':
      return { type: 'IdleHoldTimer_Expires' };
  }
}
