// Routes at a real BIRD 2: eBGP and iBGP, IPv4 and IPv6, with the attributes RFC 4271 §5.1 asks
// for — AS path, next hop, communities, large communities, LOCAL_PREF toward iBGP only — a
// 4-octet local AS, changes that go out as incremental UPDATEs without a session reset, and the
// next hop of a family whose address family is not the session's (NH-1, NH-2).
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_NEXT_HOP } from '../../events/desired-state.ts';
import type { BirdChannelOptions } from '../support/routers/bird-config.ts';
import type { RunningBird } from '../support/routers/bird.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock } from '../support/routers/common.ts';
import type { Speaker } from '../../speaker/speaker.ts';
import { established, peer, route, startSpeaker, waitSession } from '../support/speaker.ts';

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => {});
});

async function pair(opts: { birdAs: number; ourAs: number; ipv6Session?: boolean; ipv4?: BirdChannelOptions }): Promise<{ bird: RunningBird; speaker: Speaker; ours: string; theirs: string }> {
  const blk = loopbackBlock();
  const theirs = opts.ipv6Session ? '::1' : blk.addr(1);
  const ours = opts.ipv6Session ? '::1' : blk.addr(2);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const bird = await startBird({
    routerId: '10.255.0.1',
    address: theirs,
    port,
    protocols: [{ name: 'speaker', localAs: opts.birdAs, neighborAddress: ours, neighborPort: 1, neighborAs: opts.ourAs, passive: true, holdTime: 9, ...(opts.ipv4 ? { ipv4: opts.ipv4 } : {}) }],
  });
  running.push(bird);
  const speaker = await startSpeaker({ localASN: opts.ourAs });
  running.push(speaker);
  return { bird, speaker, ours, theirs: `${theirs}|${port}` };
}

const target = (t: string) => {
  const [peerAddress, port] = t.split('|');
  return { peerAddress: peerAddress!, peerPort: Number(port) };
};

describe('eBGP toward BIRD', () => {
  it('IPv4 and IPv6 routes arrive with our AS, our address as next hop, communities; no LOCAL_PREF', async () => {
    const { bird, speaker, ours, theirs } = await pair({ birdAs: 65000, ourAs: 65001 });
    const attrs = { communities: ['65001:10', '65535:65281'], largeCommunities: ['65001:1:2'], localPreference: 300 };
    await speaker.setPeers([
      peer({
        ...target(theirs),
        peerASN: 65000,
        localAddress: ours,
        ipv4: [route('10.10.0.0/24', attrs), route('10.10.1.1/32', { origin: 'incomplete' })],
        ipv6: [route('2001:db8:10::/64', attrs)],
        config: { nextHop: { ...DEFAULT_NEXT_HOP, ipv6: 'mapped' } },
      }),
    ]);
    await bird.waitEstablished('speaker', 15_000);
    const v4 = await bird.waitFor(async (b) => {
      const r = await b.routes('master4', 'speaker');
      return r.length === 2 ? r : false;
    }, { timeoutMs: 10_000, what: 'two IPv4 routes at BIRD' });
    const r1 = v4.find((r) => r.prefix === '10.10.0.0/24')!;
    expect(r1.asPath).toEqual([65001]);
    expect(r1.nextHop).toBe(ours);
    expect(r1.communities.sort()).toEqual(['65001:10', '65535:65281']);
    expect(r1.largeCommunities).toEqual(['65001:1:2']);
    expect(r1.localPref).not.toBe(300);
    expect(r1.origin).toBe('igp');
    expect(v4.find((r) => r.prefix === '10.10.1.1/32')!.origin).toBe('incomplete');
    // IPv6 over the IPv4 session: BIRD's ipv6 channel has `extended next hop on` (which BIRD
    // does not announce as a capability, so it is configured here): our address IPv4-mapped.
    const v6 = await bird.waitFor(async (b) => {
      const r = await b.routes('master6', 'speaker');
      return r.length === 1 ? r : false;
    }, { timeoutMs: 10_000, what: 'the IPv6 route at BIRD' });
    expect(v6[0]!.prefix).toBe('2001:db8:10::/64');
    expect(v6[0]!.nextHop?.replace(/^::ffff:/, '')).toBe(ours); // BIRD prints the mapped address as IPv4
    expect(v6[0]!.asPath).toEqual([65001]);
    const s = speaker.status()[0]!;
    expect(s.prefixes.sent).toEqual({ '1/1': 2, '2/1': 1 });
    expect(s.negotiated?.families).toEqual(['1/1', '2/1']);
  });

  it('next-hop-ipv6 self: IPv6 routes over an IPv4 session are not sent without extended next hop, and the status says why', async () => {
    const { bird, speaker, ours, theirs } = await pair({ birdAs: 65000, ourAs: 65001 });
    const self = { nextHop: { ...DEFAULT_NEXT_HOP, ipv6: 'self' as const } };
    await speaker.setPeers([peer({ ...target(theirs), peerASN: 65000, localAddress: ours, ipv4: [route('10.11.0.0/24')], ipv6: [route('2001:db8:11::/64')], config: self })]);
    await bird.waitFor(async (b) => (await b.routeCount('master4', 'speaker')) === 1, { timeoutMs: 15_000, what: 'IPv4 route' });
    const s = speaker.status()[0]!;
    expect(s.unsent['2/1']).toMatch(/no IPv6 next hop/);
    expect(await bird.routeCount('master6', 'speaker')).toBe(0);
  });

  it('a 4-octet local AS (RFC 6793)', async () => {
    const { bird, speaker, ours, theirs } = await pair({ birdAs: 65000, ourAs: 4200000001 });
    await speaker.setPeers([peer({ ...target(theirs), peerASN: 65000, localAddress: ours, ipv4: [route('10.20.0.0/24')] })]);
    const routes = await bird.waitFor(async (b) => {
      const r = await b.routes('master4', 'speaker');
      return r.length === 1 ? r : false;
    }, { timeoutMs: 15_000, what: 'route at BIRD' });
    expect(routes[0]!.asPath).toEqual([4200000001]);
    expect((await bird.protocol('speaker')).neighborAs).toBe(4200000001);
  });

  it('changes go out incrementally: no session reset, withdrawals and new attributes arrive', async () => {
    const { bird, speaker, ours, theirs } = await pair({ birdAs: 65000, ourAs: 65001 });
    const base = { ...target(theirs), peerASN: 65000, localAddress: ours };
    await speaker.setPeers([peer({ ...base, ipv4: [route('10.30.0.0/24'), route('10.30.1.0/24')] })]);
    await waitSession(speaker, 'router', established, 15_000);
    await bird.waitFor(async (b) => (await b.routeCount('master4', 'speaker')) === 2, { timeoutMs: 10_000 });
    await speaker.setPeers([peer({ ...base, ipv4: [route('10.30.0.0/24', { communities: ['1:1'] }), route('10.30.2.0/24')] })]);
    const routes = await bird.waitFor(async (b) => {
      const r = await b.routes('master4', 'speaker');
      const ok = r.length === 2 && r.some((x) => x.prefix === '10.30.2.0/24') && r.find((x) => x.prefix === '10.30.0.0/24')?.communities[0] === '1:1';
      return ok ? r : false;
    }, { timeoutMs: 10_000, what: 'changed routes at BIRD' });
    expect(routes.map((r) => r.prefix).sort()).toEqual(['10.30.0.0/24', '10.30.2.0/24']);
    expect(speaker.status()[0]!.establishedCount).toBe(1);
  });
});

describe('reconciling peers', () => {
  it('a changed hold time replaces the session; a removed peer gets Cease / Peer De-configured', async () => {
    const { bird, speaker, ours, theirs } = await pair({ birdAs: 65000, ourAs: 65001 });
    const base = { ...target(theirs), peerASN: 65000, localAddress: ours, ipv4: [route('10.31.0.0/24')] };
    await speaker.setPeers([peer(base)]);
    await waitSession(speaker, 'router', established, 15_000);
    const first = speaker.session('router');
    await speaker.setPeers([peer({ ...base, holdTime: 30 })]);
    expect(speaker.session('router')).not.toBe(first);
    const again = await waitSession(speaker, 'router', established, 15_000);
    expect(again.negotiated?.holdTimeS).toBe(9); // BIRD offers 9
    expect(first!.status().lastError).toMatchObject({ code: 6, subcode: 6, direction: 'sent' }); // Other Configuration Change
    await speaker.setPeers([]);
    const p = await bird.waitFor(async (b) => {
      const x = await b.protocol('speaker');
      return x.bgpState !== 'Established' ? x : false;
    }, { timeoutMs: 5000, what: 'BIRD session down' });
    expect(p.lastError ?? '').toMatch(/de-?configured/i);
    expect(speaker.status()).toEqual([]);
  });
});

describe('iBGP toward BIRD', () => {
  it('empty AS path, LOCAL_PREF as given (100 by default), our address as next hop', async () => {
    const { bird, speaker, ours, theirs } = await pair({ birdAs: 65000, ourAs: 65000 });
    await speaker.setPeers([
      peer({ ...target(theirs), peerASN: 65000, localAddress: ours, ipv4: [route('10.40.0.0/24', { localPreference: 250 }), route('10.40.1.0/24')] }),
    ]);
    const routes = await bird.waitFor(async (b) => {
      const r = await b.routes('master4', 'speaker');
      return r.length === 2 ? r : false;
    }, { timeoutMs: 15_000, what: 'iBGP routes at BIRD' });
    const lp = Object.fromEntries(routes.map((r) => [r.prefix, r.localPref]));
    expect(lp).toEqual({ '10.40.0.0/24': 250, '10.40.1.0/24': 100 });
    for (const r of routes) {
      expect(r.asPath).toEqual([]);
      expect(r.nextHop).toBe(ours);
    }
  });
});

describe('IPv6 session', () => {
  it('IPv6 routes over an IPv6 session carry our IPv6 address in MP_REACH_NLRI', async () => {
    const { bird, speaker, theirs } = await pair({ birdAs: 65000, ourAs: 65001, ipv6Session: true });
    await speaker.setPeers([
      peer({ ...target(theirs), peerASN: 65000, localAddress: '::1', ipv6: [route('2001:db8:60::/48', { communities: ['65001:6'] })] }),
    ]);
    const routes = await bird.waitFor(async (b) => {
      const r = await b.routes('master6', 'speaker');
      return r.length === 1 ? r : false;
    }, { timeoutMs: 15_000, what: 'IPv6 route at BIRD' });
    expect(routes[0]!.prefix).toBe('2001:db8:60::/48');
    expect(routes[0]!.nextHop).toBe('::1');
    expect(routes[0]!.asPath).toEqual([65001]);
    expect(routes[0]!.communities).toEqual(['65001:6']);
  });

  it('IPv4 routes over an IPv6 session: RFC 8950 with a router that offers extended next hop', async () => {
    const { bird, speaker, theirs } = await pair({ birdAs: 65000, ourAs: 65001, ipv6Session: true, ipv4: { extendedNextHop: true } });
    await speaker.setPeers([peer({ ...target(theirs), peerASN: 65000, localAddress: '::1', ipv4: [route('10.61.0.0/24')] })]);
    const routes = await bird.waitFor(async (b) => {
      const r = await b.routes('master4', 'speaker');
      return r.length === 1 ? r : false;
    }, { timeoutMs: 15_000, what: 'IPv4 route at BIRD' });
    expect(routes[0]!.prefix).toBe('10.61.0.0/24');
    expect(routes[0]!.nextHop).toBe('::1');
    expect(speaker.status()[0]!.nextHops['1/1']).toBe('::1');
  });

  it('IPv4 routes over an IPv6 session without extended next hop: the node\'s IPv4 address, else not sent and the status says why', async () => {
    const { bird, speaker, theirs } = await pair({ birdAs: 65000, ourAs: 65001, ipv6Session: true });
    const withNode = { nextHop: { ...DEFAULT_NEXT_HOP, nodeIPv4: '192.0.2.7' } };
    await speaker.setPeers([peer({ ...target(theirs), peerASN: 65000, localAddress: '::1', ipv4: [route('10.62.0.0/24')], config: withNode })]);
    const routes = await bird.waitFor(async (b) => {
      const r = await b.routes('master4', 'speaker');
      return r.length === 1 ? r : false;
    }, { timeoutMs: 15_000, what: 'IPv4 route at BIRD' });
    expect(routes[0]!.nextHop).toBe('192.0.2.7');

    await speaker.setPeers([peer({ ...target(theirs), peerASN: 65000, localAddress: '::1', ipv4: [route('10.62.0.0/24')] })]);
    const s = await waitSession(speaker, 'router', (x) => established(x) && x.unsent['1/1'] !== undefined, 15_000);
    expect(s.unsent['1/1']).toMatch(/RFC 8950 extended next hop not negotiated, and the node has no IPv4 address/);
    await bird.waitFor(async (b) => (await b.routeCount('master4', 'speaker')) === 0, { timeoutMs: 10_000, what: 'no IPv4 route at BIRD' });
  });
});
