// The vocabulary of the BGP session FSM: RFC 4271 §8. States as in §8.2.2, events named as in
// §8.1 (numbers in the comments), actions as data for the session/transport layer to execute.
//
// Not supported, so absent: DelayOpen (events 12 and 20), SendNOTIFICATIONwithoutOPEN,
// AcceptConnectionsUnconfiguredPeers. The IdleHoldTimer of DampPeerOscillations is always on
// (see backoff.ts).

import type { BgpError } from '../codec/errors.ts';
import type { NotificationMessage, OpenMessage, RouteRefreshMessage, UpdateMessage } from '../codec/types.ts';
import type { BackoffPolicy, BackoffState } from './backoff.ts';
import type { RandomSource } from './timers.ts';

export const FsmStateName = {
  Idle: 'Idle',
  Connect: 'Connect',
  Active: 'Active',
  OpenSent: 'OpenSent',
  OpenConfirm: 'OpenConfirm',
  Established: 'Established',
} as const;
export type FsmStateName = (typeof FsmStateName)[keyof typeof FsmStateName];

export const Timer = {
  ConnectRetry: 'ConnectRetry',
  Hold: 'Hold',
  Keepalive: 'Keepalive',
  IdleHold: 'IdleHold',
} as const;
export type TimerName = (typeof Timer)[keyof typeof Timer];

export type FsmEvent =
  // §8.1.2 administrative events
  | { readonly type: 'ManualStart' } // 1
  /** 2. Cease / Administrative Shutdown (RFC 4486) unless another Cease subcode is given; the
   *  communication (RFC 8203/9003) goes with subcodes 2 and 4, cut to 255 octets. */
  | { readonly type: 'ManualStop'; readonly subcode?: number; readonly communication?: string }
  | { readonly type: 'AutomaticStart' } // 3
  | { readonly type: 'ManualStart_with_PassiveTcpEstablishment' } // 4
  | { readonly type: 'AutomaticStart_with_PassiveTcpEstablishment' } // 5
  | { readonly type: 'AutomaticStart_with_DampPeerOscillations' } // 6
  | { readonly type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' } // 7
  /** 8. e.g. the maximum-prefix limit: Cease with this subcode (RFC 4486), data optional. */
  | { readonly type: 'AutomaticStop'; readonly subcode: number; readonly data?: Uint8Array }
  // §8.1.3 timer events
  | { readonly type: 'ConnectRetryTimer_Expires' } // 9
  | { readonly type: 'HoldTimer_Expires' } // 10
  | { readonly type: 'KeepaliveTimer_Expires' } // 11
  | { readonly type: 'IdleHoldTimer_Expires' } // 13
  // §8.1.4 TCP connection-based events
  | { readonly type: 'TcpConnection_Valid' } // 14
  | { readonly type: 'Tcp_CR_Invalid' } // 15
  | { readonly type: 'Tcp_CR_Acked' } // 16: our outgoing connection is up
  | { readonly type: 'TcpConnectionConfirmed' } // 17: the peer's incoming connection is up
  | { readonly type: 'TcpConnectionFails' } // 18
  // §8.1.5 BGP message-based events
  | { readonly type: 'BGPOpen'; readonly open: OpenMessage } // 19
  | { readonly type: 'BGPHeaderErr'; readonly error: BgpError } // 21
  | { readonly type: 'BGPOpenMsgErr'; readonly error: BgpError } // 22
  | { readonly type: 'OpenCollisionDump' } // 23
  | { readonly type: 'NotifMsgVerErr'; readonly notification: NotificationMessage } // 24
  | { readonly type: 'NotifMsg'; readonly notification: NotificationMessage } // 25
  | { readonly type: 'KeepAliveMsg' } // 26
  | { readonly type: 'UpdateMsg'; readonly update: UpdateMessage } // 27
  | { readonly type: 'UpdateMsgErr'; readonly error: BgpError } // 28
  // RFC 2918 / RFC 7313: not in RFC 4271's list, handled like an UPDATE
  | { readonly type: 'RouteRefreshMsg'; readonly message: RouteRefreshMessage }
  /** A ROUTE-REFRESH that failed to decode (RFC 7313 §5: code 7), handled like UpdateMsgErr. */
  | { readonly type: 'RouteRefreshMsgErr'; readonly error: BgpError };

export type FsmEventType = FsmEvent['type'];

/** Every event type, for tables and generators. */
export const FsmEventTypes: readonly FsmEventType[] = [
  'ManualStart', 'ManualStop', 'AutomaticStart', 'ManualStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_PassiveTcpEstablishment', 'AutomaticStart_with_DampPeerOscillations',
  'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment', 'AutomaticStop',
  'ConnectRetryTimer_Expires', 'HoldTimer_Expires', 'KeepaliveTimer_Expires', 'IdleHoldTimer_Expires',
  'TcpConnection_Valid', 'Tcp_CR_Invalid', 'Tcp_CR_Acked', 'TcpConnectionConfirmed', 'TcpConnectionFails',
  'BGPOpen', 'BGPHeaderErr', 'BGPOpenMsgErr', 'OpenCollisionDump', 'NotifMsgVerErr', 'NotifMsg',
  'KeepAliveMsg', 'UpdateMsg', 'UpdateMsgErr', 'RouteRefreshMsg', 'RouteRefreshMsgErr',
];

/** Why a session left Established, or why the last connection ended. */
export type DownReason =
  | { readonly kind: 'manual-stop' }
  | { readonly kind: 'automatic-stop'; readonly subcode: number }
  /** We sent a NOTIFICATION (hold timer, FSM error, bad UPDATE, bad OPEN, ...). */
  | { readonly kind: 'notification-sent'; readonly code: number; readonly subcode: number }
  | { readonly kind: 'notification-received'; readonly code: number; readonly subcode: number }
  | { readonly kind: 'tcp-failed' }
  /** An event the state has no use for, where no BGP connection exists to report it on. */
  | { readonly kind: 'unexpected-event'; readonly event: FsmEventType }
  | { readonly kind: 'collision' };

export type FsmAction =
  /** Initiate a TCP connection to the peer. */
  | { readonly type: 'Connect' }
  /** Accept a connection from the peer (the transport refuses them while the FSM is Idle). */
  | { readonly type: 'Listen' }
  /** Send our OPEN, built by the session from its configuration. */
  | { readonly type: 'SendOpen' }
  | { readonly type: 'SendKeepalive' }
  | { readonly type: 'SendNotification'; readonly code: number; readonly subcode: number; readonly data: Uint8Array }
  /** Close the TCP connection (after flushing what was queued, e.g. the NOTIFICATION). */
  | { readonly type: 'DropConnection' }
  /** Arm `timer` to expire `durationMs` from now, replacing any earlier arming. */
  | { readonly type: 'StartTimer'; readonly timer: TimerName; readonly durationMs: number }
  | { readonly type: 'StopTimer'; readonly timer: TimerName }
  | {
      readonly type: 'SessionEstablished';
      readonly peer: OpenMessage;
      readonly holdTimeS: number;
      readonly keepaliveS: number;
    }
  /** Leaving Established: delete the routes of this connection (or keep them stale under GR). */
  | { readonly type: 'SessionDown'; readonly reason: DownReason }
  | { readonly type: 'ProcessUpdate'; readonly update: UpdateMessage }
  | { readonly type: 'ProcessRouteRefresh'; readonly message: RouteRefreshMessage };

export type FsmActionType = FsmAction['type'];

export interface FsmConfig {
  /** Our Hold Time, seconds: 0 (no keepalives, no hold timer) or 3..65535 (RFC 4271 §4.2). */
  readonly holdTimeS: number;
  /** Configured keepalive, seconds ≥ 1; default a third of the negotiated hold time. */
  readonly keepaliveS?: number;
  /** ConnectRetryTime, seconds ≥ 1 (RFC 4271 §10 suggests 120). */
  readonly connectRetryS: number;
  /** The "large value" of the HoldTimer in OpenSent, seconds (RFC 4271 §8.2.2 suggests 4 minutes). */
  readonly openHoldTimeS: number;
  /** The OPEN checks of RFC 4271 §6.2 (codec/open-checks.ts checkOpen bound to the peer's expectations). */
  readonly checkOpen: (open: OpenMessage) => BgpError | null;
  /** Uniform in [0, 1): the jitter of RFC 4271 §10. */
  readonly random: RandomSource;
  readonly backoff: BackoffPolicy;
  /** Restart by itself after an involuntary drop, once the idle hold has passed (AllowAutomaticStart). */
  readonly automaticRestart: boolean;
}

export interface Negotiated {
  /** min(ours, theirs), seconds; 0 = no hold timer, no keepalives. */
  readonly holdTimeS: number;
  /** Seconds; 0 when holdTimeS is 0. */
  readonly keepaliveS: number;
}

export interface LastError {
  readonly code: number;
  readonly subcode: number;
  readonly direction: 'sent' | 'received';
  readonly at: number;
}

/** The whole state of one connection's FSM: plain data, replaced (never mutated) by step(). */
export interface SessionState {
  readonly name: FsmStateName;
  readonly config: FsmConfig;
  /** RFC 4271 §8: attempts since the last start event. */
  readonly connectRetryCounter: number;
  /** Started and not manually stopped: restarts itself after a failure, once the idle hold is over. */
  readonly adminUp: boolean;
  /** The last start was a PassiveTcpEstablishment one: restarts listen only. */
  readonly passive: boolean;
  /** Idle, with the IdleHoldTimer running. */
  readonly idleHold: boolean;
  readonly backoff: BackoffState;
  /** The peer's OPEN, from OpenConfirm on. */
  readonly peerOpen: OpenMessage | null;
  readonly negotiated: Negotiated | null;
  /** When Established was reached (clock ms), while Established. */
  readonly establishedAt: number | null;
  readonly lastError: LastError | null;
  readonly lastDown: DownReason | null;
}

export interface StepResult {
  readonly state: SessionState;
  readonly actions: FsmAction[];
}
