// Bulk loading of GoBGP through `gobgp mrt inject global`, with the FIFO trick of peers.md: the
// CLI exits at end of file before gobgpd has taken the tail of the stream (hundreds of 100,000
// routes lost). Fed through a FIFO, the CLI sees no end of file until we close our end, which we
// do only once gobgpd's RIB holds the expected count.
import { constants, openSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnToFile, stopProcess, tail } from '../../../infra/local/procs.ts';
import { runOk } from './common.ts';

/** Paths the global RIB must hold once the file is in (absolute counts, not increments). */
export interface MrtExpect {
  ipv4?: number;
  ipv6?: number;
}

export interface InjectArgs {
  target: string;
  dir: string;
  file: string;
  expect: MrtExpect;
  timeoutMs: number;
  ribCount(afi: 'ipv4' | 'ipv6'): Promise<number>;
  logFile: string;
}

/** Opens the FIFO for writing once the reader has opened it (O_NONBLOCK open fails with ENXIO before). */
async function openWriter(fifo: string, deadline: number, readerGone: () => boolean): Promise<number> {
  for (;;) {
    try {
      return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
    }
    if (readerGone()) throw new Error('gobgp mrt inject exited before opening the FIFO');
    if (Date.now() > deadline) throw new Error('gobgp mrt inject did not open the FIFO in time');
    await sleep(20);
  }
}

function write(sock: Socket, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

async function reached(args: InjectArgs): Promise<boolean> {
  for (const afi of ['ipv4', 'ipv6'] as const) {
    const want = args.expect[afi];
    if (want !== undefined && (await args.ribCount(afi)) < want) return false;
  }
  return true;
}

export async function injectMrtThroughFifo(args: InjectArgs): Promise<void> {
  const deadline = Date.now() + args.timeoutMs;
  const fifo = join(args.dir, `inject-${process.pid}-${Date.now()}.fifo`);
  const cliLog = join(args.dir, 'mrt-inject.log');
  await runOk('mkfifo', [fifo]);
  const cli = spawnToFile('gobgp', ['--target', args.target, 'mrt', 'inject', 'global', fifo], cliLog, 'gobgp mrt inject');
  let sock: Socket | null = null;
  try {
    const fd = await openWriter(fifo, deadline, cli.hasExited);
    // A net.Socket over the FIFO's fd: non-blocking writes with backpressure, EPIPE if the reader dies.
    sock = new Socket({ fd, readable: false, writable: true });
    await write(sock, readFileSync(args.file));
    for (;;) {
      if (await reached(args)) break;
      if (cli.hasExited()) throw new Error(`gobgp mrt inject exited early\n${tail(cliLog)}`);
      if (Date.now() > deadline) {
        const have = `ipv4 ${await args.ribCount('ipv4')}, ipv6 ${await args.ribCount('ipv6')}`;
        throw new Error(`MRT inject: RIB has ${have}, expected ${JSON.stringify(args.expect)} within ${args.timeoutMs} ms\n${tail(args.logFile)}`);
      }
      await sleep(50);
    }
    sock.end();
    await Promise.race([cli.exited, sleep(5000, undefined, { ref: false })]);
  } finally {
    sock?.destroy();
    await stopProcess(cli, 2000, (m) => process.stderr.write(`[mrt inject] ${m}\n`));
    rmSync(fifo, { force: true });
  }
}
