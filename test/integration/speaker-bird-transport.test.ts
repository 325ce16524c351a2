// The transport against a real BIRD 2: TCP MD5 with the right and a wrong password, our TTL as
// BIRD's GTSM (`ttl security on`) measures it — plain eBGP (TTL 1), multihop N and GTSM (255) —,
// BIRD connecting to our listening port, and both sides connecting at once (RFC 4271 §6.8).
import { afterEach, describe, expect, it } from 'vitest';
import type { BirdBgpOptions, RunningBird } from '../support/routers/bird.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock } from '../support/routers/common.ts';
import type { PeerSpec } from '../support/speaker.ts';
import { established, peer, route, startSpeaker, waitSession } from '../support/speaker.ts';

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => {});
});

async function setup(birdOpts: Partial<BirdBgpOptions>, ours: Partial<PeerSpec>, localPort: number | null = null) {
  const blk = loopbackBlock();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const speaker = await startSpeaker({ localASN: 65001, localPort, listenAddress: blk.addr(2) });
  running.push(speaker);
  const bird = await startBird({
    routerId: '10.255.0.1',
    address: blk.addr(1),
    port,
    protocols: [
      {
        name: 'speaker',
        localAs: 65000,
        neighborAddress: blk.addr(2),
        neighborPort: speaker.listenPort ?? 1,
        neighborAs: 65001,
        passive: localPort === null,
        holdTime: 9,
        ...birdOpts,
      },
    ],
  });
  running.push(bird);
  await speaker.setPeers([
    peer({ peerAddress: blk.addr(1), peerPort: port, peerASN: 65000, localAddress: blk.addr(2), ipv4: [route('10.70.0.0/24')], ...ours }),
  ]);
  return { bird, speaker };
}

/**
 * True when BIRD never has the session Established for `ms`. BIRD is the judge: it sets the GTSM
 * minimum TTL on a connection only once accepted, so our OPEN may slip in first and our side may
 * see BIRD's KEEPALIVE, while everything we send later is dropped and BIRD never gets there.
 */
async function staysDown(bird: RunningBird, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await bird.protocol('speaker')).bgpState === 'Established') return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('TCP MD5 (RFC 2385) with BIRD', () => {
  it('the right password: Established, routes arrive', async () => {
    const { bird, speaker } = await setup({ password: 'open sesame' }, { password: 'open sesame' });
    await waitSession(speaker, 'router', established, 15_000);
    await bird.waitFor(async (b) => (await b.routeCount('master4', 'speaker')) === 1, { timeoutMs: 10_000 });
  });

  it('a wrong password: the handshake never completes', async () => {
    const { bird, speaker } = await setup({ password: 'open sesame' }, { password: 'wrong' });
    expect(await staysDown(bird, 4000)).toBe(true);
    expect(speaker.session('router')!.status().state).not.toBe('Established');
  });
});

describe('TTL', () => {
  // BIRD with `ttl security on` and `multihop N` drops what arrives with a TTL below 256 − N
  // (`multihop 1`: a directly connected peer, 255; BIRD refuses `direct` toward 127/8).
  it('plain eBGP sends TTL 1: refused by a router that expects GTSM', async () => {
    const { bird } = await setup({ ttlSecurity: true, multihop: 1 }, { multihop: 1 });
    expect(await staysDown(bird, 4000)).toBe(true);
  });

  it('GTSM sends 255: accepted by a GTSM router', async () => {
    const { bird, speaker } = await setup({ ttlSecurity: true, multihop: 1 }, { config: { gtsm: true } });
    await waitSession(speaker, 'router', established, 15_000);
    await bird.waitEstablished('speaker', 10_000);
  });

  it('eBGP multihop N sends TTL N: 250 passes a minimum of 246, 200 does not', async () => {
    const ok = await setup({ ttlSecurity: true, multihop: 10 }, { multihop: 250 });
    await waitSession(ok.speaker, 'router', established, 15_000);
    await ok.bird.waitEstablished('speaker', 10_000);
    const low = await setup({ ttlSecurity: true, multihop: 10 }, { multihop: 200 });
    expect(await staysDown(low.bird, 4000)).toBe(true);
  });
});

describe('passive side and collision', () => {
  it('BIRD connects to our listening port', async () => {
    const { bird, speaker } = await setup({ passive: true }, { extra: { passive: true } }, 0);
    await bird.configure({ ...bird.options, protocols: bird.options.protocols.map((p) => ({ ...p, passive: false })) });
    const s = await waitSession(speaker, 'router', established, 15_000);
    expect(s.localPort).toBe(speaker.listenPort);
    await bird.waitFor(async (b) => (await b.routeCount('master4', 'speaker')) === 1, { timeoutMs: 10_000 });
  });

  it('both sides connect: one session survives and stays up', async () => {
    const { bird, speaker } = await setup({ passive: false }, {}, 0);
    await waitSession(speaker, 'router', established, 15_000);
    await new Promise((r) => setTimeout(r, 3000));
    const s = speaker.session('router')!.status();
    expect(s.state).toBe('Established');
    expect((await bird.protocol('speaker')).bgpState).toBe('Established');
    expect(await bird.routeCount('master4', 'speaker')).toBe(1);
  });
});
