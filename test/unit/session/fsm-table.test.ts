// Every state × every event, as RFC 4271 §8.2.2 lists them (with the speaker's documented
// policies: damping always on, a NOTIFICATION never answered with one, RFC 6608 subcodes).
// Each row: from state, event → next state, the actions in order.
// "Start IdleHold" after a failure is the damped automatic restart (backoff.ts).

import { describe, expect, it } from 'vitest';
import { FsmEventTypes, step } from '../../../speaker/session/fsm.ts';
import type { FsmEventType, FsmStateName, SessionState } from '../../../speaker/session/fsm.ts';
import { idleHolding, inState, sampleEvent, summarize } from './harness.ts';

type Row = readonly [event: FsmEventType, to: FsmStateName, actions: string];

const starts = [
  'ManualStart',
  'AutomaticStart',
  'ManualStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_DampPeerOscillations',
  'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
] as const;
const startsIgnored = (s: FsmStateName): Row[] => starts.map((e) => [e, s, ''] as const);
const secondConnection = ['TcpConnection_Valid', 'Tcp_CR_Invalid', 'Tcp_CR_Acked', 'TcpConnectionConfirmed'] as const;

const idle: Row[] = [
  ['ManualStart', 'Connect', 'Start ConnectRetry, Connect, Listen'],
  ['AutomaticStart', 'Connect', 'Start ConnectRetry, Connect, Listen'],
  ['AutomaticStart_with_DampPeerOscillations', 'Connect', 'Start ConnectRetry, Connect, Listen'],
  ['ManualStart_with_PassiveTcpEstablishment', 'Active', 'Start ConnectRetry, Listen'],
  ['AutomaticStart_with_PassiveTcpEstablishment', 'Active', 'Start ConnectRetry, Listen'],
  ['AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment', 'Active', 'Start ConnectRetry, Listen'],
  ...FsmEventTypes.filter((e) => !(starts as readonly string[]).includes(e)).map((e) => [e, 'Idle', ''] as const),
];

// Idle with the IdleHoldTimer running, after a failure of an active (Connect) start.
const idleHold: Row[] = [
  ['ManualStart', 'Connect', 'Stop IdleHold, Start ConnectRetry, Connect, Listen'],
  ['ManualStart_with_PassiveTcpEstablishment', 'Active', 'Stop IdleHold, Start ConnectRetry, Listen'],
  ['AutomaticStart', 'Idle', ''],
  ['AutomaticStart_with_PassiveTcpEstablishment', 'Idle', ''],
  ['AutomaticStart_with_DampPeerOscillations', 'Idle', ''],
  ['AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment', 'Idle', ''],
  ['IdleHoldTimer_Expires', 'Connect', 'Start ConnectRetry, Connect, Listen'],
  ['ManualStop', 'Idle', 'Stop IdleHold'],
  ...FsmEventTypes.filter((e) => !(starts as readonly string[]).includes(e) && e !== 'IdleHoldTimer_Expires' && e !== 'ManualStop').map(
    (e) => [e, 'Idle', ''] as const,
  ),
];

const giveUp = 'Drop, Stop ConnectRetry, Start IdleHold';
const connecting = (self: 'Connect' | 'Active'): Row[] => [
  ...startsIgnored(self),
  ['ManualStop', 'Idle', 'Drop, Stop ConnectRetry'],
  ['AutomaticStop', 'Idle', giveUp],
  self === 'Connect'
    ? ['ConnectRetryTimer_Expires', 'Connect', 'Drop, Start ConnectRetry, Connect']
    : ['ConnectRetryTimer_Expires', 'Connect', 'Start ConnectRetry, Connect'],
  ['HoldTimer_Expires', 'Idle', giveUp],
  ['KeepaliveTimer_Expires', 'Idle', giveUp],
  ['IdleHoldTimer_Expires', 'Idle', giveUp],
  ['TcpConnection_Valid', self, ''],
  ['Tcp_CR_Invalid', self, ''],
  ['Tcp_CR_Acked', 'OpenSent', 'Stop ConnectRetry, SendOpen, Start Hold'],
  ['TcpConnectionConfirmed', 'OpenSent', 'Stop ConnectRetry, SendOpen, Start Hold'],
  ['TcpConnectionFails', 'Idle', giveUp],
  ['BGPOpen', 'Idle', giveUp],
  ['BGPHeaderErr', 'Idle', giveUp],
  ['BGPOpenMsgErr', 'Idle', giveUp],
  ['OpenCollisionDump', 'Idle', giveUp],
  ['NotifMsgVerErr', 'Idle', giveUp],
  ['NotifMsg', 'Idle', giveUp],
  ['KeepAliveMsg', 'Idle', giveUp],
  ['UpdateMsg', 'Idle', giveUp],
  ['UpdateMsgErr', 'Idle', giveUp],
  ['RouteRefreshMsg', 'Idle', giveUp],
  ['RouteRefreshMsgErr', 'Idle', giveUp],
];

const sentFail = (n: string) => `Notify ${n}, Drop, Stop Hold, Start IdleHold`;
const openSent: Row[] = [
  ...startsIgnored('OpenSent'),
  ['ManualStop', 'Idle', 'Notify 6/2, Drop, Stop Hold'],
  ['AutomaticStop', 'Idle', sentFail('6/1')],
  ['ConnectRetryTimer_Expires', 'Idle', sentFail('5/1')],
  ['HoldTimer_Expires', 'Idle', sentFail('4/0')],
  ['KeepaliveTimer_Expires', 'Idle', sentFail('5/1')],
  ['IdleHoldTimer_Expires', 'Idle', sentFail('5/1')],
  ...secondConnection.map((e) => [e, 'OpenSent', ''] as const),
  ['TcpConnectionFails', 'Active', 'Drop, Stop Hold, Start ConnectRetry'],
  ['BGPOpen', 'OpenConfirm', 'SendKeepalive, Start Keepalive, Start Hold'],
  ['BGPHeaderErr', 'Idle', sentFail('1/2')],
  ['BGPOpenMsgErr', 'Idle', sentFail('2/4')],
  ['OpenCollisionDump', 'Idle', 'Notify 6/7, Drop, Stop Hold'],
  ['NotifMsgVerErr', 'Idle', 'Drop, Stop Hold, Start IdleHold'],
  ['NotifMsg', 'Idle', 'Drop, Stop Hold, Start IdleHold'],
  ['KeepAliveMsg', 'Idle', sentFail('5/1')],
  ['UpdateMsg', 'Idle', sentFail('5/1')],
  ['UpdateMsgErr', 'Idle', sentFail('5/1')],
  ['RouteRefreshMsg', 'Idle', sentFail('5/1')],
  ['RouteRefreshMsgErr', 'Idle', sentFail('5/1')],
];

const stopBoth = 'Stop Hold, Stop Keepalive';
const confirmFail = (n: string) => `Notify ${n}, Drop, ${stopBoth}, Start IdleHold`;
const openConfirm: Row[] = [
  ...startsIgnored('OpenConfirm'),
  ['ManualStop', 'Idle', `Notify 6/2, Drop, ${stopBoth}`],
  ['AutomaticStop', 'Idle', confirmFail('6/1')],
  ['ConnectRetryTimer_Expires', 'Idle', confirmFail('5/2')],
  ['HoldTimer_Expires', 'Idle', confirmFail('4/0')],
  ['KeepaliveTimer_Expires', 'OpenConfirm', 'SendKeepalive, Start Keepalive'],
  ['IdleHoldTimer_Expires', 'Idle', confirmFail('5/2')],
  ...secondConnection.map((e) => [e, 'OpenConfirm', ''] as const),
  ['TcpConnectionFails', 'Idle', `Drop, ${stopBoth}, Start IdleHold`],
  ['BGPOpen', 'Idle', confirmFail('5/2')],
  ['BGPHeaderErr', 'Idle', confirmFail('1/2')],
  ['BGPOpenMsgErr', 'Idle', confirmFail('2/4')],
  ['OpenCollisionDump', 'Idle', `Notify 6/7, Drop, ${stopBoth}`],
  ['NotifMsgVerErr', 'Idle', `Drop, ${stopBoth}, Start IdleHold`],
  ['NotifMsg', 'Idle', `Drop, ${stopBoth}, Start IdleHold`],
  ['KeepAliveMsg', 'Established', 'Start Hold, Established'],
  ['UpdateMsg', 'Idle', confirmFail('5/2')],
  ['UpdateMsgErr', 'Idle', confirmFail('5/2')],
  ['RouteRefreshMsg', 'Idle', confirmFail('5/2')],
  ['RouteRefreshMsgErr', 'Idle', confirmFail('5/2')],
];

const estFail = (n: string) => `Notify ${n}, Drop, ${stopBoth}, Down, Start IdleHold`;
const established: Row[] = [
  ...startsIgnored('Established'),
  ['ManualStop', 'Idle', `Notify 6/2, Drop, ${stopBoth}, Down`],
  ['AutomaticStop', 'Idle', estFail('6/1')],
  ['ConnectRetryTimer_Expires', 'Idle', estFail('5/3')],
  ['HoldTimer_Expires', 'Idle', estFail('4/0')],
  ['KeepaliveTimer_Expires', 'Established', 'SendKeepalive, Start Keepalive'],
  ['IdleHoldTimer_Expires', 'Idle', estFail('5/3')],
  ...secondConnection.map((e) => [e, 'Established', ''] as const),
  ['TcpConnectionFails', 'Idle', `Drop, ${stopBoth}, Down, Start IdleHold`],
  ['BGPOpen', 'Idle', estFail('5/3')],
  ['BGPHeaderErr', 'Idle', estFail('1/2')],
  ['BGPOpenMsgErr', 'Idle', estFail('5/3')],
  ['OpenCollisionDump', 'Idle', `Notify 6/7, Drop, ${stopBoth}, Down`],
  ['NotifMsgVerErr', 'Idle', `Drop, ${stopBoth}, Down, Start IdleHold`],
  ['NotifMsg', 'Idle', `Drop, ${stopBoth}, Down, Start IdleHold`],
  ['KeepAliveMsg', 'Established', 'Start Hold'],
  ['UpdateMsg', 'Established', 'ProcessUpdate, Start Hold'],
  ['UpdateMsgErr', 'Idle', estFail('3/1')],
  ['RouteRefreshMsg', 'Established', 'ProcessRouteRefresh, Start Hold'],
  ['RouteRefreshMsgErr', 'Idle', estFail('7/1')],
];

const tables: [string, () => SessionState, Row[]][] = [
  ['Idle', () => inState('Idle'), idle],
  ['Idle, idle hold running', () => idleHolding(), idleHold],
  ['Connect', () => inState('Connect'), connecting('Connect')],
  ['Active', () => inState('Active'), connecting('Active')],
  ['OpenSent', () => inState('OpenSent'), openSent],
  ['OpenConfirm', () => inState('OpenConfirm'), openConfirm],
  ['Established', () => inState('Established'), established],
];

describe.each(tables)('RFC 4271 §8.2.2 in %s', (_name, from, rows) => {
  it('covers every event exactly once', () => {
    expect(rows.map((r) => r[0]).sort()).toEqual([...FsmEventTypes].sort());
  });

  it.each(rows)('%s → %s [%s]', (event, to, actions) => {
    const r = step(from(), sampleEvent(event), 1000);
    expect(r.state.name).toBe(to);
    expect(summarize(r.actions)).toBe(actions);
  });
});
