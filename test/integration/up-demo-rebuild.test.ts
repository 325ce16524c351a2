// `bgpcast up --demo`, then `redis-cli FLUSHALL`: the desired state comes back by itself — the
// functions rebuild the world and every document from the topic — and the demo BIRD never loses
// a route: its routes from both speakers are sampled every 50 ms throughout, and it receives no
// withdrawal and no session reset. The demo runs against a Redis of its own, so FLUSHALL wipes
// only it.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import { createRedisClient } from '../../events/redis-client.ts';
import { storeKeys } from '../../events/redis-keys.ts';
import { startRedis } from '../../infra/local/redis.ts';
import { runCli } from '../support/cli.ts';
import { listening } from '../support/process.ts';
import { startDemo, stopUp } from '../support/up-process.ts';
import { birdCommand } from '../support/routers/bird-control.ts';
import { parseProtocol } from '../support/routers/index.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/routers/index.ts';

const run = promisify(execFile);

async function router(socket: string) {
  const out: Record<string, { routes: number; withdraws: number; since: number; state: string }> = {};
  for (const node of ['worker1', 'worker2']) {
    const p = parseProtocol((await birdCommand(socket, `show protocols all ${node}`)).lines);
    const ch = p.channels['ipv4'];
    out[node] = { routes: ch?.imported ?? 0, withdraws: ch?.importWithdraws?.received ?? 0, since: p.since, state: p.bgpState ?? '' };
  }
  return out;
}

it('up --demo: after redis-cli FLUSHALL the desired state comes back by itself and BIRD never loses a route', { timeout: 180_000 }, async () => {
  expect(await listening('127.5.5.5', 179), 'something already listens on 127.5.5.5:179 (a running demo?)').toBe(false);
  const dataDir = makeTempDir('demo-redis');
  const redis = await startRedis({ dataDir, log: () => undefined });
  const port = new URL(redis.url).port;
  const id = randomUUID().slice(0, 8);
  const env = {
    ...process.env,
    BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'),
    BGPCAST_REDIS_URL: redis.url,
    BGPCAST_EVENTS_TOPIC: `test.demo.${id}`,
    BGPCAST_REDIS_PREFIX: `demo-${id}`,
    BGPCAST_LOG_LEVEL: 'warn',
  };
  const keys = storeKeys(`demo-${id}`);
  const admin = createRedisClient({ url: redis.url, role: 'cli' });
  const demo = await startDemo(env);
  try {
    await admin.connect();
    const { socket } = demo.bird();
    const before = await router(socket);
    for (const node of ['worker1', 'worker2']) expect(before[node]).toMatchObject({ routes: 5, state: 'Established' });
    const epoch = await admin.hget(keys.log, 'epoch');
    const desiredBefore = await runCli(['desired', 'worker1', '-o', 'json'], env);

    let fewest = Number.POSITIVE_INFINITY;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const r = await router(socket).catch(() => null);
        if (r) {
          fewest = Math.min(fewest, r['worker1']!.routes, r['worker2']!.routes);
          samples += 1;
        }
        await new Promise((res) => setTimeout(res, 50));
      }
    })();

    const flushed = await run('redis-cli', ['-p', port, 'FLUSHALL']);
    expect(flushed.stdout.trim()).toBe('OK');

    await waitFor(
      async () => {
        const now = await admin.hget(keys.log, 'epoch');
        if (now === null || now === epoch || (await admin.hlen(keys.pending)) > 0) return false;
        const d = await runCli(['desired', 'worker1', '-o', 'json'], env);
        return d.code === 0 && (d.stdout.match(/"prefix"/g) ?? []).length === 5 ? d : false;
      },
      { timeoutMs: 60_000, what: 'the desired state rebuilt from the log' },
    );
    // A few more samples after the rebuild, while the speakers apply it.
    await new Promise((res) => setTimeout(res, 2_000));
    sampling = false;
    await sampler;

    const desiredAfter = await runCli(['desired', 'worker1', '-o', 'json'], env);
    const routesOf = (text: string) => (JSON.parse(text) as { instances: { peers: { families: { routes: unknown[] }[] }[] }[] }).instances.flatMap((i) => i.peers.flatMap((p) => p.families.flatMap((f) => f.routes)));
    expect(routesOf(desiredAfter.stdout)).toEqual(routesOf(desiredBefore.stdout));
    expect(samples).toBeGreaterThan(20);
    expect(fewest, 'routes at BIRD from each speaker, fewest seen').toBe(5);
    const after = await router(socket);
    for (const node of ['worker1', 'worker2']) {
      expect(after[node]!.since, `${node}: the session never reset`).toBe(before[node]!.since);
      expect(after[node]!.withdraws, `${node}: no withdrawal received`).toBe(before[node]!.withdraws);
    }

    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
  } finally {
    await stopUp(demo);
    admin.disconnect();
    await redis.stop();
    removeTempDir(dataDir);
  }
});
