// Why a session left Established, as the wire tap reports it: the FSM's reason made precise by why
// the session was stopped, and the NOTIFICATION only when it is the one that ended the session.

import { describe, expect, it } from 'vitest';
import { CeaseSubcode } from '../../../speaker/codec/errors.ts';
import { downCause, endingNotification, stopCauseOf } from '../../../speaker/session/down-cause.ts';
import type { WireNotification } from '../../../speaker/session/connection.ts';
import type { DownReason } from '../../../speaker/session/fsm-types.ts';

describe('downCause', () => {
  it.each([
    [{ kind: 'manual-stop' }, 'de-configured', { by: 'local', reason: 'de-configured' }],
    [{ kind: 'manual-stop' }, 'restarting', { by: 'local', reason: 'restarting' }],
    [{ kind: 'manual-stop' }, null, { by: 'local', reason: 'stopped' }],
    [{ kind: 'automatic-stop', subcode: CeaseSubcode.MaximumPrefixesReached }, null, { by: 'local', reason: 'maximum-prefixes' }],
    [{ kind: 'automatic-stop', subcode: CeaseSubcode.OutOfResources }, null, { by: 'local', reason: 'error' }],
    [{ kind: 'notification-sent', code: 4, subcode: 0 }, null, { by: 'local', reason: 'hold-timer-expired' }],
    [{ kind: 'notification-sent', code: 3, subcode: 1 }, null, { by: 'local', reason: 'error' }],
    [{ kind: 'notification-received', code: 6, subcode: 2 }, null, { by: 'remote', reason: 'notification' }],
    [{ kind: 'tcp-failed' }, null, { by: 'remote', reason: 'connection-closed' }],
    [{ kind: 'collision' }, null, { by: 'local', reason: 'collision' }],
  ] as const)('%j (stopping: %s) → %j', (reason, stop, cause) => {
    expect(downCause(reason as DownReason, stop)).toEqual(cause);
  });

  it('the Cease subcode asked of a stop says why: peer de-configured, configuration changed, else stopped', () => {
    expect(stopCauseOf(CeaseSubcode.PeerDeconfigured)).toBe('de-configured');
    expect(stopCauseOf(CeaseSubcode.OtherConfigurationChange)).toBe('reconfigured');
    expect(stopCauseOf(CeaseSubcode.AdministrativeShutdown)).toBe('stopped');
  });
});

describe('endingNotification', () => {
  const sent: WireNotification = { direction: 'sent', bytes: new Uint8Array(21), message: { type: 'notification', code: 4, subcode: 0, data: new Uint8Array() } };
  const received: WireNotification = { ...sent, direction: 'received' };
  it('the one we sent when we ended it, the one received when the peer did, none when the connection just closed', () => {
    expect(endingNotification({ by: 'local', reason: 'hold-timer-expired' }, sent)).toBe(sent);
    expect(endingNotification({ by: 'remote', reason: 'notification' }, received)).toBe(received);
    expect(endingNotification({ by: 'remote', reason: 'connection-closed' }, received)).toBeNull();
    expect(endingNotification({ by: 'local', reason: 'stopped' }, received)).toBeNull();
    expect(endingNotification({ by: 'local', reason: 'restarting' }, null)).toBeNull();
  });
});
