// The control plane goes away, the routes stay: a speaker worker restarted with graceful restart
// loses nothing at BIRD (and a change made while it was down arrives once it is back), and Redis
// stopped for 10 s loses nothing either — the sessions stay up, and a change published meanwhile
// arrives once Redis is back. Redis wiped (FLUSHALL), or back from an older copy of its data: the
// functions rebuild the world and every document from the log by themselves, the speakers keep
// what they hold meanwhile and apply the rebuilt documents as a diff, so BIRD receives no
// withdrawal and no session resets. BIRD's tables are sampled every 50 ms throughout.

import { createRedisClient } from '../../events/redis-client.ts';
import { storeKeys } from '../../events/redis-keys.ts';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { startRedis, type RunningRedis } from '../../infra/local/redis.ts';
import { makeTempDir, removeTempDir } from '../support/routers/index.ts';
import type { Lab } from './pipeline-support.ts';
import { birdRoutes, find, startLab } from './pipeline-support.ts';

const steady = ['10.100.67.164/32', '10.103.112.96/32', '172.20.0.20/32'];
const pods = { worker1: '192.168.1.0/24', worker2: '192.168.2.0/24' } as const;

/** Polls BIRD every 50 ms; reports the fewest steady routes (per node) seen and any poll error. */
function sampler(lab: Lab) {
  let fewest = Number.POSITIVE_INFINITY;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const node of ['worker1', 'worker2'] as const) {
        const r = await birdRoutes(lab.bird, node).catch(() => null);
        if (!r) continue;
        const have = [...steady, pods[node]].filter((p) => r.get(p)?.nextHop === lab.addr[node]).length;
        fewest = Math.min(fewest, have);
        samples += 1;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { fewest, samples };
    },
  };
}

async function moveLoadBalancerIp(lab: Lab, ip: string): Promise<void> {
  const web = find(lab.objects, 'Service', 'web');
  (web['status'] as { loadBalancer: { ingress: { ip: string }[] } }).loadBalancer.ingress = [{ ip }];
  await lab.publish([web]);
}

async function waitForRoute(lab: Lab, prefix: string, gone: string, timeoutMs: number): Promise<void> {
  for (const node of ['worker1', 'worker2'] as const) {
    await lab.bird.waitFor(
      async (b) => {
        const r = await birdRoutes(b, node);
        return r.get(prefix)?.nextHop === lab.addr[node] && !r.has(gone);
      },
      { timeoutMs, what: `${prefix} (and not ${gone}) from ${node}` },
    );
  }
}

async function allRoutes(lab: Lab): Promise<void> {
  for (const node of ['worker1', 'worker2'] as const) {
    await lab.bird.waitEstablished(node, 30_000);
    await lab.bird.waitFor(async (b) => (await birdRoutes(b, node)).size === 5, { timeoutMs: 20_000, what: `5 routes from ${node}` });
  }
}

let lab: Lab | null = null;
afterEach(async () => {
  await lab?.close();
  lab = null;
});

describe('faults', () => {
  it('a speaker worker restarted with graceful restart: BIRD loses nothing, a change made meanwhile arrives', { timeout: 120_000 }, async () => {
    lab = await startLab({ brokers: inject('kafkaBrokers'), redisUrl: inject('redisUrl') });
    await lab.startWorker();
    await lab.publish(lab.objects);
    await allRoutes(lab);
    const watch = sampler(lab);
    await lab.worker!.stopForRestart();
    await lab.bird.waitFor(async (b) => (await b.protocol('worker1')).gracefulRestartActive || (await b.protocol('worker1')).bgpState !== 'Established', {
      timeoutMs: 10_000,
      what: 'BIRD notices the speaker is gone',
    });
    await moveLoadBalancerIp(lab, '172.20.0.12');
    await new Promise((r) => setTimeout(r, 3_000));
    await lab.startWorker();
    await waitForRoute(lab, '172.20.0.12/32', '172.20.0.10/32', 30_000);
    for (const node of ['worker1', 'worker2'] as const) {
      await lab.bird.waitFor(async (b) => !(await b.protocol(node)).gracefulRestartActive, { timeoutMs: 20_000, what: `${node} GR over` });
      expect((await birdRoutes(lab.bird, node)).size).toBe(5);
    }
    const { fewest, samples } = await watch.stop();
    expect(samples).toBeGreaterThan(20);
    expect(fewest, 'steady routes present at every sample').toBe(4);
  });

  it('Redis stopped for 10 s: sessions and routes stay, a change published meanwhile arrives when it is back', { timeout: 150_000 }, async () => {
    const dataDir = makeTempDir('redis-outage');
    let redis: RunningRedis | null = await startRedis({ dataDir, log: () => undefined });
    const port = Number(new URL(redis.url).port);
    try {
      lab = await startLab({ brokers: inject('kafkaBrokers'), redisUrl: redis.url });
      await lab.startWorker();
      await lab.publish(lab.objects);
      await allRoutes(lab);
      const since = { worker1: (await lab.bird.protocol('worker1')).since, worker2: (await lab.bird.protocol('worker2')).since };
      const watch = sampler(lab);

      // Stop Redis, keeping its data (SHUTDOWN SAVE writes dump.rdb; the restart loads it).
      const admin = createRedisClient({ url: redis.url, role: 'cli' });
      await admin.connect();
      await admin.call('SHUTDOWN', 'SAVE').catch(() => undefined);
      admin.disconnect();
      const pid = redis.pid;
      await waitGone(pid, 10_000);
      const downAt = Date.now();
      await new Promise((r) => setTimeout(r, 2_000));
      await moveLoadBalancerIp(lab, '172.20.0.13');
      await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - downAt))));
      for (const node of ['worker1', 'worker2'] as const) {
        expect((await birdRoutes(lab.bird, node)).has('172.20.0.10/32'), 'the old state stays while Redis is away').toBe(true);
      }
      redis = await startRedis({ port, dataDir, log: () => undefined });

      await waitForRoute(lab, '172.20.0.13/32', '172.20.0.10/32', 90_000);
      const { fewest } = await watch.stop();
      expect(fewest, 'steady routes present at every sample').toBe(4);
      for (const node of ['worker1', 'worker2'] as const) {
        const p = await lab.bird.protocol(node);
        expect(p.bgpState).toBe('Established');
        expect(p.since, `${node} session never reset`).toBe(since[node]);
      }
    } finally {
      await lab?.close();
      lab = null;
      await redis?.stop();
      removeTempDir(dataDir);
    }
  });
});

describe('Redis loses the store: rebuilt from the log, nothing withdrawn at the router', () => {
  async function withOwnRedis(run: (redis: RunningRedis, dataDir: string) => Promise<void>): Promise<void> {
    const dataDir = makeTempDir('redis-rebuild');
    const redis = await startRedis({ dataDir, log: () => undefined });
    try {
      await run(redis, dataDir);
    } finally {
      await lab?.close();
      lab = null;
      await redis.stop();
      removeTempDir(dataDir);
    }
  }

  async function routerState(l: Lab) {
    const out: Record<string, { since: number; withdraws: number }> = {};
    for (const node of ['worker1', 'worker2'] as const) {
      const p = await l.bird.protocol(node);
      out[node] = { since: p.since, withdraws: p.channels['ipv4']?.importWithdraws?.received ?? 0 };
    }
    return out;
  }

  it('FLUSHALL under the speakers: the documents come back by themselves, BIRD loses no route and no session, a later change arrives', { timeout: 120_000 }, async () => {
    await withOwnRedis(async (redis) => {
      lab = await startLab({ brokers: inject('kafkaBrokers'), redisUrl: redis.url });
      await lab.startWorker();
      await lab.publish(lab.objects);
      await allRoutes(lab);
      const admin = createRedisClient({ url: redis.url, role: 'cli' });
      await admin.connect();
      try {
        const keys = storeKeys(lab.prefix);
        const epoch = await admin.hget(keys.log, 'epoch');
        const before = await routerState(lab);
        const watch = sampler(lab);

        await admin.flushall();
        await lab.bird.waitFor(
          async () => {
            const now = await admin.hget(keys.log, 'epoch');
            const revisions = await Promise.all(['worker1', 'worker2'].map((n) => admin.hget(keys.desired(n), 'epoch')));
            return now !== null && now !== epoch && revisions.every((e) => e === now) && (await admin.hlen(keys.pending)) === 0;
          },
          { timeoutMs: 30_000, what: 'the store rebuilt from the log, every document under the new epoch' },
        );
        // The speakers follow the new epoch: a change now reaches BIRD as one withdrawal and one announcement.
        await moveLoadBalancerIp(lab, '172.20.0.14');
        await waitForRoute(lab, '172.20.0.14/32', '172.20.0.10/32', 30_000);
        const { fewest, samples } = await watch.stop();
        expect(samples).toBeGreaterThan(20);
        expect(fewest, 'steady routes present at every sample').toBe(4);
        const after = await routerState(lab);
        for (const node of ['worker1', 'worker2'] as const) {
          expect(after[node]!.since, `${node} session never reset`).toBe(before[node]!.since);
          expect(after[node]!.withdraws - before[node]!.withdraws, `${node}: only the moved address withdrawn`).toBe(1);
        }
      } finally {
        admin.disconnect();
      }
    });
  });

  it('Redis back from an older copy of its data: the speakers keep the newer routes until the rebuild, BIRD withdraws nothing still desired', { timeout: 150_000 }, async () => {
    await withOwnRedis(async (first, dataDir) => {
      let redis = first;
      lab = await startLab({ brokers: inject('kafkaBrokers'), redisUrl: redis.url });
      await lab.startWorker();
      await lab.publish(lab.objects);
      await allRoutes(lab);
      const admin = createRedisClient({ url: redis.url, role: 'cli' });
      await admin.connect();
      await admin.call('SAVE'); // the copy Redis will come back from
      // A change after the copy, folded, committed and at BIRD: the copy does not hold it.
      await moveLoadBalancerIp(lab, '172.20.0.15');
      await waitForRoute(lab, '172.20.0.15/32', '172.20.0.10/32', 30_000);
      const before = await routerState(lab);
      const watch = sampler(lab);
      const epoch = await admin.hget(storeKeys(lab.prefix).log, 'epoch');

      // kill -9: no save at exit; the restart loads the older dump.rdb.
      process.kill(redis.pid, 'SIGKILL');
      await waitGone(redis.pid, 10_000);
      admin.disconnect();
      redis = await startRedis({ port: Number(new URL(redis.url).port), dataDir, log: () => undefined });
      const keys = storeKeys(lab.prefix);
      const again = createRedisClient({ url: redis.url, role: 'cli' });
      await again.connect();
      try {
        const rebuilt = async () => {
          const now = await again.hget(keys.log, 'epoch');
          return now !== null && now !== epoch && (await again.hlen(keys.pending)) === 0 && (await again.hget(keys.desired('worker1'), 'epoch')) === now;
        };
        await lab.bird.waitFor(rebuilt, {
          timeoutMs: 30_000,
          what: 'the store rebuilt',
        });
        // Whatever revision the copy held, BIRD keeps the newer address, and never saw the older one again.
        await new Promise((r) => setTimeout(r, 1_000));
        for (const node of ['worker1', 'worker2'] as const) {
          const r = await birdRoutes(lab.bird, node);
          expect(r.has('172.20.0.15/32') && !r.has('172.20.0.10/32'), `${node}: the newer state`).toBe(true);
        }
        const { fewest } = await watch.stop();
        expect(fewest, 'steady routes present at every sample').toBe(4);
        const after = await routerState(lab);
        for (const node of ['worker1', 'worker2'] as const) {
          expect(after[node]!.withdraws, `${node}: nothing withdrawn`).toBe(before[node]!.withdraws);
        }
      } finally {
        again.disconnect();
        await redis.stop();
      }
    });
  });
});

afterAll(async () => {
  await lab?.close();
});

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`redis pid ${pid} still running`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
