// The Redis keys functions/ and speaker/ both touch, in one contract module (neither side imports
// the other). The values are those of functions/store/keys.ts, which documents the world keys.
//
// | key                           | type   | written by | holds                                              |
// | <p>:{<node>}:desired          | hash   | functions  | revision, seq, positions, updatedAt, routeCount,   |
// |                               |        |            | sessions (the document without routes, JSON)       |
// | <p>:{<node>}:desired:routes   | hash   | functions  | routeField() → routeValue(), one field per route   |
// | <p>:{<node>}:status           | hash   | speaker    | see STATUS_FIELDS (speaker-status.ts documents)    |
// | <p>:{world}:desired-nodes     | set    | functions  | nodes that have a desired document                 |
// | <p>:{world}:speakers          | zset   | speaker    | node → epoch ms of its speaker's last heartbeat    |
// Channel <p>:{<node>}:desired:changed carries a DesiredDelta (JSON, events/desired-delta.ts) per
// new revision: a hint, the two hashes are the truth (read them with events/desired-read.ts).
//
// Every per-node key carries the hash tag {<node>}, so one node's keys share a Redis Cluster slot.

export const DEFAULT_REDIS_PREFIX = 'bgpcast';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:16379';

export function redisPrefixFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env['BGPCAST_REDIS_PREFIX'] || DEFAULT_REDIS_PREFIX;
}

export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env['BGPCAST_REDIS_URL'] || DEFAULT_REDIS_URL;
}

/** The URL without its password, for logs and messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

export interface NodeKeys {
  readonly desired: string;
  /** The routes of the desired document, one field per route (events/desired-delta.ts). */
  readonly desiredRoutes: string;
  readonly desiredChanged: string;
  readonly status: string;
}

export function nodeKeys(prefix: string, node: string): NodeKeys {
  const base = `${prefix}:{${node}}`;
  return { desired: `${base}:desired`, desiredRoutes: `${base}:desired:routes`, desiredChanged: `${base}:desired:changed`, status: `${base}:status` };
}

export function desiredNodesKey(prefix: string): string {
  return `${prefix}:{world}:desired-nodes`;
}

export function speakersKey(prefix: string): string {
  return `${prefix}:{world}:speakers`;
}

/**
 * Fields of <p>:{<node>}:desired readers use: revision, updatedAt (last content change), sessions
 * (the document with every family's routes empty, JSON), routeCount (fields in the routes hash).
 * digest and document are the fields of the former whole-document layout: no longer written for
 * nodes, kept only until every reader has moved to `sessions` + the routes hash.
 */
export const DESIRED_FIELDS = {
  revision: 'revision',
  updatedAt: 'updatedAt',
  sessions: 'sessions',
  routeCount: 'routeCount',
  digest: 'digest',
  document: 'document',
} as const;

/**
 * Fields of <p>:{<node>}:status:
 * - updatedAt: RFC 3339 time of the last heartbeat (rewritten every heartbeat);
 * - heartbeatMs: the interval the speaker promises; older than 3 intervals = stale;
 * - speaker: JSON {host, pid, startedAt, version};
 * - revision: the desired revision applied;
 * - peers: JSON PeersDocument (small; rewritten on change);
 * - routes: JSON RoutesDocument (routes sent, received and available; rewritten on change);
 * - changedAt: RFC 3339 time peers/routes were last rewritten;
 * - stoppedAt, stoppedHow: set when the speaker stopped on purpose ('restarting': graceful
 *   restart, the routers keep the routes; 'drained'; 'stopped'), removed by the next heartbeat.
 */
export const STATUS_FIELDS = {
  updatedAt: 'updatedAt',
  heartbeatMs: 'heartbeatMs',
  speaker: 'speaker',
  revision: 'revision',
  peers: 'peers',
  routes: 'routes',
  changedAt: 'changedAt',
  stoppedAt: 'stoppedAt',
  stoppedHow: 'stoppedHow',
} as const;

/** A status key nobody refreshes disappears after this (a node removed for good). */
export const STATUS_TTL_S = 24 * 3600;

/**
 * <p>:{watch}:checkpoint:<source> — hash, written by `bgpcast watch`: object key → "resourceVersion
 * digest" of the last version Kafka acknowledged (events/kube/checkpoint.ts). One per watcher
 * source, so watchers of several clusters can share a Redis; its own hash tag, as nothing else
 * touches it in the same script.
 */
export function watchCheckpointKey(prefix: string, source: string): string {
  return `${prefix}:{watch}:checkpoint:${source}`;
}
