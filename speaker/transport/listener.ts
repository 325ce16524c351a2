// The passive side: one listening socket per (local address, port) — two for a wildcard address,
// IPv4 and IPv6 — shared by every session of an instance that has a localPort.
//
// With the addon the listening socket is ours (sockopt.ts): the MD5 key of every configured peer
// is set on it (the kernel signs and checks the handshake with the key of the SYN's source, and
// the accepted socket inherits it), and its TTL is 255 so that an iBGP or GTSM peer's SYN-ACK
// arrives as it must. Node serves it (net.Server.listen({ fd })). Each accepted connection gets
// its peer's TTL / minimum TTL before anything is sent on it. A connection from an address with
// no registered peer is closed at once (RFC 4271 §8: we accept only configured peers).
// Limitation: the SYN-ACK leaves with the listener's TTL (255) and the minimum TTL is checked
// from the accepted socket on, i.e. after the handshake.

import net from 'node:net';
import { formatIP, parseIP } from '../codec/ip.ts';
import { applyTtl, ipFamily } from './connect.ts';
import type { TtlSettings } from './socket-policy.ts';
import { MaxTtl } from './socket-policy.ts';
import type { IpFamily } from './sockopt.ts';
import { loadSockopt } from './sockopt.ts';

export interface PeerRegistration {
  readonly md5Key?: string | null;
  readonly ttl?: TtlSettings | null;
  /** Called with each accepted connection from the peer; the callee owns the socket. */
  readonly onConnection: (socket: net.Socket) => void;
}

/**
 * The RFC 5952 text of an address, so that peers compare equal however they were written; a
 * link-local peer keeps its zone (`fe80::1%eth1`), as Node reports the remote end of its connection.
 */
export function canonicalAddress(address: string): string {
  const at = address.indexOf('%');
  const [bare, zone] = at < 0 ? [address, ''] : [address.slice(0, at), address.slice(at)];
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  const { afi, addr } = parseIP(mapped ? mapped[1]! : bare);
  return formatIP(afi, addr) + zone;
}

interface Bound {
  readonly family: IpFamily;
  readonly fd: number | null;
  readonly server: net.Server;
}

export class BgpListener {
  readonly #bound: Bound[];
  readonly #peers = new Map<string, PeerRegistration>();
  #closed = false;

  private constructor(bound: Bound[]) {
    this.#bound = bound;
    for (const b of bound) b.server.on('connection', (s: net.Socket) => this.#accept(s));
  }

  /** Listens on `address` (null: 0.0.0.0 and ::) at `port` (0: ephemeral, tests only). */
  static async open(address: string | null, port: number): Promise<BgpListener> {
    const addresses = address === null ? ['0.0.0.0', '::'] : [address];
    const bound: Bound[] = [];
    try {
      for (const a of addresses) bound.push(await listenOne(a, port));
    } catch (e) {
      for (const b of bound) b.server.close();
      throw e;
    }
    return new BgpListener(bound);
  }

  /** The port of the first socket (the one asked for, unless it was 0). */
  get port(): number {
    const addr = this.#bound[0]?.server.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  /** Accepts connections from `peerAddress` from now on; replaces an earlier registration. */
  setPeer(peerAddress: string, reg: PeerRegistration): void {
    const key = canonicalAddress(peerAddress);
    const md5 = reg.md5Key ?? '';
    const previous = this.#peers.get(key)?.md5Key ?? '';
    if (md5 !== '' || previous !== '') this.#setKey(key, md5);
    this.#peers.set(key, reg);
  }

  removePeer(peerAddress: string): void {
    const key = canonicalAddress(peerAddress);
    const reg = this.#peers.get(key);
    if (!reg) return;
    if ((reg.md5Key ?? '') !== '') this.#setKey(key, '');
    this.#peers.delete(key);
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#bound.map((b) => new Promise<void>((resolve) => b.server.close(() => resolve()))));
  }

  #setKey(peer: string, key: string): void {
    const native = loadSockopt();
    const family = ipFamily(peer);
    const b = this.#bound.find((x) => x.family === family);
    if (!b) return;
    if (native === null || b.fd === null) {
      if (key === '') return;
      throw new Error('TCP MD5 needs the native addon: run speaker/transport/native/build.sh');
    }
    native.setMd5(b.fd, peer, key);
  }

  #accept(socket: net.Socket): void {
    const remote = socket.remoteAddress;
    const reg = remote ? this.#peers.get(canonicalAddress(remote)) : undefined;
    if (!reg) {
      socket.destroy();
      return;
    }
    if (reg.ttl) {
      try {
        applyTtl(socket, reg.ttl);
      } catch {
        socket.destroy();
        return;
      }
    }
    reg.onConnection(socket);
  }
}

async function listenOne(address: string, port: number): Promise<Bound> {
  const family = ipFamily(address);
  const native = loadSockopt();
  const server = net.createServer();
  let fd: number | null = null;
  if (native !== null) {
    fd = native.socket(family);
    try {
      native.bind(fd, address, port);
      native.setTtl(fd, family, MaxTtl);
      native.listen(fd, 64);
    } catch (e) {
      native.close(fd);
      throw e;
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (fd !== null) server.listen({ fd, backlog: 64 }, done);
    else server.listen({ host: address, port, backlog: 64, ipv6Only: family === 6 }, done);
  });
  return { family, fd, server };
}
