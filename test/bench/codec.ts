// Codec benchmark: prints figures, asserts nothing. `node test/bench/codec.ts`
//
// 1. Decode and encode throughput on a realistic message mix (BIRD-like IPv4 UPDATEs with
//    communities, IPv6 MP_REACH_NLRI, withdrawals both ways, KEEPALIVEs), against a baseline
//    measured in the same run: the framer alone, which only splits the stream.
// 2. UPDATE packing of 10,000 and 100,000 identical-attribute IPv4 /32s and 20,000 IPv6 /128s,
//    with and without extended messages: messages and octets against the wire optimum, against
//    the naive encoding of one UPDATE per route (count, octets, time), measured in the same run.

import type { CodecContext } from '../../speaker/codec/context.ts';
import { defaultContext } from '../../speaker/codec/context.ts';
import { Framer } from '../../speaker/codec/framer.ts';
import { decodeFrame, encodeMessage } from '../../speaker/codec/message.ts';
import type { BgpMessage } from '../../speaker/codec/types.ts';
import { packUpdates } from '../../speaker/codec/update-builder.ts';
import type { Announcement, RouteAttributes } from '../../speaker/codec/update-builder.ts';
import { realisticMix } from './support/message-mix.ts';

const standard: CodecContext = defaultContext;
const extended: CodecContext = { ...defaultContext, extendedMessages: true };

/** Median wall time in ms of `runs` calls after `warmup` unmeasured ones; the last result. */
function measure<T>(fn: () => T, runs = 5, warmup = 2): { ms: number; result: T } {
  let result = fn();
  for (let i = 1; i < warmup; i++) result = fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[runs >> 1]!, result };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const row = (cells: (string | number)[], widths: number[]) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');

// ---------------------------------------------------------------- 1. throughput

function throughput(): void {
  const messages = realisticMix(20_000);
  const frames = messages.map((m) => encodeMessage(m, standard));
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    stream.set(f, at);
    at += f.length;
  }
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += 65536) chunks.push(stream.subarray(i, i + 65536));
  const mb = stream.length / 1e6;
  const counts = messages.reduce<Record<string, number>>((c, m) => {
    const k = m.type === 'update' ? (m.nlri.length > 0 ? 'ipv4-update' : m.attributes.mpReach ? 'ipv6-update' : m.attributes.mpUnreach ? 'ipv6-withdraw' : 'ipv4-withdraw') : m.type;
    c[k] = (c[k] ?? 0) + 1;
    return c;
  }, {});
  const routes = messages.reduce((n, m) => n + (m.type === 'update' ? m.nlri.length + m.withdrawn.length + (m.attributes.mpReach?.nlri.length ?? 0) + (m.attributes.mpUnreach?.withdrawn.length ?? 0) : 0), 0);
  console.log(`Message mix: ${fmt(messages.length)} messages, ${fmt(stream.length)} octets, ${fmt(routes)} prefixes`);
  console.log(`  (${Object.entries(counts).map(([k, n]) => `${k} ${fmt(n)}`).join(', ')})`);

  const frameOnly = measure(() => {
    const framer = new Framer();
    let n = 0;
    for (const c of chunks) n += framer.push(c).length;
    return n;
  });
  // Decoded messages are dropped as they come, as a session folds them into its RIB.
  const decode = measure(() => {
    const framer = new Framer();
    let n = 0;
    for (const c of chunks) for (const f of framer.push(c)) n += decodeFrame(f, standard).message.type.length;
    return n;
  });
  const decoded: BgpMessage[] = frames.map((f) => decodeFrame(f, standard).message);
  const encode = measure(() => {
    let octets = 0;
    for (const m of decoded) octets += encodeMessage(m, standard).length;
    return octets;
  });
  if (encode.result !== stream.length) throw new Error(`re-encoded ${encode.result} octets, expected ${stream.length}`);

  const w = [34, 10, 12, 12, 8, 10];
  console.log(row(['', 'ms', 'messages/s', 'prefixes/s', 'MB/s', 'vs frame'], w));
  for (const [name, ms] of [
    ['baseline: framer only', frameOnly.ms],
    ['decode (framer + decodeFrame)', decode.ms],
    ['encode (encodeMessage)', encode.ms],
  ] as const) {
    const perSecond = (n: number) => fmt((n / ms) * 1000);
    console.log(row([name, fmt(ms, 1), perSecond(messages.length), perSecond(routes), fmt(mb / (ms / 1000), 1), `${fmt(ms / frameOnly.ms, 1)}×`], w));
  }
}

// ---------------------------------------------------------------- 2. packing

const ebgp: RouteAttributes = { origin: 'igp', asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '192.0.2.1' };
const ebgp6: RouteAttributes = { origin: 'igp', asPath: [{ type: 'sequence', asns: [65001] }], mpNextHops: ['2001:db8::1'] };

function v4Routes(n: number): Announcement[] {
  return Array.from({ length: n }, (_, i) => ({ prefix: `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}/32`, attributes: ebgp }));
}

function v6Routes(n: number): Announcement[] {
  return Array.from({ length: n }, (_, i) => ({ prefix: `2001:db8::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}/128`, attributes: ebgp6 }));
}

/** The fewest messages and octets for n prefixes of `per` octets with `fixed` octets per message. */
function optimum(n: number, fixed: number, per: number, max: number): { count: number; bytes: number } {
  const count = Math.ceil(n / Math.floor((max - fixed) / per));
  return { count, bytes: n * per + count * fixed };
}

/** One UPDATE per route, as control planes that do not pack send them. */
function naive(routes: Announcement[], ctx: CodecContext): { count: number; bytes: number } {
  let bytes = 0;
  for (const r of routes) {
    const v6 = r.prefix.includes(':');
    const { mpNextHops, ...rest } = r.attributes;
    const attributes = v6 ? { ...rest, mpReach: { afi: 2, safi: 1, nextHops: [...mpNextHops!], nlri: [{ prefix: r.prefix }] } } : rest;
    bytes += encodeMessage({ type: 'update', withdrawn: [], attributes, nlri: v6 ? [] : [{ prefix: r.prefix }] }, ctx).length;
  }
  return { count: routes.length, bytes };
}

function packing(): void {
  // Fixed octets per UPDATE (see test/unit/codec/update-builder.test.ts for the arithmetic):
  // IPv4: 23 + ORIGIN 4 + AS_PATH 9 + NEXT_HOP 7 = 43, 5 per /32;
  // IPv6: 23 + ORIGIN 4 + AS_PATH 9 + MP_REACH_NLRI 4 + 21 = 61, 17 per /128.
  const scenarios = [
    { name: '10,000 IPv4 /32', routes: v4Routes(10_000), fixed: 43, per: 5 },
    { name: '100,000 IPv4 /32', routes: v4Routes(100_000), fixed: 43, per: 5 },
    { name: '20,000 IPv6 /128', routes: v6Routes(20_000), fixed: 61, per: 17 },
  ];
  const w = [34, 8, 10, 8, 10, 8, 8, 10, 9, 11];
  console.log(row(['', 'UPDATEs', 'octets', 'optimum', 'opt. oct.', 'pack ms', 'naive #', 'naive oct.', 'naive ms', 'octets'], w));
  for (const s of scenarios) {
    for (const [label, ctx] of [['4096', standard], ['65535 ext.', extended]] as const) {
      const packed = measure(() => packUpdates({ announce: s.routes }, ctx), 5, 1);
      const frames = packed.result;
      const bytes = frames.reduce((n, f) => n + f.length, 0);
      const best = optimum(s.routes.length, s.fixed, s.per, ctx.extendedMessages ? 65535 : 4096);
      const base = measure(() => naive(s.routes, ctx), 3, 1);
      const onOptimum = frames.length === best.count && bytes === best.bytes ? '' : ' (!)';
      console.log(
        row(
          [`${s.name}, ${label}`, `${fmt(frames.length)}${onOptimum}`, fmt(bytes), fmt(best.count), fmt(best.bytes), fmt(packed.ms, 1), fmt(base.result.count), fmt(base.result.bytes), fmt(base.ms, 1), `${fmt(base.result.bytes / bytes, 1)}× less`],
          w,
        ),
      );
    }
  }
}

console.log(`bgpcast codec benchmark — Node ${process.version}, ${new Date().toISOString()}\n`);
console.log('1. Decode and encode throughput (median of 5 runs)');
throughput();
console.log('\n2. UPDATE packing (median of 5 runs; naive = one UPDATE per route, median of 3)');
packing();
console.log(`\nRSS ${fmt(process.memoryUsage().rss / 1e6, 0)} MB`);
