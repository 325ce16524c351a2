// The speaker worker on the split desired layout (events/desired-delta.ts), written here by hand
// as the functions' compare-and-set script writes it — the sessions field and the routes hash
// changed, the revision bumped and the delta published in one MULTI — and checked at a real BIRD:
// a delta adding one route is one route update at BIRD, a delta withdrawing it one withdrawal, the
// session never resets; a gap (deltas lost) and a truncated delta converge by reading the document;
// a delta changing the sessions part adds a peer family. Then a node holding 10,000 routes: each
// delta of one route is one UPDATE on the wire, and BIRD ends with the table. (How fast that is:
// test/bench/worker-delta.ts.)

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../events/redis-client.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DesiredRouteChange } from '../../events/desired-delta.ts';
import type { DesiredNodeState, DesiredRoute } from '../../events/desired-state.ts';
import { DEFAULT_NEXT_HOP } from '../../events/desired-state.ts';
import { freePort } from '../../infra/local/procs.ts';
import type { SpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { startSpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import { loopbackBlock, startBird, waitFor, type RunningBird } from '../support/routers/index.ts';
import { DesiredWriter, type DesiredWrite } from '../support/desired-writer.ts';
import { route, testBackoff } from '../support/speaker.ts';
import { quiet } from './pipeline-support.ts';

const NODE = 'worker1';

let bird: RunningBird;
let redis: Redis;
let worker: SpeakerWorker | null = null;
let prefix: string;
let addr: { router: string; node: string };
let port: number;
let writer: DesiredWriter;

function desired(routes: DesiredRoute[], opts: { ipv6?: boolean } = {}): DesiredNodeState {
  return {
    node: NODE,
    instances: [
      {
        name: 'default',
        localASN: 64000,
        routerID: addr.node,
        localPort: null,
        peers: [
          {
            name: 'router',
            peerAddress: addr.router,
            peerASN: 65000,
            localAddress: addr.node,
            config: {
              peerPort: port,
              holdTimeSeconds: 9,
              keepAliveTimeSeconds: 3,
              connectRetryTimeSeconds: 2,
              ebgpMultihop: 1,
              gracefulRestart: { enabled: true, restartTimeSeconds: 60 },
              authSecretRef: null,
              gtsm: false,
              maxPrefixes: null,
              nextHop: DEFAULT_NEXT_HOP,
            },
            families: [
              { afi: 'ipv4', safi: 'unicast', routes },
              ...(opts.ipv6 ? [{ afi: 'ipv6' as const, safi: 'unicast' as const, routes: [] }] : []),
            ],
          },
        ],
      },
    ],
  };
}

const slot = { instance: 'default', peer: 'router', afi: 'ipv4' as const };
const add = (prefix: string, extra: Partial<DesiredRoute> = {}): DesiredRouteChange => ({ ...slot, prefix, route: route(prefix, extra) });
const withdraw = (prefix: string): DesiredRouteChange => ({ ...slot, prefix, route: null });

const write = (changes: DesiredRouteChange[], o: DesiredWrite = {}) => writer.write(changes, o);

async function stats() {
  const p = await bird.protocol('worker1');
  const ch = p.channels['ipv4']!;
  return { since: p.since, updates: ch.importUpdates?.received ?? 0, withdraws: ch.importWithdraws?.received ?? 0 };
}

const birdPrefixes = async () => (await bird.routes('master4', 'worker1')).map((r) => r.prefix).sort();

async function until(prefixes: string[], what: string) {
  const want = [...prefixes].sort();
  await bird.waitFor(async () => JSON.stringify(await birdPrefixes()) === JSON.stringify(want), { timeoutMs: 15_000, what });
}

beforeAll(async () => {
  ensureSockopt();
  const block = loopbackBlock();
  addr = { router: block.addr(5), node: block.addr(11) };
  port = await freePort();
  prefix = `test-${randomUUID().slice(0, 8)}`;
  redis = createRedisClient({ url: inject('redisUrl'), role: 'service', name: 'test-writer' });
  writer = new DesiredWriter(redis, prefix, NODE);
  bird = await startBird({
    routerId: addr.router,
    address: addr.router,
    port,
    protocols: [
      { name: 'worker1', localAs: 65000, neighborAddress: addr.node, neighborAs: 64000, passive: true, holdTime: 9, keepaliveTime: 3, gracefulRestartAware: true, ipv6: false as const },
    ],
  });
  const initial = [route('10.50.0.0/24'), route('10.50.1.0/24')];
  await write(initial.map((r) => add(r.prefix)), { sessions: desired([]), publish: false });
  worker = await startSpeakerWorker({
    redisUrl: inject('redisUrl'),
    prefix,
    nodes: [{ name: NODE }],
    log: quiet('speaker'),
    speaker: { backoff: testBackoff },
    restarting: false,
    statusCheckMs: 200,
    routesStatusMinIntervalMs: 200,
  });
  await bird.waitEstablished('worker1', 30_000);
  await until(['10.50.0.0/24', '10.50.1.0/24'], 'the two routes of the first read');
});

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await redis?.quit().catch(() => undefined);
  await bird?.stop();
});

describe('deltas on the split layout, at BIRD', () => {
  it('one route added: one route update at BIRD; withdrawn: one withdrawal; the session stays', async () => {
    const before = await stats();
    await write([add('10.50.2.0/24', { communities: ['65000:7'] })]);
    await until(['10.50.0.0/24', '10.50.1.0/24', '10.50.2.0/24'], 'the added route');
    const added = await bird.routesFor('10.50.2.0/24', 'worker1');
    expect(added[0]!.communities).toEqual(['65000:7']);
    const mid = await stats();
    expect(mid.updates - before.updates).toBe(1);
    expect(mid.withdraws - before.withdraws).toBe(0);
    await write([withdraw('10.50.2.0/24')]);
    await until(['10.50.0.0/24', '10.50.1.0/24'], 'the withdrawn route');
    const after = await stats();
    expect(after.updates - mid.updates).toBe(0);
    expect(after.withdraws - mid.withdraws).toBe(1);
    expect(after.since).toBe(before.since);
    expect(worker!.watcher.revision(NODE)).toBe(writer.revision);
  });

  it('a gap (deltas lost) and a truncated delta converge by reading the document', async () => {
    await write([add('10.50.3.0/24')], { publish: false });
    await write([withdraw('10.50.0.0/24')], { publish: false });
    await write([add('10.50.4.0/24')]); // previous is a revision this speaker never saw
    await until(['10.50.1.0/24', '10.50.3.0/24', '10.50.4.0/24'], 'the state after the gap');
    await write([add('10.50.9.0/24'), withdraw('10.50.1.0/24'), withdraw('10.50.3.0/24'), withdraw('10.50.4.0/24')], { truncated: true });
    await until(['10.50.9.0/24'], 'the state after a truncated delta');
    expect(worker!.watcher.revision(NODE)).toBe(writer.revision);
  });

  it('a delta with a new sessions part: the peer gains a family (session replaced) and keeps its routes', async () => {
    const w = worker!.nodes.get(NODE)!;
    const old = w.instances()[0]!.speaker.session('router');
    const held = await birdPrefixes();
    await write([], { sessions: desired([], { ipv6: true }) });
    await bird.waitFor(
      async () => {
        const now = w.instances()[0]!.speaker.session('router');
        if (!now || now === old || now.status().state !== 'Established') return false;
        return (await bird.protocol('worker1')).bgpState === 'Established' && JSON.stringify(await birdPrefixes()) === JSON.stringify(held);
      },
      { timeoutMs: 30_000, what: 're-established with the routes kept' },
    );
    expect(w.instances()[0]!.instance.peers[0]!.families.map((f) => f.afi)).toEqual(['ipv4', 'ipv6']);
    expect(w.desired!.instances[0]!.peers[0]!.families[0]!.routes.map((r) => r.prefix)).toEqual(held);
  });

  it('10,000 routes held: each delta of one route is one UPDATE on the wire', { timeout: 120_000 }, async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => add(`10.${60 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`));
    await write(many, { truncated: true, sessions: desired([]) });
    await bird.waitFor(async () => (await bird.routeCount('master4', 'worker1')) === 10_001, { timeoutMs: 60_000, what: '10,001 routes at BIRD' });
    const session = worker!.nodes.get(NODE)!.instances()[0]!.speaker.session('router')!;
    const before = session.counts.sent.update;
    for (let i = 0; i < 30; i++) {
      const sent = session.counts.sent.update;
      await write([i % 2 === 0 ? add('10.99.0.0/24', { communities: [`65000:${i}`] }) : withdraw('10.99.0.0/24')]);
      await waitFor(async () => session.counts.sent.update > sent, { timeoutMs: 15_000, what: `the UPDATE of change ${i + 1}` });
    }
    expect(session.counts.sent.update - before).toBe(30);
    await bird.waitFor(async () => (await bird.routeCount('master4', 'worker1')) === 10_001, { timeoutMs: 15_000, what: '10,001 routes at BIRD after the churn' });
  });
});
