// The transport against itself on loopback: TCP MD5 (RFC 2385) with the right, a wrong and no
// password; the TTL and GTSM minimum TTL on outgoing and accepted sockets; connections from
// unregistered addresses refused. The BGP daemons' side of MD5 and TTL is in speaker-bird-*.
import type net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectTcp, socketFd } from '../../speaker/transport/connect.ts';
import { BgpListener } from '../../speaker/transport/listener.ts';
import { ttlSettings } from '../../speaker/transport/socket-policy.ts';
import type { Sockopt } from '../../speaker/transport/sockopt.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';

let native: Sockopt;
const open: { close(): unknown }[] = [];

beforeAll(() => {
  native = ensureSockopt();
});

afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

/** 'connected' or 'timeout' within `ms`; the socket is destroyed either way. */
function outcome(socket: net.Socket, ms: number): Promise<'connected' | 'timeout' | string> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, ms);
    socket.once('connect', () => {
      clearTimeout(t);
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      resolve(e.code ?? 'error');
    });
  });
}

async function listener(peer: string, md5Key: string | null, accepted: net.Socket[]): Promise<BgpListener> {
  const l = await BgpListener.open('127.0.0.1', 0);
  open.push(l);
  l.setPeer(peer, {
    md5Key,
    ttl: ttlSettings({ internal: false, ebgpMultihop: 1, gtsm: true }),
    onConnection: (s) => accepted.push(s),
  });
  return l;
}

describe('TCP MD5 (RFC 2385)', () => {
  it('connects with the right password and not with a wrong one or none', async () => {
    const accepted: net.Socket[] = [];
    const l = await listener('127.0.0.2', 'sesame', accepted);
    const connect = (md5Key: string | null) =>
      connectTcp({ peerAddress: '127.0.0.1', peerPort: l.port, localAddress: '127.0.0.2', md5Key });
    const right = connect('sesame');
    expect(await outcome(right, 3000)).toBe('connected');
    right.destroy();
    expect(await outcome(connect('wrong'), 1500)).toBe('timeout');
    expect(await outcome(connect(null), 1500)).toBe('timeout');
    expect(accepted.length).toBe(1);
    accepted.forEach((s) => s.destroy());
  });

  it('a key removed from the listener no longer admits the signed peer', async () => {
    const accepted: net.Socket[] = [];
    const l = await listener('127.0.0.2', 'sesame', accepted);
    l.setPeer('127.0.0.2', { md5Key: null, onConnection: (s) => accepted.push(s) });
    const plain = connectTcp({ peerAddress: '127.0.0.1', peerPort: l.port, localAddress: '127.0.0.2' });
    expect(await outcome(plain, 3000)).toBe('connected');
    plain.destroy();
    accepted.forEach((s) => s.destroy());
  });
});

describe('TTL and GTSM', () => {
  it('sets the TTL before connecting and the peer TTL / minimum on accepted sockets', async () => {
    const accepted: net.Socket[] = [];
    const l = await listener('127.0.0.3', null, accepted);
    const s = connectTcp({
      peerAddress: '127.0.0.1',
      peerPort: l.port,
      localAddress: '127.0.0.3',
      ttl: ttlSettings({ internal: false, ebgpMultihop: 3 }),
    });
    expect(await outcome(s, 3000)).toBe('connected');
    expect(native.getTtl(socketFd(s)!, 4)).toBe(3);
    await expect.poll(() => accepted.length, { timeout: 2000 }).toBe(1);
    const fd = socketFd(accepted[0]!)!;
    expect(native.getTtl(fd, 4)).toBe(255);
    expect(native.getMinTtl(fd, 4)).toBe(254);
    s.destroy();
    accepted.forEach((a) => a.destroy());
  });

  it('a GTSM listener drops a peer that sends TTL 1 after the handshake', async () => {
    // Over loopback a packet arrives with the TTL it was sent with: TTL 1 < 254.
    const accepted: net.Socket[] = [];
    const l = await listener('127.0.0.4', null, accepted);
    const s = connectTcp({ peerAddress: '127.0.0.1', peerPort: l.port, localAddress: '127.0.0.4', ttl: { ttl: 1, minTtl: 0 } });
    expect(await outcome(s, 3000)).toBe('connected');
    await expect.poll(() => accepted.length, { timeout: 2000 }).toBe(1);
    const got: Buffer[] = [];
    accepted[0]!.on('data', (d: Buffer) => got.push(d));
    s.write('hello');
    await new Promise((r) => setTimeout(r, 500));
    expect(got.length).toBe(0);
    s.destroy();
    accepted.forEach((a) => a.destroy());
  });

  it('IPv6: hop limit on an outgoing socket over ::1', async () => {
    const l = await BgpListener.open('::1', 0);
    open.push(l);
    const accepted: net.Socket[] = [];
    l.setPeer('::1', { onConnection: (x) => accepted.push(x), ttl: { ttl: 255, minTtl: 0 } });
    const s = connectTcp({ peerAddress: '::1', peerPort: l.port, ttl: { ttl: 7, minTtl: 0 }, md5Key: 'v6key' });
    // The listener has no key for ::1, so a signed SYN is dropped; then without the key it connects.
    expect(await outcome(s, 1500)).toBe('timeout');
    const t = connectTcp({ peerAddress: '::1', peerPort: l.port, ttl: { ttl: 7, minTtl: 0 } });
    expect(await outcome(t, 3000)).toBe('connected');
    expect(native.getTtl(socketFd(t)!, 6)).toBe(7);
    t.destroy();
    accepted.forEach((a) => a.destroy());
  });
});

describe('listener', () => {
  it('closes connections from addresses no peer is registered for', async () => {
    const accepted: net.Socket[] = [];
    const l = await listener('127.0.0.5', null, accepted);
    const s = connectTcp({ peerAddress: '127.0.0.1', peerPort: l.port, localAddress: '127.0.0.6' });
    expect(await outcome(s, 3000)).toBe('connected');
    const closed = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 2000);
      s.on('close', () => {
        clearTimeout(t);
        resolve(true);
      });
      s.on('error', () => {});
      s.resume();
    });
    expect(closed).toBe(true);
    expect(accepted.length).toBe(0);
  });
});
