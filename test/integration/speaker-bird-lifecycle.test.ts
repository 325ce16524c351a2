// A session's life with a real BIRD 2: hold-timer expiry when the router goes silent, the router
// restarting and our reconnect after the idle hold, route refresh asked by the router, our own
// restart under graceful restart (BIRD keeps every route through the gap), and the drain with
// the GRACEFUL_SHUTDOWN community (RFC 8326).
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBird } from '../support/routers/bird.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock } from '../support/routers/common.ts';
import type { Speaker } from '../../speaker/speaker.ts';
import type { PeerSpec } from '../support/speaker.ts';
import { established, peer, route, startSpeaker, waitSession } from '../support/speaker.ts';

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => {});
});

const routes = Array.from({ length: 50 }, (_, i) => route(`10.50.${i}.0/24`, { communities: ['65001:50'] }));

async function setup(o: { hold?: number; gr?: boolean } = {}): Promise<{ bird: RunningBird; speaker: Speaker; spec: PeerSpec }> {
  const blk = loopbackBlock();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const bird = await startBird({
    routerId: '10.255.0.1',
    address: blk.addr(1),
    port,
    protocols: [
      {
        name: 'speaker',
        localAs: 65000,
        neighborAddress: blk.addr(2),
        neighborPort: 1,
        neighborAs: 65001,
        passive: true,
        holdTime: o.hold ?? 9,
        keepaliveTime: Math.max(1, Math.floor((o.hold ?? 9) / 3)),
        gracefulRestartAware: o.gr ?? false,
        gracefulRestartTime: 60,
      },
    ],
  });
  running.push(bird);
  const spec: PeerSpec = {
    peerAddress: blk.addr(1),
    peerPort: port,
    peerASN: 65000,
    localAddress: blk.addr(2),
    holdTime: o.hold ?? 9,
    keepalive: Math.max(1, Math.floor((o.hold ?? 9) / 3)),
    ipv4: routes,
    gracefulRestart: { enabled: o.gr ?? false, restartTimeSeconds: 60 },
  };
  const speaker = await startSpeaker({ localASN: 65001 });
  running.push(speaker);
  await speaker.setPeers([peer(spec)]);
  await waitSession(speaker, 'router', established, 15_000);
  await bird.waitFor(async (b) => (await b.routeCount('master4', 'speaker')) === routes.length, { timeoutMs: 10_000, what: 'all routes at BIRD' });
  return { bird, speaker, spec };
}

describe('BIRD lifecycle', () => {
  it('the hold timer expires when the router goes silent (SIGSTOP), and the session comes back (SIGCONT)', async () => {
    const { bird, speaker } = await setup({ hold: 3 });
    process.kill(bird.pid, 'SIGSTOP');
    try {
      const down = await waitSession(speaker, 'router', (s) => s.state !== 'Established', 8_000, 'hold timer expiry');
      expect(down.lastError).toMatchObject({ code: 4, subcode: 0, direction: 'sent' });
    } finally {
      process.kill(bird.pid, 'SIGCONT');
    }
    const back = await waitSession(speaker, 'router', established, 20_000, 'session back after SIGCONT');
    expect(back.establishedCount).toBeGreaterThanOrEqual(2);
    await bird.waitFor(async (b) => (await b.routeCount('master4', 'speaker')) === routes.length, { timeoutMs: 10_000 });
  });

  it('the router restarts; we reconnect after the idle hold and send the table again', async () => {
    const { bird, speaker } = await setup();
    await bird.restart();
    const back = await waitSession(speaker, 'router', (s) => s.state === 'Established' && s.establishedCount === 2, 20_000);
    expect(back.lastError).toMatchObject({ code: 6, direction: 'received' }); // BIRD's Cease on shutdown
    await bird.waitFor(async (b) => (await b.routeCount('master4', 'speaker')) === routes.length, { timeoutMs: 10_000, what: 'routes again' });
  });

  it('route refresh from the router (birdc reload in): the table is sent again between BoRR and EoRR', async () => {
    const { bird, speaker } = await setup();
    const before = speaker.status()[0]!;
    expect(before.negotiated?.enhancedRouteRefresh).toBe(true);
    await bird.birdc('reload in speaker');
    const after = await waitSession(speaker, 'router', (s) => s.messages.sent['route-refresh'] >= 2, 10_000, 'BoRR and EoRR sent');
    expect(after.messages.received['route-refresh']).toBeGreaterThanOrEqual(1);
    expect(after.messages.sent.update).toBeGreaterThan(before.messages.sent.update);
    expect(after.establishedCount).toBe(1);
    expect(await bird.routeCount('master4', 'speaker')).toBe(routes.length);
  });

  it('we restart under graceful restart: BIRD keeps every route through the gap, End-of-RIB ends it', async () => {
    const { bird, speaker, spec } = await setup({ gr: true });
    let lowest = Infinity;
    let polling = true;
    const watcher = (async () => {
      while (polling) {
        lowest = Math.min(lowest, await bird.routeCount('master4', 'speaker').catch(() => -1));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      running.splice(running.indexOf(speaker), 1);
      await speaker.stopForRestart();
      const gap = await bird.waitFor(async (b) => {
        const p = await b.protocol('speaker');
        return p.gracefulRestartActive ? p : false;
      }, { timeoutMs: 10_000, what: 'BIRD in graceful restart for us' });
      expect(gap.bgpState).not.toBe('Established');
      await new Promise((r) => setTimeout(r, 1000)); // the gap: routes must stay
      expect(await bird.routeCount('master4', 'speaker')).toBe(routes.length);
      const again = await startSpeaker({ localASN: 65001, restarting: true });
      running.push(again);
      await again.setPeers([peer(spec)]);
      await waitSession(again, 'router', established, 15_000);
      const seen = (await bird.protocol('speaker')).neighborCapabilities['Graceful restart'] ?? [];
      expect(seen.join('\n')).toMatch(/Restart recovery/i); // our R-bit (RFC 4724 §3)
      await bird.waitFor(async (b) => !(await b.protocol('speaker')).gracefulRestartActive, { timeoutMs: 10_000, what: 'graceful restart over' });
      expect(await bird.routeCount('master4', 'speaker')).toBe(routes.length);
    } finally {
      polling = false;
      await watcher;
    }
    expect(lowest).toBe(routes.length);
  });

  it('drain: every route carries GRACEFUL_SHUTDOWN at BIRD, then the session ends with a Cease', async () => {
    const { bird, speaker } = await setup();
    running.splice(running.indexOf(speaker), 1);
    const draining = speaker.drain(3000);
    const marked = await bird.waitFor(async (b) => {
      const r = await b.routes('master4', 'speaker');
      return r.length === routes.length && r.every((x) => x.communities.includes('65535:0')) ? r : false;
    }, { timeoutMs: 3000, what: 'GRACEFUL_SHUTDOWN on every route' });
    expect(marked[0]!.communities).toContain('65001:50');
    await draining;
    const p = await bird.waitFor(async (b) => {
      const x = await b.protocol('speaker');
      return x.bgpState !== 'Established' ? x : false;
    }, { timeoutMs: 5000 });
    expect(p.lastError ?? '').toMatch(/Administrative shutdown/i);
    expect(await bird.routeCount('master4', 'speaker')).toBe(0);
  });
});
