// The speaker worker: one long-lived process standing for one or more nodes. Per node a
// NodeWorker (its instances and sessions) fed by the DesiredWatcher, and a StatusPublisher
// reporting to Redis. When Redis is away the sessions and the last applied routes stay exactly as
// they are. With BMP stations (`bmp`) or an audit sink (`audit`) every session reports to one wire
// tap (speaker/tap/); a BMP client per station exports it (speaker/bmp/), the audit publisher
// writes it to the audit topic (speaker/audit/) — never holding BGP up, Kafka there or not.
//
//   const worker = await startSpeakerWorker({ redisUrl, prefix, nodes: [{ name: 'worker1' }], log });
//   ...
//   await worker.stopForRestart();   // SIGTERM: graceful restart, routers keep the routes
//   // or: await worker.drain(30_000) // RFC 8326, then Cease

import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
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
import { BmpClient } from '../bmp/client.ts';
import { WireTaps } from '../tap/wire-taps.ts';
import { AuditPublisher, type AuditPublisherOptions } from '../audit/audit-publisher.ts';
import type { AuditSink } from '../../events/kafka/audit-producer.ts';
import { IpNodeFacts, type NodeFactsSource } from '../node/node-facts.ts';

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
  /** BMP stations to export every session to (RFC 7854, Adj-RIB-Out post-policy of RFC 8671). */
  readonly bmp?: readonly BmpStation[];
  /** Where to write what went on the wire (the audit topic), and the publisher's bounds. */
  readonly audit?: { readonly sink: AuditSink } & Pick<AuditPublisherOptions, 'buffer' | 'lingerMs' | 'retryMs' | 'maxRoutes'>;
  /** Told of every desired revision applied (speaker-telemetry.ts). */
  readonly observer?: ApplyObserver;
  /** The node's links, routes and neighbours (default: read with iproute2 once a node needs them). */
  readonly facts?: NodeFactsSource;
}

/** What an apply of a desired revision to a node took, for metrics. */
export interface ApplyOutcome {
  readonly seconds: number;
  readonly failed: boolean;
  /** For a delta: when the functions wrote it (their clock, epoch ms), when it says so. */
  readonly writtenAtMs: number | null;
}

export interface ApplyObserver {
  applied(node: NodeWorker, outcome: ApplyOutcome): void;
}

export interface BmpStation {
  readonly host: string;
  readonly port: number;
}

export interface SpeakerWorker {
  readonly nodes: ReadonlyMap<string, NodeWorker>;
  readonly watcher: DesiredWatcher;
  /** The command connection (status, desired reads), for probes. */
  readonly redis: Redis;
  /** The wire tap, when something consumes it (BMP). */
  readonly wire: WireTaps | null;
  readonly bmp: readonly BmpClient[];
  /** The audit publisher, when there is an audit sink. */
  readonly audit: AuditPublisher | null;
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
  // One process stands for nodes of one host: they share its facts.
  const ownFacts = o.facts === undefined ? new IpNodeFacts({ log: o.log }) : null;
  const facts = o.facts ?? ownFacts!;
  const wire = o.bmp?.length || o.audit ? new WireTaps({ onError: (err) => o.log.error({ err: String(err) }, 'wire tap consumer failed') }) : null;
  const bmp = (o.bmp ?? []).map(
    (station) =>
      new BmpClient({
        ...station,
        taps: wire!,
        log: o.log,
        sysName: hostname(),
        sysDescr: `bgpcast speaker for ${names.join(', ')}`,
      }),
  );
  const audit = o.audit ? new AuditPublisher({ ...o.audit, taps: wire!, nodes: names, log: o.log }) : null;
  audit?.start();
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
        facts,
        ...(o.speaker ? { speaker: o.speaker } : {}),
        ...(wire ? { wire } : {}),
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
      onDocument: (doc) =>
        observed(o.observer, nodes.get(doc.node)!, null, async () => {
          await nodes.get(doc.node)!.apply(doc.state, doc.revision, doc.epoch);
          publishers.get(doc.node)!.soon();
        }),
      onDelta: (node, delta) =>
        observed(o.observer, nodes.get(node)!, typeof delta.writtenAt === 'number' ? delta.writtenAt : null, async () => {
          await nodes.get(node)!.applyDelta(delta);
          publishers.get(node)!.soon();
        }),
      onResync: async (node) => {
        const w = nodes.get(node)!;
        if (w.needsRetry) await w.retry();
        await w.refreshSecrets();
      },
    });
    facts.onChange(() => {
      for (const [name, w] of nodes) void w.refreshFacts().then(() => publishers.get(name)!.soon(), (e: Error) => o.log.error({ node: name, err: e.message }, 'resolving node facts failed'));
    });
    for (const p of publishers.values()) p.start();
    for (const c of bmp) c.start();
    await watcher.start();
    return makeWorker(conn, nodes, publishers, watcher, { wire, bmp, audit, stopFacts: () => ownFacts?.stop() });
  } catch (e) {
    ownFacts?.stop();
    await Promise.all(bmp.map((c) => c.stop()));
    await audit?.stop(0);
    await conn.close();
    throw e;
  }
}

function makeWorker(
  conn: SpeakerRedis,
  nodes: Map<string, NodeWorker>,
  publishers: Map<string, StatusPublisher>,
  watcher: DesiredWatcher,
  exports: { wire: WireTaps | null; bmp: readonly BmpClient[]; audit: AuditPublisher | null; stopFacts: () => void },
): SpeakerWorker {
  let ended: Promise<void> | null = null;
  const end = (how: 'stopped' | 'restarting' | 'drained', fn: (w: NodeWorker) => Promise<void>) =>
    (ended ??= (async () => {
      exports.stopFacts();
      await watcher.close();
      // A last status with the sessions as they are, then the sessions end.
      await Promise.all([...publishers.values()].map((p) => p.tick(true)));
      await Promise.all([...nodes.values()].map(fn));
      // The sessions' last events (Peer Down) reach the BMP stations before Termination.
      await exports.wire?.flush();
      await Promise.all([...exports.bmp.map((c) => c.stop()), exports.audit?.stop()]);
      await Promise.all([...publishers.values()].map((p) => p.stop(how)));
      await conn.close();
    })());
  return {
    nodes,
    watcher,
    redis: conn.redis,
    wire: exports.wire,
    bmp: exports.bmp,
    audit: exports.audit,
    async flushStatus() {
      await Promise.all([...publishers.values()].map((p) => p.tick(true)));
    },
    stopForRestart: () => end('restarting', (w) => w.stopForRestart()),
    drain: (ms) => end('drained', (w) => w.drain(ms)),
    stop: () => end('stopped', (w) => w.stop()),
  };
}

async function observed(observer: ApplyObserver | undefined, node: NodeWorker, writtenAtMs: number | null, apply: () => Promise<void>): Promise<void> {
  if (!observer) return apply();
  const t0 = performance.now();
  const report = (failed: boolean) => observer.applied(node, { seconds: (performance.now() - t0) / 1000, failed, writtenAtMs });
  try {
    await apply();
  } catch (e) {
    report(true);
    throw e;
  }
  report(false);
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
