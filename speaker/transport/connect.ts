// Outgoing TCP connections for BGP sessions. With the addon (sockopt.ts) the socket is created
// there, so that the MD5 key (RFC 2385) and the TTL are on it before the SYN leaves — a key set
// after connect() would leave the handshake unsigned and the peer would drop it. The socket is
// then handed to Node (net.Socket({ fd })) and Node connects it: libuv's non-blocking connect,
// its 'connect' and 'error' events, no polling of ours.
//
// Abandoning an attempt is the caller's: socket.destroy() (the FSM's ConnectRetryTimer decides
// when, RFC 4271 §8.2.2); there is no timeout here.

import net from 'node:net';
import { parseIp } from '../../events/ip.ts';
import type { TtlSettings } from './socket-policy.ts';
import type { IpFamily, Sockopt } from './sockopt.ts';
import { loadSockopt } from './sockopt.ts';

export interface ConnectOptions {
  readonly peerAddress: string;
  readonly peerPort: number;
  /** Source address; null or absent: chosen by the kernel's route lookup. */
  readonly localAddress?: string | null;
  /** Source port; absent or 0: ephemeral. */
  readonly localPort?: number;
  /** TCP MD5 password; null, absent or '' for none. */
  readonly md5Key?: string | null;
  readonly ttl?: TtlSettings | null;
  /** Told when an option cannot be applied because the addon is not built. */
  readonly warn?: (message: string) => void;
}

export function ipFamily(address: string): IpFamily {
  const ip = parseIp(address);
  if (ip === null) throw new TypeError(`not an IP address: ${address}`);
  return ip.family;
}

/** A socket connecting to the peer: wait for 'connect' (or 'error', then 'close'). */
export function connectTcp(opts: ConnectOptions): net.Socket {
  const family = ipFamily(opts.peerAddress);
  const native = loadSockopt();
  const md5 = opts.md5Key ?? '';
  if (native === null) return plainConnect(opts, md5);
  const fd = native.socket(family);
  try {
    configure(native, fd, family, opts, md5);
    if (opts.localAddress || opts.localPort) {
      native.bind(fd, opts.localAddress ?? (family === 4 ? '0.0.0.0' : '::'), opts.localPort ?? 0);
    }
  } catch (e) {
    native.close(fd);
    throw e;
  }
  const socket = new net.Socket({ fd });
  socket.connect({ host: opts.peerAddress, port: opts.peerPort });
  return socket;
}

function configure(native: Sockopt, fd: number, family: IpFamily, opts: ConnectOptions, md5: string): void {
  if (md5 !== '') native.setMd5(fd, opts.peerAddress, md5);
  if (opts.ttl) {
    native.setTtl(fd, family, opts.ttl.ttl);
    if (opts.ttl.minTtl > 0) native.setMinTtl(fd, family, opts.ttl.minTtl);
  }
}

function plainConnect(opts: ConnectOptions, md5: string): net.Socket {
  if (md5 !== '') throw new Error('TCP MD5 needs the native addon: run speaker/transport/native/build.sh');
  if (opts.ttl) opts.warn?.('native addon not built: TTL / GTSM settings not applied');
  return net.connect({
    host: opts.peerAddress,
    port: opts.peerPort,
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    ...(opts.localPort ? { localPort: opts.localPort } : {}),
  });
}

/** The fd under a connected Node socket (Unix), or null. Node keeps it as `_handle.fd`. */
export function socketFd(socket: net.Socket): number | null {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : null;
}

/** TTL settings on a socket Node already holds (an accepted connection). */
export function applyTtl(socket: net.Socket, ttl: TtlSettings): boolean {
  const native = loadSockopt();
  const fd = socketFd(socket);
  if (native === null || fd === null || !socket.remoteAddress) return false;
  const family = ipFamily(socket.remoteAddress);
  native.setTtl(fd, family, ttl.ttl);
  if (ttl.minTtl > 0) native.setMinTtl(fd, family, ttl.minTtl);
  return true;
}
