// pmacct's BMP collector, pmbmpd (Debian package pmacct, 1.7.7), as a test station: its own config
// in a temp dir, listening on 127.0.0.1 and a free port, every BMP message logged as one JSON
// object per line (bmp_daemon_msglog_file, bmp_daemon_msglog_output: json).
//
//   const station = await startPmbmpd();
//   ... a speaker with --bmp 127.0.0.1:${station.port} ...
//   await station.waitFor((records) => records.some((r) => r.bmp_msg_type === 'peer_up'), { timeoutMs: 10_000 });
//   await station.stop();
//
// What pmbmpd 1.7.7 logs (msglog): `log_init` / `log_close` per BMP connection; `bmp_msg_type`
// `init` (bmp_init_info_sysname, _sysdescr), `peer_up` (peer_ip, peer_asn, bgp_id, local_ip,
// local_port, remote_port, is_in/is_out, is_post), `route_monitor` (log_type update/withdraw,
// afi, safi, ip_prefix, bgp_nexthop, as_path, comms, lcomms, origin, local_pref, …), `peer_down`
// (reason_type, reason_str), `term` (bmp_term_info_reason). It decodes the UPDATEs with what it
// read from the two OPENs of the Peer Up but does not print the OPENs.
//
// pmbmpd ignores SIGTERM and SIGINT while it waits for data: it is stopped with SIGKILL (it holds
// nothing that needs a clean exit: the msglog lines are written as they come).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spawned } from '../../../infra/local/procs.ts';
import { freePort, spawnToFile, tail, waitUntil } from '../../../infra/local/procs.ts';
import type { WaitOptions } from './common.ts';
import { makeTempDir, removeTempDir, waitFor } from './common.ts';

/** One line of pmbmpd's msglog (fields as pmbmpd names them). */
export type PmbmpdRecord = Record<string, unknown> & { readonly event_type: string; readonly bmp_msg_type?: string };

export interface StartPmbmpdOptions {
  /** Default 127.0.0.1. */
  address?: string;
  /** Default a free port. */
  port?: number;
  readyTimeoutMs?: number;
}

export interface RunningPmbmpd {
  readonly dir: string;
  readonly address: string;
  readonly port: number;
  readonly msglogFile: string;
  readonly logFile: string;
  readonly pid: number;
  /** Every msglog record so far (all BMP connections, in order). */
  records(): PmbmpdRecord[];
  waitFor<T>(probe: (records: PmbmpdRecord[]) => T | undefined | null | false, opts: WaitOptions): Promise<T>;
  /** SIGKILL and start again on the same port with the same files (a collector restart). */
  restart(): Promise<void>;
  /** Only SIGKILL (see the header); the files stay until stop(). */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

export function renderPmbmpdConfig(o: { address: string; port: number; msglogFile: string }): string {
  return [
    '! Written by test/support/routers/pmbmpd.ts',
    `bmp_daemon_ip: ${o.address}`,
    `bmp_daemon_port: ${o.port}`,
    'bmp_daemon_max_peers: 10',
    `bmp_daemon_msglog_file: ${o.msglogFile}`,
    'bmp_daemon_msglog_output: json',
    '',
  ].join('\n');
}

/** The msglog as records; a line still being written is left for the next read. */
export function parsePmbmpdLog(text: string): PmbmpdRecord[] {
  const out: PmbmpdRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as PmbmpdRecord);
    } catch {
      // a partial last line
    }
  }
  return out;
}

/** A route as pmbmpd logged it, in the form BIRD's parser gives (bird-parse.ts). */
export interface PmbmpdRoute {
  readonly prefix: string;
  readonly nextHop: string;
  readonly asPath: number[];
  readonly communities: string[];
  readonly largeCommunities: string[];
  readonly origin: 'igp' | 'egp' | 'incomplete';
}

// pmbmpd writes ORIGIN as i, e, u (incomplete).
const origins = { i: 'igp', e: 'egp', u: 'incomplete' } as const;
const words = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim().split(/\s+/) : []);

/** The BMP connections in the log: the records of each, from its log_init on. */
export function pmbmpdConnections(records: readonly PmbmpdRecord[]): PmbmpdRecord[][] {
  const out: PmbmpdRecord[][] = [];
  for (const r of records) {
    if (r.event_type === 'log_init') out.push([]);
    out.at(-1)?.push(r);
  }
  return out;
}

/**
 * The routes a connection's Route Monitoring leaves for one peer and table: announcements and
 * withdrawals applied in order (`adjRibOut`: the O flag, RFC 8671), prefix → route.
 */
export function pmbmpdRoutes(connection: readonly PmbmpdRecord[], peerIp: string, adjRibOut = true): Map<string, PmbmpdRoute> {
  const rib = new Map<string, PmbmpdRoute>();
  for (const r of connection) {
    if (r.bmp_msg_type !== 'route_monitor' || r['peer_ip'] !== peerIp || (r['is_out'] === 1) !== adjRibOut) continue;
    const prefix = String(r['ip_prefix']);
    if (r['log_type'] === 'withdraw') rib.delete(prefix);
    else {
      rib.set(prefix, {
        prefix,
        nextHop: String(r['bgp_nexthop']),
        asPath: words(r['as_path']).map(Number),
        communities: words(r['comms']),
        largeCommunities: words(r['lcomms']),
        origin: origins[String(r['origin']) as keyof typeof origins],
      });
    }
  }
  return rib;
}

export async function startPmbmpd(opts: StartPmbmpdOptions = {}): Promise<RunningPmbmpd> {
  const dir = makeTempDir('pmbmpd');
  const address = opts.address ?? '127.0.0.1';
  const port = opts.port ?? (await freePort());
  const msglogFile = join(dir, 'bmp-msglog.json');
  const logFile = join(dir, 'pmbmpd.log');
  const configFile = join(dir, 'pmbmpd.conf');
  writeFileSync(configFile, renderPmbmpdConfig({ address, port, msglogFile }));
  const readyLine = `waiting for BMP data on ${address}:${port}`;
  let proc: Spawned | null = null;

  const launch = async (): Promise<void> => {
    const offset = existsSync(logFile) ? readFileSync(logFile, 'utf8').length : 0;
    const p = spawnToFile('pmbmpd', ['-f', configFile], logFile, 'pmbmpd', 'pmbmpd not found: apt-get install -y pmacct');
    proc = p;
    try {
      await waitUntil(() => readFileSync(logFile, 'utf8').slice(offset).includes(readyLine), {
        proc: p,
        timeoutMs: opts.readyTimeoutMs ?? 10_000,
        intervalMs: 50,
        what: `pmbmpd (${configFile})`,
        logFile,
      });
    } catch (err) {
      await kill();
      throw err;
    }
  };
  const kill = async (): Promise<void> => {
    const p = proc;
    proc = null;
    if (!p || p.hasExited()) return;
    p.child.kill('SIGKILL');
    await p.exited;
  };
  const records = () => (existsSync(msglogFile) ? parsePmbmpdLog(readFileSync(msglogFile, 'utf8')) : []);

  try {
    await launch();
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
  return {
    dir, address, port, msglogFile, logFile,
    get pid() {
      return proc?.pid ?? -1;
    },
    records,
    waitFor(probe, wopts) {
      return waitFor(() => probe(records()), { detail: () => `${tail(msglogFile, 20)}\n${tail(logFile, 10)}`, ...wopts });
    },
    async restart() {
      await kill();
      await launch();
    },
    kill,
    start: launch,
    async stop(sopts = {}) {
      await kill();
      if (!sopts.keepDir) removeTempDir(dir);
    },
  };
}
