// A BGP session with one peer: the FSM(s) of its connection(s) (connection.ts) driven on the
// real clock, the transport (speaker/transport), and the routes — the Adj-RIB-Out sent on the
// established connection (session-routes.ts), the Adj-RIB-In kept for display.
//
// Connections: the main FSM starts active (connect and accept) or passive (accept only). An
// accepted connection while the main FSM is still connecting takes its place (the outgoing
// attempt is dropped); one arriving after the main connection is up gets a second FSM, and the
// collision of RFC 4271 §6.8 is resolved when an OPEN arrives (collision.ts): the loser gets
// Cease / Connection Collision Resolution and the survivor carries the session.
//
// Stopping: stop() sends Cease / Administrative Shutdown (Hard Reset, RFC 8538 §3, when both
// sides set the N-bit, so the peer drops our routes); drain() first re-advertises every route with
// GRACEFUL_SHUTDOWN (RFC 8326); stopForRestart() leaves routes with the peer: it closes the TCP
// connection without a NOTIFICATION (or with Cease / Administrative Reset under the N-bit), so a
// graceful-restart helper keeps them stale until we are back and send End-of-RIB.
//
// With a SessionWire (speaker/tap/) the session reports each Established period to the wire tap:
// up with both OPENs and the TCP endpoints, every UPDATE written, down with the cause.

import type net from 'node:net';
import { networkInterfaces } from 'node:os';
import type { FamilyKey } from '../codec/context.ts';
import { familyKey } from '../codec/context.ts';
import { CeaseSubcode } from '../codec/errors.ts';
import { checkOpen } from '../codec/open-checks.ts';
import type { OpenMessage, RouteRefreshMessage } from '../codec/types.ts';
import type { SessionFacts, UpdateVerdict } from '../codec/validate-update.ts';
import type { DesiredRoute } from '../../events/desired-state.ts';
import type { Logger } from '../../events/log.ts';
import { AdjRibIn } from '../rib/adj-rib-in.ts';
import type { RejectedRoute } from '../rib/route-check.ts';
import { RouteChecker } from '../rib/route-check.ts';
import type { AdjRibOut } from '../rib/adj-rib-out.ts';
import { connectTcp, type ConnectOptions } from '../transport/connect.ts';
import type { BgpListener } from '../transport/listener.ts';
import { interfaceIPv6, type Interfaces } from '../transport/interface-address.ts';
import { ttlSettings } from '../transport/socket-policy.ts';
import type { Clock } from './clock.ts';
import { monotonicClock } from './clock.ts';
import { resolveCollision } from './collision.ts';
import type { ConnectionHost } from './connection.ts';
import { Connection } from './connection.ts';
import { createSession } from './fsm.ts';
import type { DownReason, FsmConfig, FsmEvent } from './fsm-types.ts';
import { configuredInternal } from './session-config.ts';
import type { PeerSessionConfig } from './session-config.ts';
import type { RouteSender } from './session-routes.ts';
import { openFor, senderFor } from './session-routes.ts';
import { sessionStatus } from './session-report.ts';
import type { MessageKind, SessionStatus } from './session-status.ts';
import { zeroCounts } from './session-status.ts';
import type { RandomSource } from './timers.ts';
import type { SentUpdate, SessionWire } from '../tap/session-wire.ts';
import type { DownCause } from '../tap/wire-events.ts';
import { plainAddress } from '../rib/next-hop.ts';
import type { StopCause } from './down-cause.ts';
import { downCause, endingNotification, stopCauseOf } from './down-cause.ts';

export interface SessionOptions {
  readonly listener?: BgpListener | null;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly log: Logger;
  /** Report to a wire tap (null or absent: nothing is reported, nothing is built for it). */
  readonly wire?: SessionWire | null;
  /** The Connect action (default: a TCP connection, transport/connect.ts); tests pass one without a network. */
  readonly connect?: (opts: ConnectOptions) => net.Socket;
  /** The host's interfaces, for an IPv6 next hop on an IPv4 session (default os.networkInterfaces). */
  readonly interfaces?: () => Interfaces;
}

export class Session {
  readonly config: PeerSessionConfig;
  readonly log: Logger;
  readonly #listener: BgpListener | null;
  readonly #clock: Clock;
  readonly #fsmConfig: Partial<FsmConfig>;
  readonly #host: ConnectionHost;
  readonly #connect: (opts: ConnectOptions) => net.Socket;
  readonly #interfaces: () => Interfaces;
  #main: Connection;
  #secondary: Connection | null = null;
  /** Per family, the desired routes as checked (the checker holds them, by prefix). */
  readonly #checkers = new Map<FamilyKey, RouteChecker>();
  #sender: RouteSender | null = null;
  readonly #ribIn: AdjRibIn;
  #gracefulShutdown = false;
  #restarting: boolean;
  #started = false;
  #stopped = false;
  readonly #wire: SessionWire | null;
  /** The connection reported up to the wire tap, and why we are stopping it if we are. */
  #tapped: Connection | null = null;
  #stopCause: StopCause | null = null;
  readonly counts = { sent: zeroCounts(), received: zeroCounts() };
  readonly octets = { sent: 0, received: 0 };
  establishedWall: Date | null = null;
  establishedCount = 0;

  constructor(config: PeerSessionConfig, options: SessionOptions) {
    this.config = config;
    this.log = options.log;
    this.#listener = options.listener ?? null;
    this.#wire = options.wire ?? null;
    this.#clock = options.clock ?? monotonicClock;
    this.#connect = options.connect ?? connectTcp;
    this.#interfaces = options.interfaces ?? networkInterfaces;
    this.#restarting = config.restarting === true;
    this.#ribIn = new AdjRibIn(config.maxPrefixes ?? null);
    this.#fsmConfig = {
      holdTimeS: config.holdTimeS,
      keepaliveS: config.keepaliveS > 0 ? config.keepaliveS : undefined,
      connectRetryS: config.connectRetryS,
      openHoldTimeS: config.openHoldTimeS,
      backoff: config.backoff,
      random: options.random,
      automaticRestart: true,
      checkOpen: (open) =>
        checkOpen(open, { peerAsn: config.peerAsn, localBgpId: config.routerId, isIbgp: open.asn === config.localAsn }),
    };
    this.#host = this.#makeHost();
    this.#main = this.#newConnection();
  }

  /** Starts connecting (and accepting, when a listener was given). */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    if (this.#listener) {
      this.#listener.setPeer(this.config.peerAddress, {
        md5Key: this.config.md5Key ?? null,
        ttl: this.#ttl(),
        onConnection: (s) => this.#incoming(s),
      });
    }
    this.#main.dispatch(this.#startEvent());
  }

  /** Replaces the routes of a family (AFI/SAFI key, e.g. "1/1"); changes go out at once. */
  setRoutes(family: FamilyKey, routes: readonly DesiredRoute[]): void {
    const { valid, rejected } = this.#checker(family).check(routes);
    this.#reportRejected(family, rejected);
    this.#sender?.set(family, valid);
  }

  /**
   * Changes some of a family's routes: `withdrawn` prefixes (unknown ones ignored), then `upserts`
   * (new or changed). Only these routes are checked, and only what changed goes out, at once when
   * established. Returns the routes left out as bad (also logged).
   */
  updateRoutes(family: FamilyKey, upserts: readonly DesiredRoute[], withdrawn: readonly string[]): readonly RejectedRoute[] {
    const changes = this.#checker(family).update(upserts, withdrawn);
    this.#reportRejected(family, changes.rejected);
    if (changes.upserts.length > 0 || changes.withdrawn.length > 0) this.#sender?.update(family, changes.upserts, changes.withdrawn);
    return changes.rejected;
  }

  /** The family's desired routes that passed the check (a copy: O(routes)). */
  routes(family: FamilyKey): readonly DesiredRoute[] {
    return this.#checkers.get(family)?.valid() ?? [];
  }

  #checker(family: FamilyKey): RouteChecker {
    let checker = this.#checkers.get(family);
    if (!checker) this.#checkers.set(family, (checker = new RouteChecker(family)));
    return checker;
  }

  #reportRejected(family: FamilyKey, rejected: readonly RejectedRoute[]): void {
    if (rejected.length > 0) this.log.warn({ family, rejected: rejected.slice(0, 20), count: rejected.length }, 'routes left out');
  }

  get adjRibIn(): AdjRibIn {
    return this.#ribIn;
  }

  get adjRibOut(): AdjRibOut | null {
    return this.#sender?.rib ?? null;
  }

  get gracefulShutdown(): boolean {
    return this.#gracefulShutdown;
  }

  /** RFC 8326: re-advertise every route with (or without) GRACEFUL_SHUTDOWN. */
  setGracefulShutdown(on: boolean): void {
    this.#gracefulShutdown = on;
    this.#sender?.gracefulShutdown(on);
  }

  /**
   * Cease with `subcode` (Administrative Shutdown unless told; Hard Reset whenever both sides set
   * the N-bit, RFC 8538 §3, so that the peer does not keep our routes); resolves when closed.
   */
  async stop(communication?: string, subcode: number = CeaseSubcode.AdministrativeShutdown): Promise<void> {
    this.#stopCause = stopCauseOf(subcode);
    const hard = this.#notificationBit();
    await this.#end({ type: 'ManualStop', subcode: hard ? CeaseSubcode.HardReset : subcode, communication });
  }

  /** Leaves our routes with the peer for graceful restart (see the header). */
  async stopForRestart(): Promise<void> {
    this.#stopCause = 'restarting';
    if (this.#notificationBit()) {
      await this.#end({ type: 'ManualStop', subcode: CeaseSubcode.AdministrativeReset, communication: 'restarting' });
      return;
    }
    this.#stopped = true;
    this.#tapDown(null, { by: 'local', reason: 'restarting' });
    this.#listener?.removePeer(this.config.peerAddress);
    for (const c of this.#connections()) c.dispose();
  }

  status(): SessionStatus {
    return sessionStatus(this, this.#carrier(), this.#clock.now());
  }

  #connections(): Connection[] {
    return this.#secondary ? [this.#main, this.#secondary] : [this.#main];
  }

  /** The connection in Established, else the main one. */
  #carrier(): Connection {
    return this.#connections().find((c) => c.state.name === 'Established') ?? this.#main;
  }

  async #end(event: FsmEvent): Promise<void> {
    this.#stopped = true;
    this.#listener?.removePeer(this.config.peerAddress);
    const conns = this.#connections();
    for (const c of conns) c.dispatch(event);
    await Promise.all(conns.map((c) => c.closed(2000)));
    for (const c of conns) c.dispose();
  }

  #notificationBit(): boolean {
    const c = this.#carrier();
    const peerGr = c.negotiated?.gracefulRestart;
    return this.config.gracefulRestart.enabled && c.state.name === 'Established' && peerGr?.notification === true;
  }

  #startEvent(): FsmEvent {
    return { type: this.config.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart' };
  }

  #ttl() {
    return ttlSettings({ internal: configuredInternal(this.config), ebgpMultihop: this.config.ebgpMultihop, gtsm: this.config.gtsm });
  }

  #newConnection(): Connection {
    const backoff = this.#main?.state.backoff;
    return new Connection(createSession(this.#fsmConfig, backoff ? { backoff } : {}), this.#clock, this.#host);
  }

  #incoming(socket: net.Socket): void {
    const main = this.#main;
    const name = main.state.name;
    if (this.#stopped || name === 'Idle') {
      socket.destroy();
      return;
    }
    if ((name === 'Connect' || name === 'Active') && main.socket === null) {
      main.accept(socket);
      return;
    }
    if (this.#secondary) {
      socket.destroy();
      return;
    }
    this.#secondary = this.#newConnection();
    this.#secondary.adopt(socket, this.#startEvent());
  }

  #makeHost(): ConnectionHost {
    return {
      localOpen: () => this.#localOpen(),
      updateFacts: (peer) => this.#updateFacts(peer),
      connect: () =>
        this.#connect({
          peerAddress: this.config.peerAddress,
          peerPort: this.config.peerPort,
          localAddress: this.config.localAddress,
          md5Key: this.config.md5Key ?? null,
          ttl: this.#ttl(),
          warn: (m) => this.log.warn(m),
        }),
      listen: () => {},
      openArrived: (conn, open) => this.#openArrived(conn, open),
      established: (conn) => this.#established(conn),
      down: (conn, reason) => this.#down(conn, reason),
      update: (conn, verdict) => this.#update(conn, verdict),
      routeRefresh: (conn, m) => this.#routeRefresh(conn, m),
      idle: (conn) => this.#idle(conn),
      counted: (direction: 'sent' | 'received', kind: MessageKind, octets: number) => {
        this.counts[direction][kind] += 1;
        this.octets[direction] += octets;
      },
      warn: (m, fields) => this.log.warn(fields ?? {}, m),
    };
  }

  #localOpen(): OpenMessage {
    return openFor(this.config, this.#restarting);
  }

  #updateFacts(peer: OpenMessage): SessionFacts {
    return { isIbgp: peer.asn === this.config.localAsn };
  }

  #openArrived(conn: Connection, open: OpenMessage): boolean {
    const other = conn === this.#main ? this.#secondary : this.#main;
    if (!other || other.socket === null || other.direction === null || conn.direction === null) return true;
    const decision = resolveCollision({
      localId: this.config.routerId,
      remoteId: open.bgpId,
      localAsn: this.config.localAsn,
      remoteAsn: open.asn,
      existing: { direction: other.direction, state: other.state.name },
      arriving: conn.direction,
    });
    if (decision.kind === 'no-collision') return true;
    this.log.info({ close: decision.close }, 'connection collision (RFC 4271 §6.8)');
    if (decision.close === 'arriving') {
      conn.dispatch({ type: 'OpenCollisionDump' });
      return false;
    }
    other.dispatch({ type: 'OpenCollisionDump' });
    return true;
  }

  #established(conn: Connection): void {
    if (conn !== this.#main) {
      this.#secondary = this.#main;
      this.#main = conn;
    }
    const ctx = conn.negotiated;
    const peer = conn.state.peerOpen;
    const socket = conn.socket;
    if (!ctx || !peer || !socket) return;
    this.#restarting = false;
    this.establishedWall = new Date();
    this.establishedCount += 1;
    this.#ribIn.clear();
    const local = plainAddress(socket.localAddress ?? this.config.localAddress ?? '0.0.0.0');
    const v6 = local.includes(':') ? null : interfaceIPv6(local, this.#interfaces());
    const sender = senderFor(conn, this.config, ctx, peer, local, this.#wire, v6);
    this.#sender = sender;
    this.#tapUp(conn, socket, () => sender.table());
    const desired = new Map<FamilyKey, readonly DesiredRoute[]>();
    for (const [family, checker] of this.#checkers) desired.set(family, checker.valid());
    this.#sender.initial(desired, this.#gracefulShutdown);
    this.log.info(
      { holdTime: ctx.holdTime, families: ctx.families.map((f) => familyKey(f.afi, f.safi)), peerAs: peer.asn },
      'session established',
    );
    for (const f of this.#sender.rib.families()) {
      const why = this.#sender.rib.unsent(f);
      if (why) this.log.warn({ family: f }, `routes not sent: ${why}`);
    }
  }

  #down(conn: Connection, reason: DownReason): void {
    this.#tapDown(conn, downCause(reason, this.#stopCause));
    if (conn !== this.#carrier() && conn !== this.#main) return;
    this.#sender = null;
    this.#ribIn.clear();
    this.establishedWall = null;
    this.log.info({ reason }, 'session down');
  }

  #tapUp(conn: Connection, socket: net.Socket, table: () => Iterable<SentUpdate>): void {
    const wire = this.#wire;
    const sentOpen = conn.sentOpen;
    const peerOpen = conn.state.peerOpen;
    const sentBytes = conn.sentOpenBytes;
    const receivedBytes = conn.receivedOpenBytes;
    const negotiated = conn.negotiated;
    if (!wire || !sentOpen || !peerOpen || !sentBytes || !receivedBytes || !negotiated) return;
    this.#tapped = conn;
    wire.up(
      {
        local: { address: plainAddress(socket.localAddress ?? this.config.localAddress ?? ''), port: socket.localPort ?? 0 },
        remote: { address: plainAddress(socket.remoteAddress ?? this.config.peerAddress), port: socket.remotePort ?? this.config.peerPort },
        sentOpen: { bytes: sentBytes, message: sentOpen },
        receivedOpen: { bytes: receivedBytes, message: peerOpen },
        negotiated,
      },
      table,
    );
  }

  /** The tapped connection left Established (`conn` null: whichever it was). */
  #tapDown(conn: Connection | null, cause: DownCause): void {
    const tapped = this.#tapped;
    if (!this.#wire || tapped === null || (conn !== null && conn !== tapped)) return;
    this.#tapped = null;
    this.#wire.down(cause, endingNotification(cause, tapped.notification));
  }

  #update(conn: Connection, verdict: UpdateVerdict): void {
    if (verdict.problems.length > 0) {
      const problems = verdict.problems.map((p) => ({ code: p.code, subcode: p.subcode, action: p.action, reason: p.reason }));
      this.log.warn({ action: verdict.action, problems }, 'UPDATE error handled (RFC 7606)');
    }
    const over = this.#ribIn.apply(verdict);
    if (over) {
      this.log.warn({ limit: over.limit, afi: over.afi, safi: over.safi }, 'maximum prefixes reached (RFC 4486)');
      conn.dispatch({ type: 'AutomaticStop', subcode: CeaseSubcode.MaximumPrefixesReached, data: over.data });
    }
  }

  #routeRefresh(conn: Connection, m: RouteRefreshMessage): void {
    if (m.subtype !== 0) return; // BoRR / EoRR from the peer are about its routes (RFC 7313 §4)
    const family = familyKey(m.afi, m.safi);
    const done = conn === this.#carrier() && this.#sender?.refresh(family) === true;
    this.log.info({ family, resent: done }, 'route refresh requested');
  }

  #idle(conn: Connection): void {
    if (conn === this.#secondary) {
      conn.dispose();
      this.#secondary = null;
      return;
    }
    if (conn === this.#main && this.#secondary && !this.#stopped) {
      conn.dispose();
      this.#main = this.#secondary;
      this.#secondary = null;
    }
  }
}
