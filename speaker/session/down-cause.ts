// Why a session left Established, for the wire tap: the FSM's DownReason (fsm-types.ts) made
// precise with what only the session knows (why it was stopped), and the NOTIFICATION that went
// with it, if any.

import { CeaseSubcode, ErrorCode } from '../codec/errors.ts';
import type { DownCause } from '../tap/wire-events.ts';
import type { WireNotification } from './connection.ts';
import type { DownReason } from './fsm-types.ts';

/** Why the session was stopped on purpose (Session.stop / stopForRestart). */
export type StopCause = 'de-configured' | 'reconfigured' | 'stopped' | 'restarting';

/** The stop cause a Cease subcode asked of Session.stop stands for. */
export function stopCauseOf(subcode: number): StopCause {
  if (subcode === CeaseSubcode.PeerDeconfigured) return 'de-configured';
  if (subcode === CeaseSubcode.OtherConfigurationChange) return 'reconfigured';
  return 'stopped';
}

export function downCause(reason: DownReason, stop: StopCause | null): DownCause {
  switch (reason.kind) {
    case 'manual-stop':
      return { by: 'local', reason: stop ?? 'stopped' };
    case 'automatic-stop':
      return { by: 'local', reason: reason.subcode === CeaseSubcode.MaximumPrefixesReached ? 'maximum-prefixes' : 'error' };
    case 'notification-sent':
      return { by: 'local', reason: reason.code === ErrorCode.HoldTimerExpired ? 'hold-timer-expired' : 'error' };
    case 'notification-received':
      return { by: 'remote', reason: 'notification' };
    case 'tcp-failed':
      return { by: 'remote', reason: 'connection-closed' };
    case 'collision':
      return { by: 'local', reason: 'collision' };
    case 'unexpected-event':
      return { by: 'local', reason: 'error' };
  }
}

/** The connection's last NOTIFICATION when it is the one that ended the session this way. */
export function endingNotification(cause: DownCause, last: WireNotification | null): WireNotification | null {
  if (last === null) return null;
  if (cause.by === 'remote') return cause.reason === 'notification' && last.direction === 'received' ? last : null;
  return last.direction === 'sent' ? last : null;
}
