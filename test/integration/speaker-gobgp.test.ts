// GoBGP 3.10 as the router, in network namespaces the test creates (GoBGP drops IPv4 routes with a
// 127/8 next hop, peers.md): hosts 192.0.2.1 (GoBGP) and 192.0.2.2 (our speaker, a child process
// in its namespace) on a veth pair — a directly connected eBGP session with TTL 1 — and iBGP.
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionStatus } from '../../speaker/session/session-status.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import { waitFor } from '../support/routers/common.ts';
import type { RunningGobgp } from '../support/routers/gobgp.ts';
import { startGobgp } from '../support/routers/gobgp.ts';
import type { NetnsTopology } from '../support/routers/netns.ts';
import { createTopology, spawnInNetns } from '../support/routers/netns.ts';
import { peer, route } from '../support/speaker.ts';

const child = resolve(import.meta.dirname, '../support/speaker-netns-child.ts');
let topo: NetnsTopology | null = null;
let gobgp: RunningGobgp | null = null;
let proc: ChildProcess | null = null;

afterEach(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        proc?.kill('SIGKILL');
        r(null);
      }, 5000);
      proc!.once('exit', () => {
        clearTimeout(t);
        r(null);
      });
    });
  }
  proc = null;
  await gobgp?.stop().catch(() => {});
  gobgp = null;
  await topo?.destroy();
  topo = null;
});

async function run(localAsn: number, routerAs: number) {
  ensureSockopt();
  topo = await createTopology();
  gobgp = await startGobgp({
    netns: topo.ns('router'),
    as: routerAs,
    routerId: '192.0.2.1',
    port: 179,
    addresses: ['192.0.2.1'],
    neighbors: [{ address: '192.0.2.2', peerAs: localAsn, localAddress: '192.0.2.1', passive: true, holdTime: 9, keepaliveInterval: 3 }],
  });
  const attrs = { communities: ['65001:7'], largeCommunities: ['65001:7:7'], localPreference: 150 };
  const p = peer({
    peerAddress: '192.0.2.1',
    peerPort: 179,
    peerASN: routerAs,
    localAddress: '192.0.2.2',
    ipv4: [route('198.51.100.0/24', attrs), route('203.0.113.7/32', attrs)],
  });
  const input = JSON.stringify({ speaker: { localASN: localAsn, routerID: '192.0.2.2', localPort: null }, peers: [p] });
  proc = spawnInNetns(topo.ns('speaker'), [process.execPath, child, input]);
  let last: SessionStatus | null = null;
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    try {
      last = (JSON.parse(l) as SessionStatus[])[0] ?? null;
    } catch {
      /* partial line */
    }
  });
  await waitFor(() => last?.state === 'Established', { timeoutMs: 20_000, what: 'our session Established', detail: () => JSON.stringify(last) });
  const g = gobgp;
  const paths = await g.waitFor(async (x) => {
    const a = await x.adjIn('192.0.2.2', 'ipv4');
    return a.length === 2 ? a : false;
  }, { timeoutMs: 15_000, what: 'two routes at GoBGP' });
  return { paths, status: () => last! };
}

describe('GoBGP from network namespaces', () => {
  it('eBGP, directly connected: our AS, next hop 192.0.2.2, communities; no LOCAL_PREF', async () => {
    const { paths, status } = await run(65001, 65000);
    for (const p of paths) {
      expect(p.asPath).toEqual([65001]);
      expect(p.nextHop).toBe('192.0.2.2');
      expect(p.communities).toEqual(['65001:7']);
      expect(p.largeCommunities).toEqual(['65001:7:7']);
      expect(p.localPref).not.toBe(150);
    }
    expect(status().localAddress).toBe('192.0.2.2');
  });

  it('iBGP: empty AS path and LOCAL_PREF', async () => {
    const { paths } = await run(65000, 65000);
    for (const p of paths) {
      expect(p.asPath).toEqual([]);
      expect(p.localPref).toBe(150);
      expect(p.nextHop).toBe('192.0.2.2');
    }
  });
});
