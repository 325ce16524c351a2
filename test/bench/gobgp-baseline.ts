// The GoBGP → BIRD baseline of the speaker's benchmark: the same prefixes (100,000 IPv4 /32s and
// 20,000 IPv6 /128s by default) fed by GoBGP to the same BIRD setup that the speaker's benchmark
// uses, so that both figures come from one script and one machine.
//
//   node test/bench/gobgp-baseline.ts [--ipv4 100000] [--ipv6 20000]
//
// Two figures (test/support/routers/README.md):
// - preloaded: GoBGP already holds the table (loaded through MRT), BIRD starts and connects; time
//   from BIRD's start (and from Established) until BIRD holds every route;
// - live: the session is up and empty, the table is loaded into GoBGP through MRT; time from the
//   start of the load until BIRD holds every route.
// The speaker's benchmark reuses benchBirdOptions(), benchPrefixes() and measureBirdLoad().
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../../infra/local/procs.ts';
import type { RunningBird, StartBirdOptions } from '../support/routers/bird.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock, makeTempDir, removeTempDir, waitFor } from '../support/routers/common.ts';
import { startGobgp } from '../support/routers/gobgp.ts';
import type { RunningGobgp } from '../support/routers/gobgp.ts';
import type { MrtRoute } from '../support/routers/mrt.ts';
import { writeTableDump } from '../support/routers/mrt.ts';

export interface BenchCounts {
  ipv4: number;
  ipv6: number;
}

export const DefaultCounts: BenchCounts = { ipv4: 100_000, ipv6: 20_000 };
export const BenchBirdProtocol = 'bench';
export const BenchBirdAs = 65100;

/** 10.0.0.0/32 upwards and 2001:db8:1::/128 upwards: the same prefixes for every sender. */
export function benchPrefixes(counts: BenchCounts): { ipv4: string[]; ipv6: string[] } {
  const ipv4 = Array.from({ length: counts.ipv4 }, (_, i) => {
    const n = (10 << 24) + i;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/32`;
  });
  // Canonical text (RFC 5952), as BIRD and the codec print them: 2001:db8:1::/128, 2001:db8:1::1/128...
  const ipv6 = Array.from({ length: counts.ipv6 }, (_, i) => {
    const [hi, lo] = [(i >>> 16).toString(16), (i & 0xffff).toString(16)];
    return i === 0 ? '2001:db8:1::/128' : i < 0x10000 ? `2001:db8:1::${lo}/128` : `2001:db8:1::${hi}:${lo}/128`;
  });
  return { ipv4, ipv6 };
}

/**
 * The receiving BIRD of the benchmark: one eBGP protocol `bench` (AS 65100) toward the sender,
 * import all, export none, harness defaults otherwise (connect delay 1 s, multihop on loopback).
 */
export function benchBirdOptions(o: {
  address: string;
  port: number;
  sender: { address: string; port: number; as: number };
  passive?: boolean;
}): StartBirdOptions {
  return {
    routerId: '10.255.255.1', address: o.address, port: o.port,
    protocols: [{
      name: BenchBirdProtocol, localAs: BenchBirdAs, neighborAddress: o.sender.address, neighborPort: o.sender.port,
      neighborAs: o.sender.as, passive: o.passive ?? false, holdTime: 90,
    }],
  };
}

export interface BirdLoadTimes {
  /** From t0 to Established (BIRD's view), ms. */
  establishedMs: number;
  /** From t0 until BIRD holds every expected route, ms. */
  allMs: number;
  /** allMs - establishedMs. */
  afterEstablishedMs: number;
}

/** Polls BIRD (every 50 ms) until protocol `bench` holds `expect` routes; times relative to `t0` (Date.now()). */
export async function measureBirdLoad(bird: RunningBird, expect: BenchCounts, t0: number, timeoutMs = 300_000): Promise<BirdLoadTimes> {
  let establishedAt = 0;
  const allAt = await waitFor(async () => {
    if (!establishedAt) {
      const p = await bird.protocol(BenchBirdProtocol);
      if (p.bgpState !== 'Established') return undefined;
      establishedAt = Date.now();
    }
    const v4 = expect.ipv4 ? await bird.routeCount('master4', BenchBirdProtocol) : 0;
    const v6 = expect.ipv6 ? await bird.routeCount('master6', BenchBirdProtocol) : 0;
    return v4 >= expect.ipv4 && v6 >= expect.ipv6 ? Date.now() : undefined;
  }, { timeoutMs, intervalMs: 50, what: `BIRD holding ${expect.ipv4} + ${expect.ipv6} routes` });
  return { establishedMs: establishedAt - t0, allMs: allAt - t0, afterEstablishedMs: allAt - establishedAt };
}

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

export interface BaselineFigures {
  counts: BenchCounts;
  mrtWriteMs: number;
  mrtLoadMs: number;
  preloaded: BirdLoadTimes & { updatesSent: number };
  live: { allMs: number; updatesSent: number };
  gobgpRssMiB: number;
}

async function updatesSent(g: RunningGobgp, to: string): Promise<number> {
  const n = (await g.neighbor(to)) as { state?: { messages?: { sent?: { update?: number } } } };
  return Number(n.state?.messages?.sent?.update ?? 0);
}

/** Runs both baseline figures on fresh 127.x addresses and stops everything it started. */
export async function gobgpBaseline(counts: BenchCounts = DefaultCounts, log: (m: string) => void = () => {}): Promise<BaselineFigures> {
  const blk = loopbackBlock();
  const dir = makeTempDir('bench');
  const prefixes = benchPrefixes(counts);
  const routes: MrtRoute[] = [
    ...prefixes.ipv4.map((prefix) => ({ prefix, nextHop: '192.0.2.1' })),
    ...prefixes.ipv6.map((prefix) => ({ prefix, nextHop: '2001:db8::1' })),
  ];
  const mrt = join(dir, 'bench.mrt');
  let t = Date.now();
  writeTableDump(mrt, routes, { bgpId: '10.255.255.2', address: blk.addr(2), asn: 65200 });
  const mrtWriteMs = Date.now() - t;
  const stopAll: (() => Promise<void>)[] = [];
  try {
    const run = async (birdAddr: string, gobgpAddr: string, preload: boolean) => {
      const [birdPort, gobgpPort] = [await freePort(), await freePort()];
      const gobgp = await startGobgp({
        as: 65200, routerId: '10.255.255.2', port: gobgpPort, addresses: [gobgpAddr],
        // Passive: BIRD does the connecting, as in the speaker's benchmark.
        neighbors: [{ address: birdAddr, peerAs: BenchBirdAs, localAddress: gobgpAddr, remotePort: birdPort, passive: true }],
      });
      stopAll.push(() => gobgp.stop());
      let loadMs = 0;
      if (preload) {
        t = Date.now();
        await gobgp.injectMrt(mrt, counts, 300_000);
        loadMs = Date.now() - t;
      }
      t = Date.now();
      const bird = await startBird(benchBirdOptions({ address: birdAddr, port: birdPort, sender: { address: gobgpAddr, port: gobgpPort, as: 65200 } }));
      stopAll.push(() => bird.stop());
      return { gobgp, bird, t0: t, loadMs };
    };

    log(`preloaded: ${counts.ipv4} + ${counts.ipv6} routes in GoBGP, then BIRD starts`);
    const a = await run(blk.addr(1), blk.addr(2), true);
    const preloaded = await measureBirdLoad(a.bird, counts, a.t0);
    const preUpdates = await updatesSent(a.gobgp, blk.addr(1));
    const gobgpRssMiB = rssMiB(a.gobgp.pid);
    for (const stop of stopAll.splice(0).reverse()) await stop();

    log('live: session up and empty, then the table is loaded into GoBGP');
    const b = await run(blk.addr(3), blk.addr(4), false);
    await b.bird.waitEstablished(BenchBirdProtocol, 30_000);
    t = Date.now();
    await b.gobgp.injectMrt(mrt, counts, 300_000);
    const live = await measureBirdLoad(b.bird, counts, t);
    const liveUpdates = await updatesSent(b.gobgp, blk.addr(3));
    return {
      counts, mrtWriteMs, mrtLoadMs: a.loadMs, gobgpRssMiB,
      preloaded: { ...preloaded, updatesSent: preUpdates },
      live: { allMs: live.allMs, updatesSent: liveUpdates },
    };
  } finally {
    for (const stop of stopAll.reverse()) await stop().catch(() => {});
    removeTempDir(dir);
  }
}

export function formatBaseline(f: BaselineFigures): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return [
    `GoBGP → BIRD baseline, ${f.counts.ipv4} IPv4 /32 + ${f.counts.ipv6} IPv6 /128`,
    `  MRT file written in ${s(f.mrtWriteMs)}; loaded into GoBGP in ${s(f.mrtLoadMs)} (gobgpd RSS ${f.gobgpRssMiB} MiB)`,
    `  preloaded GoBGP, BIRD connecting: Established ${s(f.preloaded.establishedMs)} after BIRD start, ` +
      `all routes ${s(f.preloaded.allMs)} (${s(f.preloaded.afterEstablishedMs)} after Established), ${f.preloaded.updatesSent} UPDATEs`,
    `  live load into GoBGP with the session up: all routes at BIRD ${s(f.live.allMs)} after the load began, ${f.live.updatesSent} UPDATEs`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { ipv4: { type: 'string' }, ipv6: { type: 'string' } } });
  const counts = { ipv4: Number(values.ipv4 ?? DefaultCounts.ipv4), ipv6: Number(values.ipv6 ?? DefaultCounts.ipv6) };
  const figures = await gobgpBaseline(counts, (m) => process.stderr.write(`[baseline] ${m}\n`));
  process.stdout.write(formatBaseline(figures) + '\n');
}
