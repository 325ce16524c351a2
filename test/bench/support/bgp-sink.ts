// A receiving BGP peer for the end-to-end benchmark, run as its own process so that its work does
// not sit on the measured process's event loop. It accepts any number of sessions on one address
// (each speaker is told apart by the BGP identifier of its OPEN), answers OPEN and KEEPALIVE,
// keeps each session's current set of prefixes, and timestamps the arrival of watched prefixes.
//
// Parent side: startSink() spawns `node bgp-sink.ts HOST` and talks JSON lines over stdin/stdout:
//   → {"watch": [prefix, ...], "expect": n}   timestamp every later announcement of these prefixes
//   ← {"seen": prefix, "at": [[bgpId, epochMs], ...]}   once a prefix has n announcements
//   → {"counts": true}             ← {"counts": {bgpId: prefixes held, ...}}
// Timestamps are performance.timeOrigin + performance.now(), comparable across processes. A
// prefix is reported once, when complete, rather than per announcement: a line per UPDATE woke the
// parent — the process running the functions — a hundred times per change, while it was still
// writing later nodes.

import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { Framer } from '../../../speaker/codec/framer.ts';
import { decodeMessage, encodeMessage } from '../../../speaker/codec/message.ts';
import { buildOpen } from '../../../speaker/codec/open.ts';

const SINK_ASN = 65000;
const now = () => performance.timeOrigin + performance.now();

function runSink(host: string): void {
  const held = new Map<string, Set<string>>();
  // prefix → the announcements expected, and those seen so far.
  const watched = new Map<string, { expect: number; at: [string, number][] }>();
  const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const ctx = { ...defaultContext, fourOctetAs: true };
  const open = encodeMessage(
    buildOpen({
      asn: SINK_ASN,
      holdTime: 90,
      bgpId: '10.255.255.250',
      capabilities: [
        { code: 1, name: 'multiprotocol', afi: 1, safi: 1 },
        { code: 2, name: 'route-refresh' },
        { code: 65, name: 'four-octet-as', asn: SINK_ASN },
      ],
    }),
    ctx,
  );
  const keepalive = encodeMessage({ type: 'keepalive' }, ctx);
  const session = (sock: Socket) => {
    const framer = new Framer({ context: ctx });
    let id = '';
    const timer = setInterval(() => sock.write(keepalive), 20_000);
    sock.on('close', () => clearInterval(timer));
    sock.on('error', () => undefined);
    sock.on('data', (chunk: Buffer) => {
      const t = now();
      for (const frame of framer.push(new Uint8Array(chunk))) {
        const m = decodeMessage(frame, ctx);
        if (m.type === 'open') {
          id = m.bgpId;
          held.set(id, new Set());
          sock.write(open);
          sock.write(keepalive);
        } else if (m.type === 'update') {
          const set = held.get(id)!;
          for (const w of m.withdrawn) set.delete(w.prefix);
          for (const n of m.nlri) {
            set.add(n.prefix);
            const w = watched.get(n.prefix);
            if (w === undefined) continue;
            w.at.push([id, t]);
            if (w.at.length === w.expect) {
              out({ seen: n.prefix, at: w.at });
              watched.delete(n.prefix);
            }
          }
        }
      }
    });
  };
  const server = createServer(session);
  server.listen(0, host, () => {
    const a = server.address();
    out({ ready: true, port: typeof a === 'object' && a ? a.port : 0 });
  });
  createInterface({ input: process.stdin }).on('line', (line) => {
    const cmd = JSON.parse(line) as { watch?: string[]; expect?: number; counts?: boolean };
    for (const p of cmd.watch ?? []) watched.set(p, { expect: cmd.expect ?? 1, at: [] });
    if (cmd.counts) out({ counts: Object.fromEntries([...held].map(([k, v]) => [k, v.size])) });
  });
  process.stdin.on('end', () => process.exit(0));
}

export interface Seen {
  readonly prefix: string;
  readonly id: string;
  readonly t: number;
}

export interface Sink {
  readonly host: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Announcements of watched prefixes, each prefix's added at once when all expected arrived. */
  readonly seen: Seen[];
  /** Watch these prefixes until each was announced `expect` times (by any sessions). */
  watch(prefixes: readonly string[], expect: number): void;
  counts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startSink(host: string): Promise<Sink> {
  const child = spawn(process.execPath, [import.meta.filename, host], { stdio: ['pipe', 'pipe', 'inherit'] });
  const seen: Seen[] = [];
  let port = 0;
  let pendingCounts: ((c: Record<string, number>) => void) | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sink exited (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { ready?: boolean; port?: number; seen?: string; at?: [string, number][]; counts?: Record<string, number> };
      if (m.ready) {
        port = m.port!;
        resolve();
      } else if (m.seen) for (const [id, t] of m.at!) seen.push({ prefix: m.seen, id, t });
      else if (m.counts) pendingCounts?.(m.counts);
    });
  });
  await ready;
  const send = (o: unknown) => child.stdin!.write(`${JSON.stringify(o)}\n`);
  return {
    host,
    port,
    pid: child.pid,
    seen,
    watch: (prefixes, expect) => send({ watch: prefixes, expect }),
    counts: () =>
      new Promise((resolve) => {
        pendingCounts = resolve;
        send({ counts: true });
      }),
    async stop() {
      child.stdin!.end();
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    },
  };
}

if (import.meta.main) runSink(process.argv[2] ?? '127.0.0.1');
