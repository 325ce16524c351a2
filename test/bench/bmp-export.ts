// What the wire tap and a BMP station cost the BGP path. Prints figures; asserts nothing.
//
//   node test/bench/bmp-export.ts [--ipv4 100000] [--ipv6 20000] [--deltas 200] [--runs 5]
//
// - in process: the Adj-RIB-Out sender (route change → UPDATE frames written) for the whole table
//   and for one-route deltas, with no wire tap (the baseline), a tap no one listens to, and a tap
//   feeding a BMP stream (the consumer's share is measured apart: it runs later, off the BGP path);
// - to a real BIRD: the table set while the session is up, time until BIRD holds every route,
//   without a BMP station and with one attached (a local TCP sink reading as fast as it can),
//   in the same run; and when the station had every Route Monitoring message.
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DesiredRoute } from '../../events/desired-state.ts';
import { createLogger } from '../../events/log.ts';
import { freePort } from '../../infra/local/procs.ts';
import { BmpClient } from '../../speaker/bmp/client.ts';
import { BmpStream } from '../../speaker/bmp/stream.ts';
import type { FamilyKey } from '../../speaker/codec/context.ts';
import { encodeOpen } from '../../speaker/codec/open.ts';
import { AdjRibOut } from '../../speaker/rib/adj-rib-out.ts';
import { nextHopFor } from '../../speaker/rib/next-hop.ts';
import { RouteSender } from '../../speaker/session/session-routes.ts';
import { Speaker } from '../../speaker/speaker.ts';
import { SessionWire } from '../../speaker/tap/session-wire.ts';
import { WireTaps } from '../../speaker/tap/wire-taps.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock, waitFor } from '../support/routers/common.ts';
import { negotiatedContext, peer, route } from '../support/speaker.ts';
import type { BenchCounts } from './gobgp-baseline.ts';
import { BenchBirdAs, benchBirdOptions, benchPrefixes, DefaultCounts, measureBirdLoad } from './gobgp-baseline.ts';

const log = createLogger('bench-bmp', 'warn');
const ms = (v: number) => `${v.toFixed(1)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
type Mode = 'no tap' | 'tap, no consumer' | 'tap + BMP stream';
const modes: Mode[] = ['no tap', 'tap, no consumer', 'tap + BMP stream'];

/** The sender path alone: whole table, then one-route deltas; the consumer's time apart. */
function inProcess(counts: BenchCounts, deltas: number, mode: Mode) {
  const ctx = negotiatedContext([1, 2]);
  const pending: (() => void)[] = [];
  const taps = new WireTaps({ schedule: (f) => void pending.push(f) });
  let bmpOctets = 0;
  let stream: BmpStream | null = null;
  if (mode === 'tap + BMP stream') {
    taps.attach({
      deliver: (events) => {
        for (const e of events) if (e.kind !== 'gap') bmpOctets += stream?.live(e)?.length ?? 0;
      },
    });
  }
  const wire = mode === 'no tap' ? null : new SessionWire({ taps, revision: () => 1 }, { name: 'p', peerAddress: '192.0.2.1', localAsn: 65001, routerId: '10.0.0.1' });
  const rib = new AdjRibOut({
    localAsn: 65001,
    internal: false,
    twoOctetPeer: false,
    nextHops: new Map([
      ['1/1', nextHopFor(1, { localAddress: '10.0.0.1', extendedNextHop: () => false })],
      ['2/1', nextHopFor(2, { localAddress: '10.0.0.1', extendedNextHop: () => true })],
    ]),
  });
  let octets = 0;
  const sender = new RouteSender(rib, ctx, (b) => (octets += b.length), wire);
  const open = { type: 'open' as const, version: 4, asn: 65000, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1', capabilities: [] };
  wire?.up(
    { local: { address: '10.0.0.1', port: 1 }, remote: { address: '192.0.2.1', port: 179 }, sentOpen: { bytes: encodeOpen(open), message: open }, receivedOpen: { bytes: encodeOpen(open), message: open }, negotiated: ctx },
    () => sender.table(),
  );
  if (mode === 'tap + BMP stream') stream = new BmpStream({ seq: 0, sessions: [] });
  const p = benchPrefixes(counts);
  const v4 = p.ipv4.map((x) => route(x));
  const v6 = p.ipv6.map((x) => route(x));
  const consume = () => {
    const t = performance.now();
    for (let f = pending.shift(); f; f = pending.shift()) f();
    return performance.now() - t;
  };
  let t = performance.now();
  sender.initial(new Map<FamilyKey, readonly DesiredRoute[]>([['1/1', v4], ['2/1', v6]]), false);
  const tableMs = performance.now() - t;
  const tableConsumerMs = consume();
  const per: number[] = [];
  let consumerMs = 0;
  for (let k = 0; k < deltas; k++) {
    const i = k % v4.length;
    t = performance.now();
    sender.update('1/1', [route(p.ipv4[i]!, { communities: [`65001:${k}`] })], []);
    per.push(performance.now() - t);
    consumerMs += consume();
  }
  return { tableMs, tableConsumerMs, deltaUs: median(per) * 1000, deltaConsumerUs: (consumerMs / deltas) * 1000, octets, bmpOctets };
}

/** A BMP station that reads everything and counts the Route Monitoring messages. */
async function sinkStation() {
  let buffered = Buffer.alloc(0);
  let routeMonitoring = 0;
  let octets = 0;
  const server = createServer((s) =>
    s.on('data', (d: Buffer) => {
      octets += d.length;
      buffered = Buffer.concat([buffered, d]);
      while (buffered.length >= 6 && buffered.length >= buffered.readUInt32BE(1)) {
        if (buffered[5] === 0) routeMonitoring += 1;
        buffered = buffered.subarray(buffered.readUInt32BE(1));
      }
    }),
  );
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { port, routeMonitoring: () => routeMonitoring, octets: () => octets, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The table set on an established, empty session to BIRD; with or without a BMP station. */
async function toBird(counts: BenchCounts, withBmp: boolean) {
  const blk = loopbackBlock();
  const [birdPort, ourPort] = [await freePort(), await freePort()];
  const station = withBmp ? await sinkStation() : null;
  const taps = station ? new WireTaps() : null;
  const client = station && taps ? new BmpClient({ host: '127.0.0.1', port: station.port, taps, log, sysName: 'bench', sysDescr: 'bench' }) : null;
  client?.start();
  const sp = new Speaker({ localASN: 65200, routerID: '10.255.255.2', localPort: ourPort, listenAddress: blk.addr(2), log, ...(taps ? { wire: { taps } } : {}) });
  await sp.start();
  await sp.setPeers([
    peer({ name: 'bench', peerAddress: blk.addr(1), peerPort: birdPort, peerASN: BenchBirdAs, localAddress: blk.addr(2), holdTime: 90, keepalive: 30, ipv4: [], ipv6: [], extra: { passive: true, nextHop: { mappedIpv6: true } } }),
  ]);
  const bird = await startBird(benchBirdOptions({ address: blk.addr(1), port: birdPort, sender: { address: blk.addr(2), port: ourPort, as: 65200 } }));
  try {
    await bird.waitEstablished('bench', 30_000);
    if (station) await waitFor(() => station.routeMonitoring() >= 2, { timeoutMs: 10_000, what: 'End-of-RIB at the station' });
    const before = sp.status()[0]!.messages.sent.update;
    const rmBefore = station?.routeMonitoring() ?? 0;
    const p = benchPrefixes(counts);
    const t0 = Date.now();
    sp.setRoutes('bench', 'ipv4', p.ipv4.map((x) => route(x)));
    sp.setRoutes('bench', 'ipv6', p.ipv6.map((x) => route(x)));
    const setMs = Date.now() - t0;
    const times = await measureBirdLoad(bird, counts, t0);
    const updates = sp.status()[0]!.messages.sent.update - before;
    let stationMs: number | null = null;
    if (station) {
      await waitFor(() => station.routeMonitoring() - rmBefore >= updates, { timeoutMs: 60_000, intervalMs: 10, what: 'every Route Monitoring at the station' });
      stationMs = Date.now() - t0;
    }
    return { setMs, allMs: times.allMs, updates, stationMs, stationOctets: station?.octets() ?? 0 };
  } finally {
    await sp.stop();
    await client?.stop();
    await station?.stop();
    await bird.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { ipv4: { type: 'string' }, ipv6: { type: 'string' }, deltas: { type: 'string' }, runs: { type: 'string' } } });
  const counts = { ipv4: Number(values.ipv4 ?? DefaultCounts.ipv4), ipv6: Number(values.ipv6 ?? DefaultCounts.ipv6) };
  const deltas = Number(values.deltas ?? 200);
  const runs = Number(values.runs ?? 5);
  ensureSockopt();
  const out = [`wire tap and BMP export, ${counts.ipv4} IPv4 /32 + ${counts.ipv6} IPv6 /128, ${deltas} one-route deltas, median of ${runs} runs`];
  for (const m of modes) inProcess(counts, 20, m); // warm-up
  for (const m of modes) {
    const r = Array.from({ length: runs }, () => inProcess(counts, deltas, m));
    const pick = (f: (x: (typeof r)[number]) => number) => median(r.map(f));
    out.push(
      `  in process, ${m.padEnd(16)}: table ${ms(pick((x) => x.tableMs))} on the BGP path` +
        (m === 'tap + BMP stream' ? ` (+ ${ms(pick((x) => x.tableConsumerMs))} later in the consumer, ${pick((x) => x.bmpOctets)} BMP octets)` : '') +
        `; a delta ${pick((x) => x.deltaUs).toFixed(1)} µs` +
        (m === 'tap + BMP stream' ? ` (+ ${pick((x) => x.deltaConsumerUs).toFixed(1)} µs in the consumer)` : ''),
    );
  }
  process.stderr.write('[bench] to BIRD without a BMP station\n');
  const plain = await toBird(counts, false);
  process.stderr.write('[bench] to BIRD with a BMP station\n');
  const bmp = await toBird(counts, true);
  out.push(
    `  to BIRD, no BMP station  : routes set in ${ms(plain.setMs)}, all at BIRD ${ms(plain.allMs)} after, ${plain.updates} UPDATEs`,
    `  to BIRD, BMP station on  : routes set in ${ms(bmp.setMs)}, all at BIRD ${ms(bmp.allMs)} after, ${bmp.updates} UPDATEs; ` +
      `every Route Monitoring at the station ${ms(bmp.stationMs ?? 0)} after (${bmp.stationOctets} octets in all)`,
  );
  process.stdout.write(out.join('\n') + '\n');
}
