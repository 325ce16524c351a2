// The speaker worker's delta path: prints figures, asserts nothing.
//   node test/bench/worker-delta.ts [--routes 10000] [--changes 30]
//
// A node holding `--routes` IPv4 routes toward a real BIRD, its desired state written by hand as the
// functions' compare-and-set script writes it (test/support/desired-writer.ts). Each change adds or withdraws one route; the figure is the
// time from the PUBLISH to the UPDATE leaving the speaker (its sent-UPDATE counter moving), p50 and
// max over the changes. Baseline measured in the same run: the same changes published as truncated
// deltas, which make the worker read the whole document — what every change cost before deltas
// carried the routes. Starts its own Redis and BIRD on loopback; stops only what it started.

import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import type { DesiredRouteChange } from '../../events/desired-delta.ts';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import { createLogger } from '../../events/log.ts';
import { createRedisClient } from '../../events/redis-client.ts';
import { freePort } from '../../infra/local/procs.ts';
import { startRedis } from '../../infra/local/redis.ts';
import { startSpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { loopbackBlock, startBird } from '../support/routers/index.ts';
import { DesiredWriter, type DesiredWrite } from '../support/desired-writer.ts';
import { peerConfig, route, testBackoff } from '../support/speaker.ts';

const { values } = parseArgs({ options: { routes: { type: 'string', default: '10000' }, changes: { type: 'string', default: '30' } } });
const ROUTES = Number(values.routes);
const CHANGES = Number(values.changes);
const NODE = 'worker1';
const say = (line = '') => process.stdout.write(`${line}\n`);
const slot = { instance: 'default', peer: 'router', afi: 'ipv4' as const };
const add = (prefix: string, communities: string[] = []): DesiredRouteChange => ({ ...slot, prefix, route: route(prefix, { communities }) });
const withdraw = (prefix: string): DesiredRouteChange => ({ ...slot, prefix, route: null });

function sessions(router: string, node: string, port: number): DesiredNodeState {
  return {
    node: NODE,
    instances: [
      {
        name: 'default',
        localASN: 64000,
        routerID: node,
        localPort: null,
        peers: [
          {
            name: 'router',
            peerAddress: router,
            peerASN: 65000,
            localAddress: node,
            config: peerConfig({ peerPort: port, connectRetryTimeSeconds: 2 }),
            families: [{ afi: 'ipv4', safi: 'unicast', routes: [] }],
          },
        ],
      },
    ],
  };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${s[Math.floor(s.length / 2)]!.toFixed(2)} ms, max ${s.at(-1)!.toFixed(2)} ms (n=${s.length})`;
};

const redisServer = await startRedis();
const block = loopbackBlock();
const addr = { router: block.addr(5), node: block.addr(11) };
const port = await freePort();
const prefix = `bench-${randomUUID().slice(0, 8)}`;
const redis: Redis = createRedisClient({ url: redisServer.url, role: 'service', name: 'bench-writer' });
const bird = await startBird({
  routerId: addr.router,
  address: addr.router,
  port,
  protocols: [{ name: 'worker1', localAs: 65000, neighborAddress: addr.node, neighborAs: 64000, passive: true, holdTime: 90, keepaliveTime: 30, ipv6: false as const }],
});

const writer = new DesiredWriter(redis, prefix, NODE);
const write = (changes: DesiredRouteChange[], o: DesiredWrite = {}) => writer.write(changes, o);

const table = Array.from({ length: ROUTES }, (_, i) => add(`10.${60 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`));
await write(table, { sessions: sessions(addr.router, addr.node, port), publish: false });
const worker = await startSpeakerWorker({
  redisUrl: redisServer.url,
  prefix,
  nodes: [{ name: NODE }],
  log: createLogger('bench-worker', 'warn'),
  speaker: { backoff: testBackoff },
  restarting: false,
});
try {
  await bird.waitEstablished('worker1', 30_000);
  await bird.waitFor(async () => (await bird.routeCount('master4', 'worker1')) === ROUTES, { timeoutMs: 120_000, what: `${ROUTES} routes at BIRD` });
  const session = worker.nodes.get(NODE)!.instances()[0]!.speaker.session('router')!;

  /** PUBLISH → the UPDATE sent, per change, alternating an added route and its withdrawal. */
  const series = async (truncated: boolean, tag: number): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const sent = session.counts.sent.update;
      const t0 = performance.now();
      await write([i % 2 === 0 ? add('10.99.0.0/24', [`65000:${tag + i}`]) : withdraw('10.99.0.0/24')], { truncated });
      for (let spins = 0; session.counts.sent.update === sent; spins++) {
        if (spins > 1_000_000) throw new Error('no UPDATE sent for a change');
        await yieldToLoop();
      }
      times.push(performance.now() - t0);
    }
    return times;
  };

  say(`worker delta path: one node holding ${ROUTES.toLocaleString('en-US')} routes toward BIRD, ${CHANGES} changes of one route each`);
  await series(false, 0); // warm-up: the first changes run before the JIT has optimised their path
  const baseline = await series(true, 1_000);
  const deltas = await series(false, 2_000);
  say(`  PUBLISH → UPDATE sent, delta applied:        ${stats(deltas)}`);
  say(`  baseline, truncated delta (document read):  ${stats(baseline)}`);
} finally {
  await worker.stop().catch(() => undefined);
  redis.disconnect();
  await bird.stop();
  await redisServer.stop();
}
