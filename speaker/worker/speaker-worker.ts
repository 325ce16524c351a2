// The speaker worker: one long-lived process standing for one or more nodes. Per node a
// NodeWorker (its instances and sessions) fed by the DesiredWatcher, and a StatusPublisher
// reporting to Redis. The worker never talks to Kafka; when Redis is away the sessions and the
// last applied routes stay exactly as they are.
//
//   const worker = await startSpeakerWorker({ redisUrl, prefix, nodes: [{ name: 'worker1' }], log });
//   ...
//   await worker.stopForRestart();   // SIGTERM: graceful restart, routers keep the routes
//   // or: await worker.drain(30_000) // RFC 8326, then Cease

import { hostname } from 'node:os';
import type { Logger } from '../../events/log.ts';
import { nodeKeys, STATUS_FIELDS } from '../../events/redis-keys.ts';
import type { SpeakerInfo } from '../../events/speaker-status.ts';
import { ensureSockopt, loadSockopt } from '../transport/sockopt.ts';
import { DesiredWatcher } from './desired-watcher.ts';
import type { NodeWorkerOptions } from './node-worker.ts';
import { NodeWorker } from './node-worker.ts';
import { createSpeakerRedis } from './redis-clients.ts';
import type { SpeakerRedis } from './redis-clients.ts';
import type { PasswordLookup } from './secrets.ts';
import { directoryPasswords, secretsDirFromEnv } from './secrets.ts';
import { StatusPublisher } from './status-publisher.ts';

export interface WorkerNode {
  readonly name: string;
  /** Address the node's instances listen on when they have a localPort (default: all). */
  readonly listenAddress?: string | null;
}

export interface SpeakerWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly nodes: readonly WorkerNode[];
  readonly log: Logger;
  readonly passwords?: PasswordLookup;
  readonly resyncMs?: number;
  readonly heartbeatMs?: number;
  readonly statusCheckMs?: number;
  readonly routesStatusMinIntervalMs?: number;
  readonly reportRoutes?: boolean;
  /**
   * Whether the first sessions carry the graceful-restart R-bit. 'auto' (default): when the node's
   * status in Redis says its previous speaker stopped for a restart or is recent.
   */
  readonly restarting?: boolean | 'auto';
  readonly speaker?: NodeWorkerOptions['speaker'];
}

export interface SpeakerWorker {
  readonly nodes: ReadonlyMap<string, NodeWorker>;
  readonly watcher: DesiredWatcher;
  /** Writes every node's status now. */
  flushStatus(): Promise<void>;
  stopForRestart(): Promise<void>;
  drain(waitMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSpeakerWorker(o: SpeakerWorkerOptions): Promise<SpeakerWorker> {
  const names = [...new Set(o.nodes.map((n) => n.name))];
  if (names.length === 0) throw new Error('no node to speak for');
  socketOptions(o.log);
  const conn: SpeakerRedis = createSpeakerRedis(o.redisUrl, o.log);
  const passwords = o.passwords ?? directoryPasswords(secretsDirFromEnv());
  const info: SpeakerInfo = { host: hostname(), pid: process.pid, startedAt: new Date().toISOString() };
  const nodes = new Map<string, NodeWorker>();
  const publishers = new Map<string, StatusPublisher>();
  try {
    for (const n of o.nodes) {
      if (nodes.has(n.name)) continue;
      const restarting = o.restarting === undefined || o.restarting === 'auto' ? await previousSpeaker(conn, o.prefix, n.name) : o.restarting;
      const worker = new NodeWorker({
        node: n.name,
        log: o.log,
        passwords,
        listenAddress: n.listenAddress ?? null,
        restarting,
        ...(o.speaker ? { speaker: o.speaker } : {}),
      });
      nodes.set(n.name, worker);
      publishers.set(
        n.name,
        new StatusPublisher({
          redis: conn.redis,
          prefix: o.prefix,
          worker,
          log: o.log,
          speaker: info,
          ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
          ...(o.statusCheckMs !== undefined ? { checkMs: o.statusCheckMs } : {}),
          ...(o.routesStatusMinIntervalMs !== undefined ? { routesMinIntervalMs: o.routesStatusMinIntervalMs } : {}),
          ...(o.reportRoutes !== undefined ? { reportRoutes: o.reportRoutes } : {}),
        }),
      );
    }
    const watcher = new DesiredWatcher({
      redis: conn.redis,
      subscriber: conn.subscriber,
      prefix: o.prefix,
      nodes: names,
      log: o.log,
      ...(o.resyncMs !== undefined ? { resyncMs: o.resyncMs } : {}),
      onDocument: async (doc) => {
        await nodes.get(doc.node)!.apply(doc.state, doc.revision);
        publishers.get(doc.node)!.soon();
      },
      onDelta: async (node, delta) => {
        await nodes.get(node)!.applyDelta(delta);
        publishers.get(node)!.soon();
      },
      onResync: async (node) => {
        const w = nodes.get(node)!;
        if (w.needsRetry) await w.retry();
        await w.refreshSecrets();
      },
    });
    for (const p of publishers.values()) p.start();
    await watcher.start();
    return makeWorker(conn, nodes, publishers, watcher);
  } catch (e) {
    await conn.close();
    throw e;
  }
}

function makeWorker(
  conn: SpeakerRedis,
  nodes: Map<string, NodeWorker>,
  publishers: Map<string, StatusPublisher>,
  watcher: DesiredWatcher,
): SpeakerWorker {
  let ended: Promise<void> | null = null;
  const end = (how: 'stopped' | 'restarting' | 'drained', fn: (w: NodeWorker) => Promise<void>) =>
    (ended ??= (async () => {
      await watcher.close();
      // A last status with the sessions as they are, then the sessions end.
      await Promise.all([...publishers.values()].map((p) => p.tick(true)));
      await Promise.all([...nodes.values()].map(fn));
      await Promise.all([...publishers.values()].map((p) => p.stop(how)));
      await conn.close();
    })());
  return {
    nodes,
    watcher,
    async flushStatus() {
      await Promise.all([...publishers.values()].map((p) => p.tick(true)));
    },
    stopForRestart: () => end('restarting', (w) => w.stopForRestart()),
    drain: (ms) => end('drained', (w) => w.drain(ms)),
    stop: () => end('stopped', (w) => w.stop()),
  };
}

/**
 * The socket-option addon (TCP MD5, TTL, GTSM), built on first use when gcc is there. Without it
 * sessions still run on Node's own sockets, without those options: said once, loudly.
 */
function socketOptions(log: Logger): void {
  if (loadSockopt()) return;
  try {
    ensureSockopt();
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'socket-option addon unavailable: no TCP MD5, TTL or GTSM (run bash infra/bootstrap.sh)');
  }
}

/** A speaker ran for this node before us and stopped for a restart (or died recently). */
async function previousSpeaker(conn: SpeakerRedis, prefix: string, node: string): Promise<boolean> {
  try {
    const [how, updatedAt] = await conn.redis.hmget(nodeKeys(prefix, node).status, STATUS_FIELDS.stoppedHow, STATUS_FIELDS.updatedAt);
    if (how) return how === 'restarting';
    return updatedAt != null && Date.now() - Date.parse(updatedAt) < 10 * 60_000;
  } catch {
    return false;
  }
}
