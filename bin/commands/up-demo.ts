// The parts of `bgpcast up` that watch the result: waiting for sessions to come up (with the
// elapsed time shown) and for what was applied to reach the speakers, printing the `peers` and
// `routes advertised` tables from the speakers' status in Redis, and the demo's router.

import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { endOffsets, groupCaughtUp } from '../../events/kafka/admin.ts';
import { nodeKeys } from '../../events/redis-keys.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import type { PeersDocument, RoutesDocument } from '../../events/speaker-status.ts';
import { peersDocumentSchema, routesDocumentSchema } from '../../events/speaker-status.ts';
import type { DemoRouterOptions } from '../../infra/local/bird.ts';
import type { SpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { collectReports } from '../views/node-status.ts';
import { peersTable } from '../views/peers-view.ts';
import { routesTable } from '../views/routes-view.ts';

/** The seed topology on loopback (infra/examples/loopback): the router and the two BGP nodes. */
export const DEMO_ROUTER: DemoRouterOptions = {
  address: '127.5.5.5',
  port: 179,
  asn: 65000,
  neighbors: [
    { name: 'worker1', address: '127.0.1.1', asn: 64000 },
    { name: 'worker2', address: '127.0.2.1', asn: 64000 },
  ],
};

interface SessionSummary {
  readonly node: string;
  readonly peer: string;
  readonly state: string;
}

function sessions(worker: SpeakerWorker): SessionSummary[] {
  const out: SessionSummary[] = [];
  for (const [node, w] of worker.nodes) {
    for (const { speaker } of w.instances()) for (const s of speaker.status()) out.push({ node, peer: s.peerAddress, state: s.state });
  }
  return out;
}

/**
 * Waits until `expected` sessions are Established, saying what it waits for every few seconds.
 * Resolves false on timeout or when `cancelled` resolves first.
 */
export async function waitEstablished(
  worker: SpeakerWorker,
  expected: number,
  timeoutMs: number,
  say: (m: string) => void,
  cancelled: Promise<unknown>,
): Promise<boolean> {
  let stop = false;
  void cancelled.then(() => (stop = true));
  const deadline = Date.now() + timeoutMs;
  let lastSaid = 0;
  while (!stop && Date.now() < deadline) {
    const all = sessions(worker);
    const up = all.filter((s) => s.state === 'Established');
    if (up.length >= expected) return true;
    if (Date.now() - lastSaid >= 3_000) {
      const waiting = all.filter((s) => s.state !== 'Established').map((s) => `${s.node}→${s.peer} ${s.state}`);
      say(`waiting for BGP sessions: ${up.length}/${expected} established${waiting.length ? ` (${waiting.join(', ')})` : ''}`);
      lastSaid = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export interface AppliedWait {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  readonly redis: Redis;
  readonly keys: StoreKeys;
  readonly worker: SpeakerWorker;
  readonly timeoutMs: number;
  readonly cancelled: Promise<unknown>;
}

/**
 * Waits until everything on the topic now has reached the speakers: the functions' group has
 * committed past it, no recomputation is pending, and every node's speaker has applied the
 * revision stored for it. Sessions can be established before the routes arrive (a node's first
 * revision may come before its Services were folded); the tables are printed after this, so
 * they show the routes the objects ask for. Resolves false on timeout or cancellation.
 */
export async function waitApplied(o: AppliedWait): Promise<boolean> {
  let stop = false;
  void o.cancelled.then(() => (stop = true));
  const deadline = Date.now() + o.timeoutMs;
  const end = await endOffsets(o.kafka, o.topic);
  const settled = async () => {
    if (!(await groupCaughtUp(o.kafka, o.groupId, o.topic, end))) return false;
    if ((await o.redis.hlen(o.keys.pending)) > 0) return false;
    for (const [node, w] of o.worker.nodes) {
      const stored = Number((await o.redis.hget(nodeKeys(o.keys.prefix, node).desired, 'revision')) ?? 0);
      if (w.revision < stored) return false;
    }
    return true;
  };
  while (!stop && Date.now() < deadline) {
    if (await settled()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** `bgpcast peers` and `bgpcast routes advertised ipv4 unicast`, as a user would run them. */
export async function printTables(redis: Redis, prefix: string): Promise<void> {
  const now = () => Date.now();
  const peers = await collectReports(redis, prefix, undefined, 'peers', (t) => peersDocumentSchema.parse(JSON.parse(t)) as unknown as PeersDocument, now);
  const routes = await collectReports(redis, prefix, undefined, 'routes', (t) => routesDocumentSchema.parse(JSON.parse(t)) as unknown as RoutesDocument, now);
  for (const p of [...peers.problems, ...routes.problems]) process.stderr.write(`bgpcast: ${p}\n`);
  process.stdout.write(`\n$ bgpcast peers\n${peersTable(peers.documents, Date.now())}`);
  process.stdout.write(
    `\n$ bgpcast routes advertised ipv4 unicast\n${routesTable(routes.documents, { table: 'advertised', afi: 'ipv4', safi: 'unicast' }, Date.now())}\n`,
  );
}
