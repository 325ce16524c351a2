// The BGP speaker of one instance (one local AS and router ID on a node): a session per peer,
// each fed the routes of its families. The worker of a later issue builds it from the node's
// desired state (events/desired-state.ts) and calls setPeers() with every new revision.
//
//   const speaker = new Speaker({ localASN: 65001, routerID: '10.0.0.1', localPort: 179 });
//   await speaker.start();                 // listens when localPort is set
//   await speaker.setPeers(instance.peers.map((p) => ({ ...p, password })));
//   speaker.status();                      // one SessionStatus per peer
//   await speaker.drain(30_000);           // RFC 8326, then Cease to every peer
//
// setPeers() reconciles: a new peer gets a session, a peer gone is stopped (Cease / Peer
// De-configured), a peer whose session-defining settings changed (address, AS, local address,
// port, timers, password, multihop, graceful restart, families, GTSM, the maximum-prefix limit,
// the next hops; docs/cilium-semantics.md PEER-4, PEER-8 to PEER-10)
// is replaced, and otherwise only its routes change — an incremental UPDATE, no reset.
// A caller that keeps routes up to date itself (the worker applying deltas) passes `routesOf`:
// sessions kept in place then keep their routes, and only new or replaced sessions are given
// theirs; later changes go through updateRoutes(), which costs what it changes.
// With `wire`, every session reports to that wire tap (speaker/tap/): up, UPDATEs sent, down.

import { familyKey } from './codec/context.ts';
import { CeaseSubcode } from './codec/errors.ts';
import type { FamilyKey } from './codec/context.ts';
import type { DesiredFamily, DesiredPeer, DesiredRoute } from '../events/desired-state.ts';
import type { Logger } from '../events/log.ts';
import { createLogger } from '../events/log.ts';
import type { BackoffPolicy } from './session/backoff.ts';
import type { Clock } from './session/clock.ts';
import { Session, type SessionOptions } from './session/session.ts';
import type { PeerSessionConfig } from './session/session-config.ts';
import type { SessionStatus } from './session/session-status.ts';
import { BgpListener } from './transport/listener.ts';
import type { SpeakerWire } from './tap/session-wire.ts';
import { SessionWire } from './tap/session-wire.ts';

/** A peer as desired state gives it, its address resolved, plus what the worker resolves or tunes. */
export interface SpeakerPeer extends Omit<DesiredPeer, 'peerAddress'> {
  /** An auto-discovered peer's address as the worker found it (`fe80::1%eth1` on an unnumbered link). */
  readonly peerAddress: string;
  /** The TCP MD5 password read from config.authSecretRef (never stored in desired state). */
  readonly password?: string | null;
  readonly passive?: boolean;
  /** A link-local address sent after the global IPv6 next hop (RFC 2545 §3). */
  readonly ipv6LinkLocal?: string | null;
}

export interface SpeakerOptions {
  readonly localASN: number;
  readonly routerID: string;
  /** Listen for peers on this port; null: connect out only. */
  readonly localPort: number | null;
  /** Address to listen on; null (default): every address. */
  readonly listenAddress?: string | null;
  /** Our process restarted: the first OPEN of each session carries the GR R-bit. */
  readonly restarting?: boolean;
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly backoff?: BackoffPolicy;
  /** OpenSent hold time, seconds (default 240). */
  readonly openHoldTimeS?: number;
  /** The wire tap the sessions report to, with the labels and revision source of their events. */
  readonly wire?: SpeakerWire;
  /** The Connect action of every session (default: TCP); tests pass one without a network. */
  readonly connect?: SessionOptions['connect'];
}

const afiOf = { ipv4: 1, ipv6: 2 } as const;

export function desiredFamilyKey(f: Pick<DesiredFamily, 'afi'>): FamilyKey {
  return familyKey(afiOf[f.afi], 1);
}

/** The routes a new session starts with, per peer name and family. */
export type RoutesOf = (peer: string, afi: DesiredFamily['afi']) => readonly DesiredRoute[];

interface Entry {
  readonly session: Session;
  readonly fingerprint: string;
}

export class Speaker {
  readonly options: SpeakerOptions;
  readonly log: Logger;
  #listener: BgpListener | null = null;
  readonly #peers = new Map<string, Entry>();
  #restarting: boolean;

  constructor(options: SpeakerOptions) {
    this.options = options;
    this.log = options.log ?? createLogger('speaker');
    this.#restarting = options.restarting === true;
  }

  /** Opens the listening socket when the instance has a localPort. */
  async start(): Promise<void> {
    if (this.options.localPort !== null && this.#listener === null) {
      this.#listener = await BgpListener.open(this.options.listenAddress ?? null, this.options.localPort);
    }
  }

  /** The port we listen on (useful with localPort 0 in tests), or null. */
  get listenPort(): number | null {
    return this.#listener?.port ?? null;
  }

  /**
   * Reconciles the sessions with `peers` (see the header). Without `routesOf` every session takes
   * its families' routes from `peers`; with it, the families' routes are not looked at.
   */
  async setPeers(peers: readonly SpeakerPeer[], routesOf?: RoutesOf): Promise<void> {
    const wanted = new Map(peers.map((p) => [p.name, p]));
    const stops: Promise<void>[] = [];
    for (const [name, entry] of this.#peers) {
      const p = wanted.get(name);
      if (p && fingerprint(p) === entry.fingerprint) continue;
      this.#peers.delete(name);
      stops.push(
        p
          ? entry.session.stop('configuration changed', CeaseSubcode.OtherConfigurationChange)
          : entry.session.stop('peer de-configured', CeaseSubcode.PeerDeconfigured),
      );
    }
    await Promise.all(stops);
    for (const p of peers) {
      let entry = this.#peers.get(p.name);
      if (!entry) {
        entry = { session: new Session(this.#sessionConfig(p), this.#sessionOptions(p)), fingerprint: fingerprint(p) };
        this.#peers.set(p.name, entry);
        this.#setFamilies(entry.session, p, routesOf);
        entry.session.start();
      } else if (!routesOf) {
        this.#setFamilies(entry.session, p);
      }
    }
  }

  /** Replaces one family's routes toward one peer. */
  setRoutes(peer: string, afi: 'ipv4' | 'ipv6', routes: readonly DesiredRoute[]): void {
    this.#peers.get(peer)?.session.setRoutes(familyKey(afiOf[afi], 1), routes);
  }

  /** Changes some routes of one family toward one peer (Session.updateRoutes); unknown peer: no-op. */
  updateRoutes(peer: string, afi: 'ipv4' | 'ipv6', upserts: readonly DesiredRoute[], withdrawn: readonly string[]): void {
    this.#peers.get(peer)?.session.updateRoutes(familyKey(afiOf[afi], 1), upserts, withdrawn);
  }

  session(peer: string): Session | undefined {
    return this.#peers.get(peer)?.session;
  }

  status(): SessionStatus[] {
    return [...this.#peers.values()].map((e) => e.session.status());
  }

  /** RFC 8326: GRACEFUL_SHUTDOWN on every route, `waitMs` for the routers to move away, then Cease. */
  async drain(waitMs: number): Promise<void> {
    for (const e of this.#peers.values()) e.session.setGracefulShutdown(true);
    await new Promise((r) => setTimeout(r, waitMs));
    await this.stop('graceful shutdown');
  }

  /** Cease / Administrative Shutdown to every peer; closes the listener. */
  async stop(communication?: string): Promise<void> {
    const entries = [...this.#peers.values()];
    this.#peers.clear();
    await Promise.all(entries.map((e) => e.session.stop(communication)));
    await this.#listener?.close();
    this.#listener = null;
  }

  /** Leaves every route with the routers (graceful restart, RFC 4724): no Cease, or Admin Reset under the N-bit. */
  async stopForRestart(): Promise<void> {
    const entries = [...this.#peers.values()];
    this.#peers.clear();
    await Promise.all(entries.map((e) => e.session.stopForRestart()));
    await this.#listener?.close();
    this.#listener = null;
  }

  #setFamilies(session: Session, p: SpeakerPeer, routesOf?: RoutesOf): void {
    for (const f of p.families) session.setRoutes(desiredFamilyKey(f), routesOf ? routesOf(p.name, f.afi) : f.routes);
  }

  #sessionOptions(p: SpeakerPeer) {
    const wire = this.options.wire;
    return {
      listener: this.#listener,
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.connect ? { connect: this.options.connect } : {}),
      log: this.log.child({ peer: p.name, peerAddress: p.peerAddress, peerAsn: p.peerASN }),
      ...(wire
        ? { wire: new SessionWire(wire, { name: p.name, peerAddress: p.peerAddress, localAsn: this.options.localASN, routerId: this.options.routerID }) }
        : {}),
    };
  }

  #sessionConfig(p: SpeakerPeer): PeerSessionConfig {
    const c = p.config;
    const restarting = this.#restarting;
    return {
      name: p.name,
      localAsn: this.options.localASN,
      routerId: this.options.routerID,
      peerAddress: p.peerAddress,
      peerPort: c.peerPort,
      peerAsn: p.peerASN,
      localAddress: p.localAddress,
      holdTimeS: c.holdTimeSeconds,
      keepaliveS: c.keepAliveTimeSeconds,
      connectRetryS: c.connectRetryTimeSeconds,
      ebgpMultihop: c.ebgpMultihop,
      gtsm: c.gtsm,
      md5Key: p.password ?? null,
      families: p.families.map((f) => ({ afi: afiOf[f.afi], safi: 1 })),
      gracefulRestart: { enabled: c.gracefulRestart.enabled, restartTimeS: c.gracefulRestart.restartTimeSeconds },
      restarting,
      passive: p.passive ?? false,
      maxPrefixes: c.maxPrefixes,
      nextHop: { ...c.nextHop, ...(p.ipv6LinkLocal ? { ipv6LinkLocal: p.ipv6LinkLocal } : {}) },
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
      ...(this.options.openHoldTimeS ? { openHoldTimeS: this.options.openHoldTimeS } : {}),
    };
  }
}

/** Everything that, when changed, needs a new session (routes excluded). */
function fingerprint(p: SpeakerPeer): string {
  const { families, ...rest } = p;
  return JSON.stringify({ ...rest, families: families.map((f) => `${f.afi}/${f.safi}`) });
}
