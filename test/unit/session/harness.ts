// Shared helpers for the session tests: sample events, an FSM driven into any state, and a
// one-line summary of actions so that transition tables read like RFC 4271 §8.2.2.

import { BgpError } from '../../../speaker/codec/errors.ts';
import type { NotificationMessage, OpenMessage, UpdateMessage } from '../../../speaker/codec/types.ts';
import { createSession, step } from '../../../speaker/session/fsm.ts';
import type { FsmAction, FsmConfig, FsmEvent, FsmEventType, FsmStateName, SessionState } from '../../../speaker/session/fsm.ts';

export function peerOpen(over: Partial<OpenMessage> = {}): OpenMessage {
  return { type: 'open', version: 4, asn: 65001, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', capabilities: [], ...over };
}

/** One sample of every event type. */
export function sampleEvent(type: FsmEventType): FsmEvent {
  switch (type) {
    case 'ManualStop':
      return { type };
    case 'AutomaticStop':
      return { type, subcode: 1 };
    case 'BGPOpen':
      return { type, open: peerOpen() };
    case 'BGPHeaderErr':
      return { type, error: new BgpError(1, 2, 'bad length', new Uint8Array([0, 5])) };
    case 'BGPOpenMsgErr':
      return { type, error: new BgpError(2, 4, 'unsupported optional parameter') };
    case 'UpdateMsgErr':
      return { type, error: new BgpError(3, 1, 'malformed attribute list') };
    case 'RouteRefreshMsgErr':
      return { type, error: new BgpError(7, 1, 'invalid length') };
    case 'NotifMsgVerErr':
      return { type, notification: { type: 'notification', code: 2, subcode: 1, data: new Uint8Array([0, 3]) } };
    case 'NotifMsg':
      return { type, notification: { type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0) } };
    case 'UpdateMsg':
      return { type, update: emptyUpdate };
    case 'RouteRefreshMsg':
      return { type, message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 } };
    default:
      return { type } as FsmEvent;
  }
}

export const emptyUpdate: UpdateMessage = { type: 'update', withdrawn: [], attributes: {}, nlri: [] };

export function notification(code: number, subcode: number): NotificationMessage {
  return { type: 'notification', code, subcode, data: new Uint8Array(0) };
}

/** Steps through `events`, all at `now`; returns the last state. */
export function run(s: SessionState, events: readonly FsmEvent[], now = 0): SessionState {
  return events.reduce((st, e) => step(st, e, now).state, s);
}

/** Jitter factor 1 (a random source at the top of its range): durations come out exact. */
export const noJitter = () => 0.9999999999;

export function config(over: Partial<FsmConfig> = {}): Partial<FsmConfig> {
  return { random: noJitter, ...over };
}

const pathTo: Record<FsmStateName, FsmEvent[]> = {
  Idle: [],
  Connect: [{ type: 'ManualStart' }],
  Active: [{ type: 'ManualStart_with_PassiveTcpEstablishment' }],
  OpenSent: [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked' }],
  OpenConfirm: [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked' }, { type: 'BGPOpen', open: peerOpen() }],
  Established: [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked' }, { type: 'BGPOpen', open: peerOpen() }, { type: 'KeepAliveMsg' }],
};

/** An FSM brought into `name` the ordinary way, at time 0; `peer` overrides the peer's OPEN. */
export function inState(name: FsmStateName, cfg: Partial<FsmConfig> = config(), peer?: Partial<OpenMessage>): SessionState {
  let s = createSession(cfg);
  for (const e of pathTo[name]) s = step(s, e.type === 'BGPOpen' && peer ? { type: 'BGPOpen', open: peerOpen(peer) } : e, 0).state;
  if (s.name !== name) throw new Error(`harness: reached ${s.name}, not ${name}`);
  return s;
}

/** Idle after a failure: the IdleHoldTimer running, the FSM administratively up. */
export function idleHolding(cfg: Partial<FsmConfig> = config()): SessionState {
  const s = step(inState('Connect', cfg), { type: 'TcpConnectionFails' }, 0).state;
  if (!s.idleHold) throw new Error('harness: no idle hold');
  return s;
}

export function summarize(actions: readonly FsmAction[]): string {
  return actions
    .map((a) => {
      switch (a.type) {
        case 'SendNotification':
          return `Notify ${a.code}/${a.subcode}`;
        case 'StartTimer':
          return `Start ${a.timer}`;
        case 'StopTimer':
          return `Stop ${a.timer}`;
        case 'DropConnection':
          return 'Drop';
        case 'SessionEstablished':
          return 'Established';
        case 'SessionDown':
          return 'Down';
        default:
          return a.type;
      }
    })
    .join(', ');
}

export function durationOf(actions: readonly FsmAction[], timer: string): number | undefined {
  for (const a of actions) if (a.type === 'StartTimer' && a.timer === timer) return a.durationMs;
  return undefined;
}

export function notifications(actions: readonly FsmAction[]): { code: number; subcode: number; data: Uint8Array }[] {
  return actions.flatMap((a) => (a.type === 'SendNotification' ? [{ code: a.code, subcode: a.subcode, data: a.data }] : []));
}
