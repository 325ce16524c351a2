// What the status writer reads from Redis, and how it hears that something changed there:
// - the world (functions/store/world-mirror.ts), only the kinds a NodeConfig and the conditions'
//   generations depend on, and LB IPAM's Services and pools when it runs; a blocking XREAD on the functions' change stream says when to sync it;
// - the conditions document, announced on <p>:{world}:conditions:changed;
// - each node's speaker report, announced on <p>:{<node>}:status:changed.
// Notifications are hints: the periodic resync reads everything again, and so does a reconnect.

import type { Redis } from 'ioredis';
import type { Logger } from '../../events/log.ts';
import { nodeKeys, nodeOfStatusChannel, statusChangedPattern, storeKeys, STATUS_FIELDS, type StoreKeys } from '../../events/redis-keys.ts';
import { peersDocumentSchema, type PeersDocument } from '../../events/speaker-status.ts';
import { readConditions } from '../store/desired-store.ts';
import { WorldMirror } from '../store/world-mirror.ts';
import type { SpeakerReport } from './node-status.ts';
import type { Condition } from './rules.ts';

/** What a NodeConfig's spec and the conditions' generations are computed from. */
const MIRRORED_KINDS = ['CiliumBGPClusterConfig', 'CiliumBGPPeerConfig', 'CiliumBGPNodeConfigOverride', 'Node', 'CiliumNode'];
/** And LB IPAM's inputs, when it runs. */
const LB_IPAM_KINDS = ['Service', 'CiliumLoadBalancerIPPool'];

export interface RedisConnections {
  /** Commands. */
  readonly redis: Redis;
  /** Blocking XREAD only. */
  readonly blocking: Redis;
  /** SUBSCRIBE mode only. */
  readonly subscriber: Redis;
}

export interface Notifications {
  conditions(): void;
  status(node: string): void;
  /** The subscription was (re)established: anything may have been missed. */
  resubscribed(): void;
}

export class RedisInputs {
  readonly keys: StoreKeys;
  readonly mirror: WorldMirror;
  private readonly c: RedisConnections;
  private readonly log: Logger;
  private readonly prefix: string;

  constructor(c: RedisConnections, prefix: string, log: Logger, lbIpam = false) {
    this.c = c;
    this.log = log;
    this.prefix = prefix;
    this.keys = storeKeys(prefix);
    this.mirror = new WorldMirror(c.redis, this.keys, { log, kinds: lbIpam ? [...MIRRORED_KINDS, ...LB_IPAM_KINDS] : MIRRORED_KINDS });
  }

  async readConditions(): Promise<Condition[] | null> {
    const stored = await readConditions(this.c.redis, this.keys);
    if (stored === null) return null;
    try {
      return JSON.parse(stored.document) as Condition[];
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'the conditions document is not JSON; ignored');
      return null;
    }
  }

  async readReports(nodes: Iterable<string>): Promise<Map<string, SpeakerReport>> {
    const list = [...nodes];
    const pipeline = this.c.redis.pipeline();
    for (const node of list) {
      pipeline.hmget(nodeKeys(this.prefix, node).status, STATUS_FIELDS.peers, STATUS_FIELDS.updatedAt, STATUS_FIELDS.heartbeatMs, STATUS_FIELDS.stoppedAt);
    }
    const replies = (await pipeline.exec()) ?? [];
    const readAtMs = Date.now();
    const out = new Map<string, SpeakerReport>();
    list.forEach((node, i) => {
      const [error, value] = replies[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      const [peers, updatedAt, heartbeatMs, stoppedAt] = value as (string | null)[];
      if (updatedAt == null && peers == null) return;
      out.set(node, {
        peers: this.parsePeers(node, peers ?? null),
        updatedAt: updatedAt ?? null,
        heartbeatMs: heartbeatMs ? Number(heartbeatMs) : null,
        stoppedAt: stoppedAt ?? null,
        readAtMs,
      });
    });
    return out;
  }

  private parsePeers(node: string, text: string | null): PeersDocument | null {
    if (text === null) return null;
    try {
      return peersDocumentSchema.parse(JSON.parse(text)) as unknown as PeersDocument;
    } catch (e) {
      this.log.warn({ node, err: (e as Error).message.split('\n')[0] }, 'unreadable speaker report; its node is written without peers');
      return null;
    }
  }

  /** Subscribes to the two kinds of announcements. */
  async subscribe(on: Notifications): Promise<void> {
    const sub = this.c.subscriber;
    sub.on('message', (channel: string) => {
      if (channel === this.keys.conditionsChanged) on.conditions();
    });
    sub.on('pmessage', (_pattern: string, channel: string) => {
      const node = nodeOfStatusChannel(this.prefix, channel);
      if (node !== null) on.status(node);
    });
    // Subscribing before the connection is ready would queue SUBSCRIBE ahead of ioredis's ready
    // check, whose INFO the server then refuses.
    if (sub.status !== 'ready') await new Promise((resolve) => sub.once('ready', resolve));
    await sub.subscribe(this.keys.conditionsChanged);
    await sub.psubscribe(statusChangedPattern(this.prefix));
    // ioredis subscribes again after a reconnect; what was announced meanwhile is lost.
    sub.on('ready', () => on.resubscribed());
  }

  /**
   * Waits up to `blockMs` for a change-stream entry after `cursor`; true when there is one. The
   * blocking connection is used for nothing else.
   */
  async worldChangedAfter(cursor: string, blockMs: number): Promise<boolean> {
    const reply = await this.c.blocking.xread('COUNT', 1, 'BLOCK', blockMs, 'STREAMS', this.keys.changes, cursor === '0-0' ? '0' : cursor);
    return reply !== null && reply.length > 0;
  }
}
