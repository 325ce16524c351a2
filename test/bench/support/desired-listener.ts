// Desired-state notifications as a speaker receives them, timestamped in a process of their own,
// for the end-to-end benchmark's baseline (produce → desired state written). In the measured
// process they cost a hundred Redis messages per change on the event loop that is still writing
// later nodes; here they cost that process nothing until it asks, after the change.
//
// Parent side: startListener() spawns `node desired-listener.ts REDIS_URL PREFIX` and talks JSON
// lines over stdin/stdout:
//   ← {"ready": true}                       subscribed
//   → {"since": epochMs}   ← {"notices": [[node, epochMs], ...]}   every notification since then
// Timestamps are performance.timeOrigin + performance.now(), comparable across processes.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRedisClient } from '../../../events/redis-client.ts';

const now = () => performance.timeOrigin + performance.now();

async function runListener(url: string, prefix: string): Promise<void> {
  const sub = createRedisClient({ url, role: 'subscriber', name: 'bench-listener' });
  const notices: [string, number][] = [];
  sub.on('pmessage', (_p: string, channel: string) => notices.push([/\{(.*)\}/.exec(channel)?.[1] ?? '', now()]));
  await sub.psubscribe(`${prefix}:*:desired:changed`);
  const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  out({ ready: true });
  createInterface({ input: process.stdin }).on('line', (line) => {
    const { since } = JSON.parse(line) as { since: number };
    out({ notices: notices.filter(([, t]) => t >= since) });
  });
  process.stdin.on('end', () => {
    sub.disconnect();
    process.exit(0);
  });
}

export interface Notice {
  readonly node: string;
  readonly t: number;
}

export interface Listener {
  readonly pid: number | undefined;
  /** The notifications received at or after `t`, in arrival order. */
  since(t: number): Promise<Notice[]>;
  stop(): Promise<void>;
}

export async function startListener(url: string, prefix: string): Promise<Listener> {
  const child = spawn(process.execPath, [import.meta.filename, url, prefix], { stdio: ['pipe', 'pipe', 'inherit'] });
  let answer: ((n: Notice[]) => void) | null = null;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`listener exited (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { ready?: boolean; notices?: [string, number][] };
      if (m.ready) resolve();
      else if (m.notices) answer?.(m.notices.map(([node, t]) => ({ node, t })));
    });
  });
  return {
    pid: child.pid,
    since: (t) =>
      new Promise((resolve) => {
        answer = resolve;
        child.stdin!.write(`${JSON.stringify({ since: t })}\n`);
      }),
    async stop() {
      child.stdin!.end();
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    },
  };
}

if (import.meta.main) void runListener(process.argv[2]!, process.argv[3]!);
