// The speaker's benchmark: 100,000 IPv4 /32s and 20,000 IPv6 /128s to a real BIRD, against
// the GoBGP → BIRD baseline measured in the same run (gobgp-baseline.ts, same BIRD setup, same
// prefixes). Prints figures; asserts nothing.
//
//   node test/bench/speaker.ts [--ipv4 100000] [--ipv6 20000] [--no-baseline]
//
// - preloaded: the speaker holds the table, BIRD starts and connects to our listening port; time
//   from BIRD's start until it holds every route — the figure GoBGP's "preloaded" is measured by;
// - live: the session is up and empty, then the table is set; time until BIRD holds every route;
// - UPDATEs and octets sent for the table (the wire optimum is ~4096-octet UPDATEs);
// - the process's RSS with the table toward 4 peers (one BIRD, 4 protocols), against its RSS
//   before the speaker was created.
import { DEFAULT_NEXT_HOP } from '../../events/desired-state.ts';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from '../../events/log.ts';
import { freePort } from '../../infra/local/procs.ts';
import type { SpeakerOptions, SpeakerPeer } from '../../speaker/speaker.ts';
import { Speaker } from '../../speaker/speaker.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import type { RunningBird } from '../support/routers/bird.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock } from '../support/routers/common.ts';
import { peer, route } from '../support/speaker.ts';
import type { BenchCounts } from './gobgp-baseline.ts';
import { BenchBirdAs, benchBirdOptions, benchPrefixes, DefaultCounts, formatBaseline, gobgpBaseline, measureBirdLoad } from './gobgp-baseline.ts';

export const OurAs = 65200;
const log = createLogger('bench-speaker', 'warn');
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (b: number) => `${Math.round(b / 1048576)} MiB`;

export function benchPeer(name: string, birdAddr: string, birdPort: number, ours: string, counts: BenchCounts, withRoutes: boolean): SpeakerPeer {
  const p = benchPrefixes(counts);
  return peer({
    name,
    peerAddress: birdAddr,
    peerPort: birdPort,
    peerASN: BenchBirdAs,
    localAddress: ours,
    holdTime: 90,
    keepalive: 30,
    ipv4: withRoutes ? p.ipv4.map((x) => route(x)) : [],
    ipv6: withRoutes ? p.ipv6.map((x) => route(x)) : [],
    extra: { passive: true },
    config: { nextHop: { ...DEFAULT_NEXT_HOP, ipv6: 'mapped' } },
  });
}

export async function newSpeaker(address: string | null, port: number, extra: Partial<SpeakerOptions> = {}): Promise<Speaker> {
  const sp = new Speaker({ localASN: OurAs, routerID: '10.255.255.2', localPort: port, listenAddress: address, log, ...extra });
  await sp.start();
  return sp;
}

async function preloaded(counts: BenchCounts) {
  const blk = loopbackBlock();
  const [birdPort, ourPort] = [await freePort(), await freePort()];
  const sp = await newSpeaker(blk.addr(2), ourPort);
  await sp.setPeers([benchPeer('bench', blk.addr(1), birdPort, blk.addr(2), counts, true)]);
  const t0 = Date.now();
  const bird = await startBird(benchBirdOptions({ address: blk.addr(1), port: birdPort, sender: { address: blk.addr(2), port: ourPort, as: OurAs } }));
  try {
    const times = await measureBirdLoad(bird, counts, t0);
    const st = sp.status()[0]!;
    return { ...times, updates: st.messages.sent.update, octets: st.octets.sent };
  } finally {
    await sp.stop();
    await bird.stop();
  }
}

async function live(counts: BenchCounts) {
  const blk = loopbackBlock();
  const [birdPort, ourPort] = [await freePort(), await freePort()];
  const sp = await newSpeaker(blk.addr(2), ourPort);
  await sp.setPeers([benchPeer('bench', blk.addr(1), birdPort, blk.addr(2), counts, false)]);
  const bird = await startBird(benchBirdOptions({ address: blk.addr(1), port: birdPort, sender: { address: blk.addr(2), port: ourPort, as: OurAs } }));
  try {
    await bird.waitEstablished('bench', 30_000);
    return await loadLive(sp, bird, counts);
  } finally {
    await sp.stop();
    await bird.stop();
  }
}

/** The table set on the established, empty session `bench`; the time until BIRD holds all of it. */
export async function loadLive(sp: Speaker, bird: RunningBird, counts: BenchCounts) {
  const before = sp.status()[0]!;
  const p = benchPrefixes(counts);
  const t0 = Date.now();
  sp.setRoutes('bench', 'ipv4', p.ipv4.map((x) => route(x)));
  sp.setRoutes('bench', 'ipv6', p.ipv6.map((x) => route(x)));
  const setMs = Date.now() - t0;
  const times = await measureBirdLoad(bird, counts, t0);
  const st = sp.status()[0]!;
  return { allMs: times.allMs, setMs, updates: st.messages.sent.update - before.messages.sent.update, octets: st.octets.sent - before.octets.sent };
}

async function fourPeers(counts: BenchCounts) {
  const blk = loopbackBlock();
  const [birdPort, ourPort] = [await freePort(), await freePort()];
  const rssBefore = process.memoryUsage().rss;
  // BIRD takes one protocol per neighbour address: 4 addresses of ours, 4 of BIRD's.
  const sp = await newSpeaker(null, ourPort);
  const names = [0, 1, 2, 3].map((i) => `bench${i}`);
  await sp.setPeers(names.map((n, i) => benchPeer(n, blk.addr(10 + i), birdPort, blk.addr(20 + i), counts, true)));
  const base = benchBirdOptions({ address: blk.addr(1), port: birdPort, sender: { address: blk.addr(2), port: ourPort, as: OurAs } });
  const proto = base.protocols[0]!;
  const t0 = Date.now();
  const bird = await startBird({
    ...base,
    protocols: names.map((name, i) => ({ ...proto, name, localAddress: blk.addr(10 + i), neighborAddress: blk.addr(20 + i) })),
  });
  try {
    for (const n of names) await bird.waitFor(async (b) => (await b.routeCount('master4', n)) >= counts.ipv4 && (await b.routeCount('master6', n)) >= counts.ipv6, { timeoutMs: 300_000, intervalMs: 100, what: `${n} full` });
    const allMs = Date.now() - t0;
    global.gc?.();
    return { allMs, rssBefore, rssAfter: process.memoryUsage().rss };
  } finally {
    await sp.stop();
    await bird.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { ipv4: { type: 'string' }, ipv6: { type: 'string' }, 'no-baseline': { type: 'boolean' } } });
  const counts = { ipv4: Number(values.ipv4 ?? DefaultCounts.ipv4), ipv6: Number(values.ipv6 ?? DefaultCounts.ipv6) };
  ensureSockopt();
  const note = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  note('speaker, preloaded');
  const pre = await preloaded(counts);
  note('speaker, live');
  const lv = await live(counts);
  note('speaker, 4 peers');
  const four = await fourPeers(counts);
  const out = [
    `bgpcast speaker → BIRD, ${counts.ipv4} IPv4 /32 + ${counts.ipv6} IPv6 /128`,
    `  preloaded speaker, BIRD connecting: Established ${s(pre.establishedMs)} after BIRD start, all routes ${s(pre.allMs)} ` +
      `(${s(pre.afterEstablishedMs)} after Established), ${pre.updates} UPDATEs, ${pre.octets} octets`,
    `  live, session up: routes set in ${s(lv.setMs)}, all at BIRD ${s(lv.allMs)} after, ${lv.updates} UPDATEs, ${lv.octets} octets`,
    `  4 peers (one BIRD, 4 protocols): all full ${s(four.allMs)} after BIRD start; RSS ${mib(four.rssAfter)} (before the speaker: ${mib(four.rssBefore)})`,
  ];
  if (!values['no-baseline']) {
    note('GoBGP baseline');
    const g = await gobgpBaseline(counts, note);
    out.push(formatBaseline(g));
    out.push(
      `  ratio speaker / GoBGP: preloaded ${(pre.allMs / g.preloaded.allMs).toFixed(2)}, ` +
        `after Established ${(pre.afterEstablishedMs / Math.max(1, g.preloaded.afterEstablishedMs)).toFixed(2)}, live ${(lv.allMs / g.live.allMs).toFixed(2)}`,
    );
  }
  process.stdout.write(out.join('\n') + '\n');
}
