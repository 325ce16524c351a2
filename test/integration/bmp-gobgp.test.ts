// Our BMP codec against a real BMP speaker: GoBGP 3.10, peered with BIRD, streams BMP to a TCP
// listener here (`gobgp bmp add … post`). Every message it sends decodes, says what the routers
// did, and encodes back to the very octets GoBGP sent (the way test/unit/bmp/vectors/gobgp.json
// was recorded).

import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BmpMessage } from '../../speaker/bmp/decode.ts';
import { decodeBmp, splitBmp } from '../../speaker/bmp/decode.ts';
import { defaultContext } from '../../speaker/codec/context.ts';
import { toHex } from '../../speaker/codec/hex.ts';
import { decodeMessage } from '../../speaker/codec/message.ts';
import { freePort } from '../../infra/local/procs.ts';
import { reencode } from '../support/bmp.ts';
import { loopbackBlock, startBird, startGobgp, waitFor } from '../support/routers/index.ts';

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => {});
});

/** A TCP listener that keeps what it is sent. */
async function recorder() {
  const chunks: Buffer[] = [];
  const server = createServer((s) => s.on('data', (d: Buffer) => chunks.push(d)));
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    port,
    messages: (): BmpMessage[] => splitBmp(new Uint8Array(Buffer.concat(chunks))).map(decodeBmp),
    raw: () => splitBmp(new Uint8Array(Buffer.concat(chunks))),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('BMP from GoBGP 3.10', () => {
  it('decodes to what the routers did and encodes back to the same octets', { timeout: 90_000 }, async () => {
    const blk = loopbackBlock();
    const [gport, bport] = [await freePort(), await freePort()];
    const station = await recorder();
    running.push(station);
    const gobgp = await startGobgp({
      as: 65010,
      routerId: '192.0.2.2',
      port: gport,
      addresses: [blk.addr(2)],
      neighbors: [{ address: blk.addr(1), peerAs: 65020, localAddress: blk.addr(2), remotePort: bport, passive: true, holdTime: 9, keepaliveInterval: 3, ebgpMultihopTtl: 5, families: ['ipv4-unicast'] }],
    });
    running.push(gobgp);
    const birdOptions = {
      routerId: '192.0.2.1',
      address: blk.addr(1),
      port: bport,
      // GoBGP drops received routes with a 127/8 next hop: BIRD sends another (peers.md).
      protocols: [{ name: 'g', localAs: 65020, neighborAddress: blk.addr(2), neighborPort: gport, neighborAs: 65010, holdTime: 9, ipv6: false as const, ipv4: { nextHopAddress: '192.0.2.10' } }],
      staticRoutes: [{ prefix: '198.51.100.0/24', communities: ['65020:1'] }, { prefix: '203.0.113.0/25', largeCommunities: ['65020:1:2'] }],
    };
    await gobgp.cli(['bmp', 'add', `127.0.0.1:${station.port}`, 'post']);
    const bird = await startBird(birdOptions);
    running.push(bird);
    await gobgp.waitEstablished(blk.addr(1), 30_000);
    const types = () => station.messages().map((m) => m.type);
    const count = (t: string) => types().filter((x) => x === t).length;
    await waitFor(() => count('route-monitoring') >= 2, { timeoutMs: 15_000, what: 'two Route Monitoring messages' });
    await bird.configure({ ...birdOptions, staticRoutes: [birdOptions.staticRoutes[0]!] });
    await waitFor(() => count('route-monitoring') >= 3, { timeoutMs: 15_000, what: 'the withdrawal' });
    await bird.birdc('disable g');
    await waitFor(() => count('peer-down') >= 1, { timeoutMs: 15_000, what: 'Peer Down' });
    await gobgp.cli(['bmp', 'del', `127.0.0.1:${station.port}`]);
    await waitFor(() => count('termination') >= 1, { timeoutMs: 15_000, what: 'Termination' });

    const messages = station.messages();
    expect(messages[0]).toEqual({ type: 'initiation', tlvs: [{ type: 2, value: 'GoBGP' }, { type: 1, value: expect.stringMatching(/^3\.10\./) }] });
    const up = messages.find((m) => m.type === 'peer-up')!;
    expect(up).toMatchObject({ peer: { peerAddress: blk.addr(1), peerAsn: 65020, peerBgpId: '192.0.2.1' }, localAddress: blk.addr(2), localPort: gport });
    expect(decodeMessage(up.sentOpen, defaultContext)).toMatchObject({ asn: 65010, bgpId: '192.0.2.2' });
    expect(decodeMessage(up.receivedOpen, defaultContext)).toMatchObject({ asn: 65020, bgpId: '192.0.2.1' });
    const monitored = messages.flatMap((m) => (m.type === 'route-monitoring' ? [decodeMessage(m.update, defaultContext)] : []));
    expect(monitored).toContainEqual(expect.objectContaining({ nlri: [{ prefix: '198.51.100.0/24' }], attributes: expect.objectContaining({ communities: [65020 * 65536 + 1] }) }));
    expect(monitored).toContainEqual(expect.objectContaining({ withdrawn: [{ prefix: '203.0.113.0/25' }] }));
    expect(messages.find((m) => m.type === 'peer-down')).toMatchObject({ reason: 3 });
    expect(messages.at(-1)).toMatchObject({ type: 'termination', reason: 4 });

    // Parse, then generate: every message GoBGP sent, octet for octet.
    for (const raw of station.raw()) expect(toHex(reencode(decodeBmp(raw)))).toBe(toHex(raw));
  });
});
