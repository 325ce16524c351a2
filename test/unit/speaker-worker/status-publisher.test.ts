// The status publisher under a burst of deltas: the peers part is rewritten on every tick that
// sees a change, the routes part (every route sent, a large JSON) at most once per interval, the
// last change still written once the interval is over, and a forced flush writes it at once. The
// routes part takes the desired routes from the worker's table, not from the sessions part.
// Applied changes ask for a write with soon(): one write per settle window, however many came.
// Time is a ManualClock: the intervals pass when the test moves it, not on the wall clock.
// Each peers rewrite is announced on the node's status:changed channel.

import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredDelta } from '../../../events/desired-delta.ts';
import type { DesiredNodeState } from '../../../events/desired-state.ts';
import { createLogger } from '../../../events/log.ts';
import type { RoutesDocument } from '../../../events/speaker-status.ts';
import { ManualClock } from '../../../speaker/session/clock.ts';
import { NodeWorker } from '../../../speaker/worker/node-worker.ts';
import { StatusPublisher, type StatusMulti, type StatusPublisherOptions, type StatusRedis } from '../../../speaker/worker/status-publisher.ts';
import { refusedConnect, route } from '../../support/speaker.ts';
import { desiredPeer } from './fixtures.ts';

const log = createLogger('test', 'silent');

/** Records the fields of every HSET of a MULTI. */
class FakeRedis implements StatusRedis {
  readonly status = 'ready';
  readonly writes: Record<string, string>[] = [];
  /** Channels published to, per MULTI (after the writes of the same MULTI). */
  readonly published: string[][] = [];
  multi(): StatusMulti {
    const channels: string[] = [];
    const fields: Record<string, string> = {};
    const chain: StatusMulti = {
      hset: (_key, ...kv) => {
        for (let i = 0; i < kv.length; i += 2) fields[kv[i]!] = kv[i + 1]!;
        return chain;
      },
      hdel: () => chain,
      expire: () => chain,
      zadd: () => chain,
      publish: (channel) => {
        channels.push(channel);
        return chain;
      },
      exec: async () => {
        this.writes.push(fields);
        this.published.push(channels);
        return [];
      },
    };
    return chain;
  }
}

const doc: DesiredNodeState = {
  node: 'n1',
  instances: [
    {
      name: 'i1',
      localASN: 64000,
      routerID: '10.0.0.1',
      localPort: null,
      peers: [desiredPeer('r1', '127.0.0.1', { peerPort: 1, families: [{ afi: 'ipv4', safi: 'unicast', routes: [route('10.0.0.0/24')] }] })],
    },
  ],
};

const delta = (revision: number): DesiredDelta => ({
  node: 'n1',
  epoch: 'e1',
  revision,
  previous: revision - 1,
  sessions: null,
  routes: [{ instance: 'i1', peer: 'r1', afi: 'ipv4', prefix: `10.1.${revision}.0/24`, route: route(`10.1.${revision}.0/24`) }],
  truncated: false,
});

let running: NodeWorker | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

/** A worker holding `doc` (its sessions never connect), a publisher over a stand-in Redis on a ManualClock. */
async function setup(options: Omit<StatusPublisherOptions, 'redis' | 'prefix' | 'worker' | 'log' | 'clock'>) {
  const redis = new FakeRedis();
  const clock = new ManualClock();
  const worker = new NodeWorker({ node: 'n1', log, passwords: () => null, speaker: { backoff: { baseMs: 60_000, factor: 2, maxMs: 60_000, stableMs: 60_000 }, connect: refusedConnect } });
  running = worker;
  await worker.apply(doc, 1);
  const publisher = new StatusPublisher({ redis, prefix: 'p', worker, log, clock, ...options });
  return { redis, clock, publisher, worker };
}

describe('StatusPublisher', () => {
  it('a burst of deltas: peers each tick, routes once per interval, then the last state; a forced flush at once', async () => {
    const { redis, clock, publisher, worker } = await setup({ routesMinIntervalMs: 300 });
    await publisher.tick();
    for (let rev = 2; rev <= 41; rev++) {
      await worker.applyDelta(delta(rev));
      await publisher.tick();
    }
    const routesWrites = () => redis.writes.filter((w) => 'routes' in w);
    const peersWrites = redis.writes.filter((w) => 'peers' in w);
    expect(peersWrites).toHaveLength(41);
    expect(JSON.parse(peersWrites.at(-1)!['revision']!)).toBe(41);
    expect(routesWrites()).toHaveLength(1);
    // Every rewrite of the peers report is announced, after it in the same MULTI.
    expect(redis.published.filter((c) => c.length > 0)).toHaveLength(41);
    expect(redis.published.every((c, i) => ('peers' in redis.writes[i]! ? c.join() === 'p:{n1}:status:changed' : c.length === 0))).toBe(true);

    clock.advance(299);
    await publisher.tick(); // the interval is not over yet
    expect(routesWrites()).toHaveLength(1);
    clock.advance(1);
    await publisher.tick(); // nothing new since the burst, but the routes part is behind
    expect(routesWrites()).toHaveLength(2);
    const routes = JSON.parse(routesWrites().at(-1)!['routes']!) as RoutesDocument;
    expect(routes.revision).toBe(41);
    expect(routes.instances[0]!.available).toHaveLength(41);

    await worker.applyDelta(delta(42));
    await publisher.tick(true);
    expect(routesWrites()).toHaveLength(3);
    expect((JSON.parse(routesWrites().at(-1)!['routes']!) as RoutesDocument).instances[0]!.available).toHaveLength(42);
  });

  it('soon(): a stream of applied changes costs one status write per settle window, with the last revision', async () => {
    const { redis, clock, publisher, worker } = await setup({ checkMs: 60_000, settleMs: 40, reportRoutes: false });
    publisher.start(); // writes the first status at once
    await publisher.idle();
    expect(redis.writes).toHaveLength(1);
    for (let rev = 2; rev <= 21; rev++) {
      await worker.applyDelta(delta(rev));
      publisher.soon();
      clock.advance(1);
    }
    await publisher.idle();
    expect(redis.writes).toHaveLength(1); // nothing yet: the window is open (20 of its 40 ms)
    clock.advance(20);
    await publisher.idle();
    expect(redis.writes).toHaveLength(2);
    expect(JSON.parse(redis.writes[1]!['revision']!)).toBe(21);
    // A later change opens a new window.
    await worker.applyDelta(delta(22));
    publisher.soon();
    clock.advance(40);
    await publisher.idle();
    expect(redis.writes).toHaveLength(3);
    clock.advance(59_000); // and nothing after it until the periodic check
    await publisher.idle();
    expect(redis.writes.map((w) => w['revision'])).toEqual(['1', '21', '22']);
    await publisher.stop('stopped');
  });

  it('soon() after stop() writes nothing', async () => {
    const { redis, clock, publisher, worker } = await setup({ checkMs: 60_000, settleMs: 20, reportRoutes: false });
    publisher.start();
    await publisher.idle();
    expect(redis.writes).toHaveLength(1);
    await publisher.stop('stopped');
    // The stop is recorded and announced.
    expect(redis.writes).toHaveLength(2);
    expect(redis.writes[1]).toMatchObject({ stoppedHow: 'stopped' });
    expect(redis.published[1]).toEqual(['p:{n1}:status:changed']);
    expect(clock.pending).toBe(0);
    await worker.applyDelta(delta(2));
    publisher.soon();
    clock.advance(120_000);
    await publisher.idle();
    expect(redis.writes).toHaveLength(2);
  });

  it('the periodic check writes a change seen by no soon(), and the heartbeat rewrites updatedAt on time', async () => {
    const { redis, clock, publisher, worker } = await setup({ checkMs: 1_000, heartbeatMs: 5_000, reportRoutes: false });
    publisher.start();
    await publisher.idle();
    await worker.applyDelta(delta(2));
    clock.advance(1_000);
    await publisher.idle();
    expect(redis.writes.map((w) => w['revision'])).toEqual(['1', '2']);
    for (let s = 0; s < 4; s++) {
      clock.advance(1_000);
      await publisher.idle();
    }
    expect(redis.writes).toHaveLength(2); // 4 s without a change: no write
    clock.advance(1_000);
    await publisher.idle();
    expect(redis.writes).toHaveLength(3); // 5 s after the last write: the heartbeat
    expect(redis.writes[2]).not.toHaveProperty('peers');
    expect(redis.writes[2]!['updatedAt']).toBe(new Date(clock.wallNow()).toISOString());
    await publisher.stop('stopped');
  });
});
