// What the wire tap and a BMP station cost the BGP path. Prints figures; asserts nothing.
//
//   node test/bench/bmp-export.ts [--ipv4 100000] [--ipv6 20000] [--deltas 200] [--runs 7]
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
import type { WireEvent } from '../../speaker/tap/wire-events.ts';
import { WireTaps } from '../../speaker/tap/wire-taps.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock, waitFor } from '../support/routers/common.ts';
import { route } from '../support/speaker.ts';
import { manualTaps, tappedSender } from '../support/tapped-sender.ts';
import type { BenchCounts } from './gobgp-baseline.ts';
import { benchBirdOptions, benchPrefixes, DefaultCounts } from './gobgp-baseline.ts';
import { benchPeer, loadLive, newSpeaker, OurAs } from './speaker.ts';

const log = createLogger('bench-bmp', 'warn');
const ms = (v: number) => `${v.toFixed(1)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
type Mode = 'no tap' | 'tap, no consumer' | 'tap + BMP stream';
const modes: Mode[] = ['no tap', 'tap, no consumer', 'tap + BMP stream'];

/** The sender path alone: whole table, then one-route deltas; the consumer's time apart. */
function inProcess(counts: BenchCounts, deltas: number, mode: Mode) {
  let bmpOctets = 0;
  let stream: BmpStream | null = null;
  const consumer = {
    deliver: (events: readonly WireEvent[]) => {
      for (const e of events) if (e.kind !== 'gap') bmpOctets += stream?.live(e)?.length ?? 0;
    },
  };
  const m = manualTaps(mode === 'tap + BMP stream' ? { consumer } : {});
  let octets = 0;
  const { sender } = tappedSender(mode === 'no tap' ? null : m.taps, { revision: () => 1, send: (b) => (octets += b.length) });
  if (mode === 'tap + BMP stream') stream = new BmpStream({ seq: 0, sessions: [] });
  const p = benchPrefixes(counts);
  const v4 = p.ipv4.map((x) => route(x));
  const v6 = p.ipv6.map((x) => route(x));
  const consume = () => {
    const t = performance.now();
    m.deliver();
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
  const sp = await newSpeaker(blk.addr(2), ourPort, taps ? { wire: { taps } } : {});
  await sp.setPeers([benchPeer('bench', blk.addr(1), birdPort, blk.addr(2), counts, false)]);
  const bird = await startBird(benchBirdOptions({ address: blk.addr(1), port: birdPort, sender: { address: blk.addr(2), port: ourPort, as: OurAs } }));
  try {
    await bird.waitEstablished('bench', 30_000);
    if (station) await waitFor(() => station.routeMonitoring() >= 2, { timeoutMs: 10_000, what: 'End-of-RIB at the station' });
    const rmBefore = station?.routeMonitoring() ?? 0;
    const t0 = Date.now();
    const loaded = await loadLive(sp, bird, counts);
    let stationMs: number | null = null;
    if (station) {
      await waitFor(() => station.routeMonitoring() - rmBefore >= loaded.updates, { timeoutMs: 60_000, intervalMs: 10, what: 'every Route Monitoring at the station' });
      stationMs = Date.now() - t0;
    }
    return { ...loaded, stationMs, stationOctets: station?.octets() ?? 0 };
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
  const runs = Number(values.runs ?? 7);
  ensureSockopt();
  const out = [`wire tap and BMP export, ${counts.ipv4} IPv4 /32 + ${counts.ipv6} IPv6 /128, ${deltas} one-route deltas, median of ${runs} runs`];
  for (const m of modes) inProcess(counts, 20, m); // warm-up
  // Interleaved, so that a slower stretch of the shared machine falls on every mode alike.
  const results = new Map(modes.map((m) => [m, [] as ReturnType<typeof inProcess>[]]));
  for (let k = 0; k < runs; k++) for (const m of modes) results.get(m)!.push(inProcess(counts, deltas, m));
  for (const m of modes) {
    const r = results.get(m)!;
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
