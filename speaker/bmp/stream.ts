// What one connection to a BMP station carries, after the Initiation (RFC 7854 §3.3): a Peer Up
// for each session Established when it starts, then each session's Adj-RIB-Out as Route
// Monitoring ending with End-of-RIB per family (the initial dump); after that the wire tap's
// events as they come — Peer Up, Route Monitoring for every UPDATE sent, Peer Down. A connection
// that is lost or falls behind is not patched up: the next one starts over from a fresh snapshot,
// which is how a BMP station resynchronises. Pure: the client (client.ts) does the I/O.

import type { EstablishedSession, SessionEvent, SessionUpEvent } from '../tap/wire-events.ts';
import { peerDownMessage, peerUpMessage, routeMonitoringMessage } from './from-wire.ts';

export interface StreamSnapshot {
  /** Events up to this seq are in the sessions already. */
  readonly seq: number;
  readonly sessions: readonly EstablishedSession[];
}

export class BmpStream {
  readonly #peers = new Map<number, SessionUpEvent>();
  readonly #from: number;
  readonly #dump: Iterator<Uint8Array>;
  #dumped = false;

  /** Takes the sessions' routes now (their UPDATEs are encoded as the dump is read). */
  constructor(snapshot: StreamSnapshot) {
    this.#from = snapshot.seq;
    const tables = snapshot.sessions.map((s) => ({ up: s.up, table: s.table() }));
    for (const { up } of tables) this.#peers.set(up.session, up);
    this.#dump = dump(tables);
  }

  /** Peers reported up on this connection and not down since. */
  get peers(): number {
    return this.#peers.size;
  }

  /** The next message of the initial dump, or null once it is done. */
  nextDumped(): Uint8Array | null {
    if (this.#dumped) return null;
    const r = this.#dump.next();
    if (r.done) this.#dumped = true;
    return r.done ? null : r.value;
  }

  get dumped(): boolean {
    return this.#dumped;
  }

  /** The message for a live event; null when the snapshot already had it or it concerns no peer reported here. */
  live(e: SessionEvent): Uint8Array | null {
    if (e.seq <= this.#from) return null;
    if (e.kind === 'up') {
      this.#peers.set(e.session, e);
      return peerUpMessage(e);
    }
    const up = this.#peers.get(e.session);
    if (!up) return null;
    if (e.kind === 'update') return routeMonitoringMessage(up, e.update, e.at);
    this.#peers.delete(e.session);
    return peerDownMessage(up, e);
  }
}

type Table = ReturnType<EstablishedSession['table']>;

function* dump(tables: readonly { up: SessionUpEvent; table: Table }[]): Generator<Uint8Array> {
  for (const { up } of tables) yield peerUpMessage(up);
  for (const { up, table } of tables) {
    // RFC 8671 §4: the timestamp is when the routes were advertised; not known here, so 0.
    for (const u of table) yield routeMonitoringMessage(up, u, null);
  }
}
