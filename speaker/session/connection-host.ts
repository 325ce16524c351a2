// What a connection (connection.ts) asks of its session (session.ts): the parts of the work that
// concern the peer as a whole rather than one TCP connection.

import type net from 'node:net';
import type { OpenMessage, RouteRefreshMessage } from '../codec/types.ts';
import type { SessionFacts, UpdateVerdict } from '../codec/validate-update.ts';
import type { Connection } from './connection.ts';
import type { DownReason } from './fsm-types.ts';
import type { MessageKind } from './session-status.ts';

/** What a connection needs from its session. */
export interface ConnectionHost {
  /** Our OPEN, built when it is sent. */
  localOpen(): OpenMessage;
  /** For validateUpdate, once the peer's OPEN is known. */
  updateFacts(peer: OpenMessage): SessionFacts;
  /** Starts an outgoing TCP connection (the Connect action). */
  connect(): net.Socket;
  /** The Listen action. */
  listen(): void;
  /** Before BGPOpen is fed to the FSM: false when collision resolution dumped this connection. */
  openArrived(conn: Connection, open: OpenMessage): boolean;
  established(conn: Connection): void;
  down(conn: Connection, reason: DownReason): void;
  update(conn: Connection, verdict: UpdateVerdict): void;
  routeRefresh(conn: Connection, message: RouteRefreshMessage): void;
  /** The FSM reached Idle (any reason). */
  idle(conn: Connection): void;
  /** One message sent or received, of `octets` octets. */
  counted(direction: 'sent' | 'received', kind: MessageKind, octets: number): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

