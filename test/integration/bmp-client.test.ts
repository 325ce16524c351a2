// The BMP client against stations that misbehave, on real loopback sockets: one that stops reading
// gets its queue dropped and a fresh connection that starts over, while the routes keep going out
// on the BGP side; one that is not there yet is retried until it is.

import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/procs.ts';
import { BmpClient } from '../../speaker/bmp/client.ts';
import { decodeBmp, splitBmp } from '../../speaker/bmp/decode.ts';
import { WireTaps } from '../../speaker/tap/wire-taps.ts';
import { waitFor } from '../support/routers/common.ts';
import { route } from '../support/speaker.ts';
import { tappedSender } from '../support/tapped-sender.ts';
import { quiet } from './pipeline-support.ts';

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => {});
});

/** A station that keeps each connection's octets; `stall` leaves the first connection unread. */
async function station(o: { stall?: boolean; port?: number } = {}) {
  const connections: { socket: Socket; chunks: Buffer[] }[] = [];
  const server = createServer((socket) => {
    const c = { socket, chunks: [] as Buffer[] };
    connections.push(c);
    if (o.stall && connections.length === 1) socket.pause();
    else socket.on('data', (d: Buffer) => c.chunks.push(d));
  });
  const port = o.port ?? (await freePort());
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    port,
    connections,
    types: (i: number) => splitBmp(new Uint8Array(Buffer.concat(connections[i]?.chunks ?? []))).map((m) => decodeBmp(m).type),
    stop: () =>
      new Promise<void>((r) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => r());
      }),
  };
}

const fast = { baseMs: 100, factor: 2, maxMs: 400, stableMs: 60_000 };

describe('BMP client', () => {
  it('a station that stops reading: the queue is dropped, a new connection starts over, BGP writes on', { timeout: 60_000 }, async () => {
    const s = await station({ stall: true });
    running.push(s);
    const taps = new WireTaps();
    const client = new BmpClient({ host: '127.0.0.1', port: s.port, taps, log: quiet('bmp'), sysName: 't', sysDescr: 't', maxQueuedBytes: 256 * 1024, backoff: fast });
    client.start();
    running.push({ stop: () => client.stop() });
    await waitFor(() => client.stats.connected, { timeoutMs: 10_000, what: 'connected' });
    const { sender, written } = tappedSender(taps);
    // 20,000 routes, each with a community of its own (one UPDATE each), re-announced 10 times:
    // ~20 MB of BMP, far more than the stalled station's socket buffers take.
    const prefixes = Array.from({ length: 20_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    for (let k = 0; k < 10; k++) {
      sender.set('1/1', prefixes.map((p, i) => route(p, { communities: [`${k + 1}:${i}`] })));
      await new Promise((r) => setImmediate(r));
    }
    expect(written.length).toBe(10 * 20_000); // every UPDATE went out on the BGP side
    await waitFor(() => client.stats.dropped >= 1 && s.connections.length >= 2, { timeoutMs: 20_000, what: 'queue dropped and a second connection' });
    // The second connection starts over from the state as it is: Initiation, Peer Up, the table, End-of-RIB.
    await waitFor(() => s.types(1).filter((t) => t === 'route-monitoring').length >= 2, { timeoutMs: 20_000, what: 'the dump on the new connection' });
    expect(s.types(1).slice(0, 2)).toEqual(['initiation', 'peer-up']);
  });

  it('a station that is not there yet is retried with back-off until it is', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const taps = new WireTaps();
    tappedSender(taps).sender.initial(new Map([['1/1', [route('10.0.0.0/24')]]]), false);
    const client = new BmpClient({ host: '127.0.0.1', port, taps, log: quiet('bmp'), sysName: 't', sysDescr: 't', backoff: fast });
    client.start();
    running.push({ stop: () => client.stop() });
    await new Promise((r) => setTimeout(r, 300)); // a few refused attempts
    expect(client.stats.connected).toBe(false);
    const s = await station({ port });
    running.push(s);
    await waitFor(() => s.types(0).includes('route-monitoring'), { timeoutMs: 10_000, what: 'the dump once the station is up' });
    expect(s.types(0)).toEqual(['initiation', 'peer-up', 'route-monitoring', 'route-monitoring', 'route-monitoring']);
  });
});
