// A BMP client: one TCP connection to a monitoring station (RFC 7854 §3.2: the monitored router
// connects), fed by the wire tap. It never holds up BGP: events arrive off the BGP path (WireTaps),
// are encoded and queued here, and written as the socket drains. What it cannot deliver it drops
// whole and starts over:
// - the station is unreachable or the connection breaks → reconnect with back-off (the session
//   layer's policy, speaker/session/backoff.ts, with shorter steps);
// - the station reads slower than events come and the queue passes `maxQueuedBytes`, or the wire
//   tap itself dropped events (a gap) → close the connection, reconnect, start over.
// Each connection starts with Initiation (sysDescr, sysName), then the dump of stream.ts. stop()
// sends what is queued and a Termination (RFC 7854 §4.5, "administratively closed").

import net from 'node:net';
import type { Logger } from '../../events/log.ts';
import type { BackoffPolicy, BackoffState } from '../session/backoff.ts';
import { backoffEstablished, backoffFailure, idleHoldMs, initialBackoff } from '../session/backoff.ts';
import type { RandomSource } from '../session/timers.ts';
import { jitter } from '../session/timers.ts';
import type { WireConsumer, WireEvent } from '../tap/wire-events.ts';
import type { WireTaps } from '../tap/wire-taps.ts';
import { TerminationReason } from './constants.ts';
import { encodeInitiation, encodeTermination } from './encode.ts';
import { BmpStream } from './stream.ts';

/** 1 s, doubling to 30 s; a connection that lasted a minute starts a new series. */
export const bmpBackoff: BackoffPolicy = { baseMs: 1000, factor: 2, maxMs: 30_000, stableMs: 60_000 };

export interface BmpClientOptions {
  readonly host: string;
  readonly port: number;
  readonly taps: WireTaps;
  readonly log: Logger;
  readonly sysName: string;
  readonly sysDescr: string;
  /** Octets queued behind the socket before the station counts as too slow (default 16 MiB). */
  readonly maxQueuedBytes?: number;
  readonly backoff?: BackoffPolicy;
  readonly connectTimeoutMs?: number;
  readonly random?: RandomSource;
}

/** Octets in the socket's own buffer before we stop writing and wait for 'drain'. */
const HighWater = 256 * 1024;
const StopFlushMs = 2000;

export interface BmpClientStats {
  readonly connected: boolean;
  /** Connections made so far. */
  readonly connections: number;
  /** BMP messages written in all. */
  readonly messages: number;
  /** Times the queue was dropped (station too slow, or a gap in the wire tap). */
  readonly dropped: number;
}

export class BmpClient implements WireConsumer {
  readonly station: string;
  readonly #o: BmpClientOptions;
  readonly #log: Logger;
  readonly #maxQueued: number;
  readonly #policy: BackoffPolicy;
  #detach: (() => void) | null = null;
  #socket: net.Socket | null = null;
  /** The socket connected (and not closed since). */
  #up = false;
  #stream: BmpStream | null = null;
  #initiation: Uint8Array | null = null;
  #queue: Uint8Array[] = [];
  #head = 0;
  #queuedBytes = 0;
  #backoff: BackoffState = initialBackoff;
  #retry: NodeJS.Timeout | null = null;
  #stopping = false;
  #stats = { connections: 0, messages: 0, dropped: 0 };

  constructor(o: BmpClientOptions) {
    this.#o = o;
    this.station = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
    this.#log = o.log.child({ bmpStation: this.station });
    this.#maxQueued = o.maxQueuedBytes ?? 16 * 1024 * 1024;
    this.#policy = o.backoff ?? bmpBackoff;
  }

  get stats(): BmpClientStats {
    return { connected: this.#stream !== null, ...this.#stats };
  }

  /** Attaches to the wire tap and connects. */
  start(): void {
    if (this.#detach || this.#stopping) return;
    this.#detach = this.#o.taps.attach(this);
    this.#connect();
  }

  deliver(events: readonly WireEvent[]): void {
    const stream = this.#stream;
    if (stream === null) return; // not connected: the next connection starts from a snapshot
    for (const e of events) {
      if (e.kind === 'gap') {
        this.#restart(`the wire tap dropped ${e.lost} events`);
        return;
      }
      const m = stream.live(e);
      if (m !== null) this.#enqueue(m);
    }
    if (this.#queuedBytes > this.#maxQueued) {
      this.#restart(`the station is too slow: ${this.#queuedBytes} octets queued`);
      return;
    }
    this.#pump();
  }

  /** Sends what is queued, then Termination, and closes (bounded); detaches from the wire tap. */
  async stop(text = 'bgpcast speaker stopping'): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    this.#detach?.();
    this.#detach = null;
    const socket = this.#socket;
    if (socket === null || this.#stream === null) {
      socket?.destroy();
      return;
    }
    const done = new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        socket.destroy();
        resolve();
      }, StopFlushMs);
      t.unref();
      socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.#enqueue(encodeTermination({ reason: TerminationReason.AdministrativelyClosed, text }));
    this.#pump();
    this.#endWhenFlushed(socket);
    await done;
    this.#log.info({ messages: this.#stats.messages }, 'BMP session terminated');
  }

  #connect(): void {
    if (this.#stopping) return;
    const socket = net.connect({ host: this.#o.host, port: this.#o.port });
    this.#socket = socket;
    socket.setTimeout(this.#o.connectTimeoutMs ?? 5000, () => socket.destroy(new Error('connect timed out')));
    socket.on('error', (err) => {
      if (this.#socket === socket) this.#log.debug({ err: err.message }, 'BMP connection error');
    });
    socket.on('close', () => this.#closed(socket));
    socket.on('data', () => undefined); // RFC 7854 §3.2: a station sends nothing; anything it does is ignored
    socket.on('drain', () => this.#pump());
    socket.once('connect', () => this.#connected(socket));
  }

  #connected(socket: net.Socket): void {
    socket.setTimeout(0);
    socket.setKeepAlive(true, 30_000);
    this.#up = true;
    this.#backoff = backoffEstablished(this.#backoff, performance.now());
    this.#stats.connections += 1;
    this.#clearQueue();
    const snapshot = this.#o.taps.established();
    this.#stream = new BmpStream(snapshot);
    this.#initiation = encodeInitiation({ sysName: this.#o.sysName, sysDescr: this.#o.sysDescr });
    this.#log.info({ peers: snapshot.sessions.length }, 'BMP session up: Initiation, then each Established peer and its Adj-RIB-Out');
    this.#pump();
  }

  #closed(socket: net.Socket): void {
    if (this.#socket !== socket) return;
    const wasUp = this.#up;
    this.#up = false;
    this.#socket = null;
    this.#stream = null;
    this.#clearQueue();
    if (this.#stopping) return;
    this.#backoff = backoffFailure(this.#backoff, performance.now(), this.#policy);
    const delay = jitter(idleHoldMs(this.#backoff, this.#policy), this.#o.random ?? Math.random);
    if (wasUp) this.#log.warn({ retryMs: delay }, 'BMP session lost; reconnecting to start over');
    else this.#log.info({ retryMs: delay, attempt: this.#backoff.failures }, 'BMP station unreachable; retrying');
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#connect();
    }, delay);
  }

  /** Drops the queue and the connection; the next connection starts over. */
  #restart(why: string): void {
    this.#stats.dropped += 1;
    this.#log.warn({ queuedBytes: this.#queuedBytes }, `${why}: dropping the BMP session's queue and starting over`);
    this.#clearQueue();
    this.#stream = null;
    this.#socket?.destroy();
  }

  #enqueue(m: Uint8Array): void {
    this.#queue.push(m);
    this.#queuedBytes += m.length;
  }

  #clearQueue(): void {
    this.#initiation = null;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
  }

  /** The Initiation, then the dump (read as room allows), then what queued up behind it. */
  #next(): Uint8Array | null {
    const initiation = this.#initiation;
    if (initiation !== null) {
      this.#initiation = null;
      return initiation;
    }
    return this.#stream?.nextDumped() ?? this.#shift();
  }

  #shift(): Uint8Array | null {
    if (this.#head >= this.#queue.length) return null;
    const m = this.#queue[this.#head++]!;
    this.#queuedBytes -= m.length;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return m;
  }

  #pump(): void {
    const socket = this.#socket;
    if (socket === null || this.#stream === null) return;
    while (socket.writableLength < HighWater) {
      const m = this.#next();
      if (m === null) break;
      socket.write(m);
      this.#stats.messages += 1;
    }
  }

  #endWhenFlushed(socket: net.Socket): void {
    const check = () => {
      if (this.#socket !== socket) return;
      this.#pump();
      const drained = this.#initiation === null && this.#head >= this.#queue.length && (this.#stream === null || this.#stream.dumped);
      if (drained) socket.end();
      else socket.once('drain', check);
    };
    check();
  }
}
