// One TCP connection's FSM at work (RFC 4271 §8.2.1: one FSM per connection): a SessionMachine
// on a real clock, its socket, a framer, and the execution of the FSM's actions. What concerns
// the session as a whole (routes, collision, which connection carries the session) is asked of
// the host, the Session.
//
// Events are queued and handled one at a time, so an action whose handling raises another event
// (a maximum-prefix stop while processing an UPDATE) never re-enters the FSM mid-step.

import type net from 'node:net';
import type { CodecContext } from '../codec/context.ts';
import { defaultContext } from '../codec/context.ts';
import { BgpError, CeaseSubcode } from '../codec/errors.ts';
import { Framer } from '../codec/framer.ts';
import { encodeKeepalive } from '../codec/keepalive.ts';
import type { Negotiated } from '../codec/negotiate.ts';
import { negotiate } from '../codec/negotiate.ts';
import { encodeNotification } from '../codec/notification.ts';
import { encodeOpen } from '../codec/open.ts';
import type { NotificationMessage, OpenMessage, RouteRefreshMessage } from '../codec/types.ts';
import type { SessionFacts, UpdateVerdict } from '../codec/validate-update.ts';
import type { Clock } from './clock.ts';
import type { Direction } from './collision.ts';
import { decodeErrorEvent } from './events.ts';
import type { DownReason, FsmAction, FsmEvent } from './fsm-types.ts';
import { SessionMachine } from './machine.ts';
import type { SessionState } from './fsm-types.ts';
import { receiveFrame } from './receive.ts';
import type { ConnectionHost } from './connection-host.ts';
import type { MessageKind } from './session-status.ts';

export type { ConnectionHost } from './connection-host.ts';

/** How long a dropped connection may take to flush (e.g. a NOTIFICATION) before it is destroyed. */
const FlushMs = 1000;

/** A NOTIFICATION of this connection, as it went on the wire. */
export interface WireNotification {
  readonly direction: 'sent' | 'received';
  readonly bytes: Uint8Array;
  readonly message: NotificationMessage;
}

export class Connection {
  readonly machine: SessionMachine;
  readonly #host: ConnectionHost;
  readonly #clock: Clock;
  #direction: Direction | null = null;
  #socket: net.Socket | null = null;
  #connecting: net.Socket | null = null;
  #framer = new Framer();
  #negotiated: Negotiated | null = null;
  #sentOpen: OpenMessage | null = null;
  // The octets of both OPENs and of the last NOTIFICATION, for the wire tap (speaker/tap/).
  #sentOpenBytes: Uint8Array | null = null;
  #receivedOpenBytes: Uint8Array | null = null;
  #notification: WireNotification | null = null;
  #pendingVerdict: UpdateVerdict | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #queue: (() => FsmAction[])[] = [];
  #running = false;
  /** While adopting an accepted socket: the start event's Connect/Listen are not ours to do. */
  #adopting = false;
  #disposed = false;

  constructor(initial: SessionState, clock: Clock, host: ConnectionHost) {
    this.machine = new SessionMachine(initial, clock);
    this.#clock = clock;
    this.#host = host;
  }

  get direction(): Direction | null {
    return this.#direction;
  }
  get socket(): net.Socket | null {
    return this.#socket;
  }
  get negotiated(): Negotiated | null {
    return this.#negotiated;
  }
  get sentOpen(): OpenMessage | null {
    return this.#sentOpen;
  }
  /** Our OPEN as sent on the current connection. */
  get sentOpenBytes(): Uint8Array | null {
    return this.#sentOpenBytes;
  }
  /** The peer's OPEN as received on the current connection. */
  get receivedOpenBytes(): Uint8Array | null {
    return this.#receivedOpenBytes;
  }
  /** The last NOTIFICATION sent or received on the current connection. */
  get notification(): WireNotification | null {
    return this.#notification;
  }
  get state(): SessionState {
    return this.machine.state;
  }
  get context(): CodecContext {
    return this.#negotiated ?? defaultContext;
  }
  /** An outgoing attempt is in progress. */
  get connecting(): boolean {
    return this.#connecting !== null;
  }

  dispatch(event: FsmEvent): void {
    this.#enqueue(() => this.machine.dispatch(event));
  }

  /** Takes over an accepted connection: started like the session's main FSM, then connected. */
  adopt(socket: net.Socket, start: FsmEvent): void {
    this.#adopting = true;
    try {
      this.#enqueue(() => this.machine.dispatch(start));
    } finally {
      this.#adopting = false;
    }
    this.accept(socket);
  }

  /** An accepted connection for this FSM (in Connect or Active): the outgoing attempt is dropped. */
  accept(socket: net.Socket): void {
    this.#abortConnect();
    this.#attach(socket, 'incoming');
    this.dispatch({ type: 'TcpConnectionConfirmed' });
  }

  /** Sends an encoded message if connected; counts it. False when there is no connection to send on. */
  send(bytes: Uint8Array, kind: MessageKind): boolean {
    if (!this.#socket || this.#socket.destroyed) return false;
    this.#socket.write(bytes);
    this.#host.counted('sent', kind, bytes.length);
    return true;
  }

  /** Stops everything without telling the peer (process exit, or a loser no longer needed). */
  dispose(): void {
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abortConnect();
    if (this.#socket) {
      const s = this.#socket;
      this.#detach();
      s.destroy();
    }
  }

  /** Resolves when the socket is closed (or at once without one), at most after `ms`. */
  closed(ms: number): Promise<void> {
    const s = this.#socket ?? this.#lastDropped;
    if (!s || s.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      s.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  #lastDropped: net.Socket | null = null;

  #enqueue(step: () => FsmAction[]): void {
    if (this.#disposed) return;
    this.#queue.push(step);
    if (this.#running) return;
    this.#running = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        const before: string = this.machine.state.name;
        this.#guard(() => this.#execute(next()));
        const after: string = this.machine.state.name;
        if (before !== 'Idle' && after === 'Idle') this.#host.idle(this);
        if (this.#disposed) break;
      }
    } finally {
      this.#running = false;
    }
    this.#schedule();
  }

  /**
   * A bug in what an action does (never malformed input: that arrives as typed BgpErrors) must not
   * take the whole speaker down from a socket or timer callback: it is logged, and the connection
   * is reset with a Cease so that the session starts clean.
   */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#host.warn('internal error, resetting the connection', { err: (e as Error).stack ?? String(e) });
      if (this.machine.state.name !== 'Idle') {
        this.#enqueue(() => this.machine.dispatch({ type: 'AutomaticStop', subcode: CeaseSubcode.OutOfResources }));
      }
    }
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#disposed) return;
    const deadline = this.machine.nextDeadline();
    if (deadline === null) return;
    const delay = Math.max(0, Math.ceil(deadline - this.#clock.now()));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#enqueue(() => this.machine.tick());
    }, delay);
  }

  #execute(actions: FsmAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'Connect':
          if (!this.#adopting) this.#connect();
          break;
        case 'Listen':
          if (!this.#adopting) this.#host.listen();
          break;
        case 'SendOpen': {
          const open = this.#host.localOpen();
          const bytes = encodeOpen(open);
          this.#sentOpen = open;
          this.#sentOpenBytes = bytes;
          this.send(bytes, 'open');
          break;
        }
        case 'SendKeepalive':
          this.send(encodeKeepalive(), 'keepalive');
          break;
        case 'SendNotification': {
          const message: NotificationMessage = { type: 'notification', code: a.code, subcode: a.subcode, data: a.data };
          const bytes = encodeNotification(message, this.context);
          this.#notification = { direction: 'sent', bytes, message };
          this.send(bytes, 'notification');
          break;
        }
        case 'DropConnection':
          this.#drop();
          break;
        case 'StartTimer':
        case 'StopTimer':
          break; // applied by the machine; #schedule() follows
        case 'SessionEstablished':
          this.#host.established(this);
          break;
        case 'SessionDown':
          this.#host.down(this, a.reason);
          break;
        case 'ProcessUpdate': {
          const verdict = this.#pendingVerdict;
          this.#pendingVerdict = null;
          if (verdict) this.#host.update(this, verdict);
          break;
        }
        case 'ProcessRouteRefresh':
          this.#host.routeRefresh(this, a.message);
          break;
      }
    }
  }

  #connect(): void {
    this.#abortConnect();
    let socket: net.Socket;
    try {
      socket = this.#host.connect();
    } catch (e) {
      this.#host.warn('cannot open a connection', { err: (e as Error).message });
      queueMicrotask(() => this.dispatch({ type: 'TcpConnectionFails' }));
      return;
    }
    this.#connecting = socket;
    socket.once('connect', () => {
      if (this.#connecting !== socket) return;
      this.#connecting = null;
      socket.removeAllListeners('error');
      this.#attach(socket, 'outgoing');
      this.dispatch({ type: 'Tcp_CR_Acked' });
    });
    socket.once('error', () => {
      if (this.#connecting !== socket) return;
      this.#connecting = null;
      socket.destroy();
      this.dispatch({ type: 'TcpConnectionFails' });
    });
  }

  #abortConnect(): void {
    const s = this.#connecting;
    this.#connecting = null;
    if (s) {
      s.removeAllListeners();
      s.on('error', () => {});
      s.destroy();
    }
  }

  #attach(socket: net.Socket, direction: Direction): void {
    this.#socket = socket;
    this.#direction = direction;
    this.#framer = new Framer();
    this.#negotiated = null;
    this.#sentOpenBytes = null;
    this.#receivedOpenBytes = null;
    this.#notification = null;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(socket, chunk));
    socket.on('error', () => {}); // 'close' follows and reports it
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#detach();
      this.dispatch({ type: 'TcpConnectionFails' });
    });
  }

  #detach(): void {
    const s = this.#socket;
    this.#socket = null;
    this.#negotiated = null;
    if (s) {
      s.removeAllListeners('data');
      s.removeAllListeners('close');
      this.#lastDropped = s;
    }
  }

  #drop(): void {
    this.#abortConnect();
    const s = this.#socket;
    if (!s) return;
    this.#detach();
    s.end();
    setTimeout(() => s.destroy(), FlushMs).unref();
  }

  #receive(socket: net.Socket, chunk: Buffer): void {
    if (this.#socket !== socket) return;
    try {
      this.#framer.append(chunk);
      for (let frame = this.#framer.next(); frame !== null; frame = this.#framer.next()) {
        this.#frame(frame);
        if (this.#socket !== socket) return; // dropped while handling it
      }
    } catch (e) {
      if (e instanceof BgpError) this.dispatch(decodeErrorEvent(e));
      else this.#guard(() => {
        throw e;
      });
    }
  }

  #frame(frame: Uint8Array): void {
    const peer = this.machine.state.peerOpen;
    const facts = peer ? this.#host.updateFacts(peer) : { isIbgp: false };
    const r = receiveFrame(frame, this.context, facts);
    if (r.message) this.#host.counted('received', r.message.type, frame.length);
    if (r.message?.type === 'notification') this.#notification = { direction: 'received', bytes: frame.slice(), message: r.message };
    if (r.event.type === 'BGPOpen') {
      const open = r.event.open;
      this.#receivedOpenBytes = frame.slice();
      if (!this.#host.openArrived(this, open)) return;
      this.dispatch(r.event);
      if (this.machine.state.name === 'OpenConfirm' && this.#sentOpen) {
        this.#negotiated = negotiate(this.#sentOpen, open);
        this.#framer.setContext(this.#negotiated);
      }
      return;
    }
    if (r.event.type === 'UpdateMsg') this.#pendingVerdict = r.verdict;
    this.dispatch(r.event);
  }
}
