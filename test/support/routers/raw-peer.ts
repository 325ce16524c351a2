// A raw BGP peer for tests: a TCP connection (we connect, or we accept) that sends whatever bytes
// a test gives it — well-formed messages through the project codec, or hand-built malformed ones —
// and records every message it receives, split by the codec's framer and decoded when possible.
// Typical use: bring a session to Established, send one malformed message, assert on the
// NOTIFICATION (code, subcode) that comes back.
//
//   const peer = await connectRawPeer({ host: bird.options.address, port: bird.options.port, localAddress: me });
//   await peer.establish({ asn: 65001, bgpId: '10.0.0.9', holdTime: 90 });
//   peer.sendRaw(rawMessage(2, new Uint8Array([0, 0, 0, 5, 0xff])));
//   const n = (await peer.next('notification', 5000)).message;
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { CodecContext } from '../../../speaker/codec/context.ts';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { Framer } from '../../../speaker/codec/framer.ts';
import { decodeMessage, encodeMessage } from '../../../speaker/codec/message.ts';
import { buildOpen } from '../../../speaker/codec/open.ts';
import type { BgpMessage, Capability, OpenMessage } from '../../../speaker/codec/types.ts';

export interface RawFrame {
  /** The whole message as received (header included). */
  bytes: Uint8Array;
  /** Decoded with the peer's current context; absent when decoding threw. */
  message?: BgpMessage;
  decodeError?: string;
  /** Date.now() on arrival. */
  at: number;
}

type FrameFilter = BgpMessage['type'] | ((f: RawFrame) => boolean);

/** A BGP message built by hand: marker (16 × 0xff unless given), Length (computed unless given), Type, body. */
export function rawMessage(type: number, body: Uint8Array = new Uint8Array(0), opts: { marker?: Uint8Array; length?: number } = {}): Uint8Array {
  const out = new Uint8Array(19 + body.length);
  out.set(opts.marker ?? new Uint8Array(16).fill(0xff), 0);
  new DataView(out.buffer).setUint16(16, opts.length ?? out.length);
  out[18] = type;
  out.set(body, 19);
  return out;
}

/** Capabilities of a plain IPv4+IPv6 unicast speaker with 4-octet AS and route refresh. */
export function defaultCapabilities(asn: number): Capability[] {
  return [
    { code: 1, name: 'multiprotocol', afi: 1, safi: 1 },
    { code: 1, name: 'multiprotocol', afi: 2, safi: 1 },
    { code: 2, name: 'route-refresh' },
    { code: 65, name: 'four-octet-as', asn },
  ];
}

export class RawPeer {
  readonly frames: RawFrame[] = [];
  /** Set when the received stream could not be framed (bad marker or length from the other side). */
  framingError?: Error;
  closed = false;
  private ctx: CodecContext = defaultContext;
  private readonly framer = new Framer();
  private cursor = 0;
  private readonly waiters = new Set<() => void>();
  private readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(new Uint8Array(chunk)));
    socket.on('error', () => {}); // a reset after a NOTIFICATION is normal; 'close' follows
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** Context for decoding what comes next (4-octet AS, ADD-PATH...) once a session negotiated it. */
  setContext(ctx: CodecContext): void {
    this.ctx = ctx;
  }

  private onData(chunk: Uint8Array): void {
    if (this.framingError) return;
    try {
      for (const bytes of this.framer.push(chunk)) {
        const copy = bytes.slice();
        const f: RawFrame = { bytes: copy, at: Date.now() };
        try {
          f.message = decodeMessage(copy, this.ctx);
        } catch (err) {
          f.decodeError = (err as Error).message;
        }
        this.frames.push(f);
      }
    } catch (err) {
      this.framingError = err as Error;
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Sends a message through the codec (with the current context). */
  send(msg: BgpMessage): Promise<void> {
    return this.sendRaw(encodeMessage(msg, this.ctx));
  }

  /** Sends bytes as they are. */
  sendRaw(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * The next received frame (after those already returned by next()) that matches `filter`;
   * frames skipped over are not returned again. Rejects when the connection closes first or
   * after `timeoutMs`, listing what did arrive.
   */
  next(filter: FrameFilter, timeoutMs: number): Promise<RawFrame> {
    const match = typeof filter === 'function' ? filter : (f: RawFrame) => f.message?.type === filter;
    return new Promise((resolve, reject) => {
      const check = () => {
        for (; this.cursor < this.frames.length; this.cursor++) {
          const f = this.frames[this.cursor]!;
          if (match(f)) {
            this.cursor++;
            done();
            resolve(f);
            return;
          }
        }
        if (this.closed || this.framingError) {
          done();
          reject(new Error(`connection ${this.closed ? 'closed' : 'unframeable'} before a matching message; received: ${this.summary()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching message within ${timeoutMs} ms; received: ${this.summary()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** e.g. "open, keepalive, notification 1/1". */
  summary(): string {
    const s = this.frames.map((f) =>
      f.message?.type === 'notification' ? `notification ${f.message.code}/${f.message.subcode}` : (f.message?.type ?? `undecodable (${f.decodeError})`),
    );
    return s.length ? s.join(', ') : '(nothing)';
  }

  /**
   * OPEN out, the peer's OPEN and KEEPALIVE in, KEEPALIVE out: Established from the peer's side.
   * Sets the decoding context to 4-octet AS when both OPENs carry the capability.
   */
  async establish(o: { asn: number; bgpId: string; holdTime?: number; capabilities?: Capability[]; timeoutMs?: number }): Promise<OpenMessage> {
    const timeoutMs = o.timeoutMs ?? 10_000;
    const caps = o.capabilities ?? defaultCapabilities(o.asn);
    await this.send(buildOpen({ asn: o.asn, holdTime: o.holdTime ?? 90, bgpId: o.bgpId, capabilities: caps }));
    const open = (await this.next('open', timeoutMs)).message as OpenMessage;
    await this.next('keepalive', timeoutMs);
    await this.send({ type: 'keepalive' });
    const as4 = caps.some((c) => c.code === 65) && open.capabilities.some((c) => c.code === 65);
    this.setContext({ ...defaultContext, fourOctetAs: as4 });
    return open;
  }

  /** Resolves once the other side has closed (or after `timeoutMs`, rejecting). */
  waitClosed(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.closed) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`connection still open after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Connects to host:port (from `localAddress` when given). */
export function connectRawPeer(o: { host: string; port: number; localAddress?: string; timeoutMs?: number }): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`connect to ${o.host}:${o.port} timed out`));
    }, o.timeoutMs ?? 5000);
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(new RawPeer(sock));
    });
  });
}

export interface RawListener {
  readonly host: string;
  readonly port: number;
  /** The next accepted connection (connections accepted earlier are queued). */
  accept(timeoutMs: number): Promise<RawPeer>;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 = any) for a router that connects to us. */
export function listenRawPeer(o: { host: string; port?: number }): Promise<RawListener> {
  const queue: RawPeer[] = [];
  const all: RawPeer[] = [];
  let notify: (() => void) | null = null;
  const server: Server = createServer((sock) => {
    const p = new RawPeer(sock);
    all.push(p);
    queue.push(p);
    notify?.();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        host: o.host,
        port,
        accept(timeoutMs) {
          return new Promise((res, rej) => {
            const timer = setTimeout(() => {
              notify = null;
              rej(new Error(`no connection on ${o.host}:${port} within ${timeoutMs} ms`));
            }, timeoutMs);
            notify = () => {
              const p = queue.shift();
              if (!p) return;
              clearTimeout(timer);
              notify = null;
              res(p);
            };
            notify();
          });
        },
        close() {
          for (const p of all) p.close();
          return new Promise((res) => server.close(() => res()));
        },
      });
    });
  });
}
