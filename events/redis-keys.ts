// The Redis key contract, the one description in code of every key functions/, speaker/ and the
// watcher use (functions/ and speaker/ do not import each other): how each key is named, its type, who writes it, and the fields
// of its hash or of the JSON it holds. REDIS_KEYS below is the table; the README's key tables are
// held to it by a unit test (test/unit/events/redis-keys.test.ts).
//
// Every key starts with a prefix <p> (BGPCAST_REDIS_PREFIX, default "bgpcast") so several
// deployments, tests or a clean replay can share one Redis. World keys share the hash tag {world}
// and each node's keys the tag {<node>}, so every Lua script touches one slot and the layout works
// on Redis Cluster. One prefix holds the world of one events topic, named in <p>:{world}:log with
// the store's epoch: every position in the prefix (the world's, a document's, a pending entry's)
// is an offset of that topic, and a document's positions count only under the epoch it names.

import type { DesiredDelta } from './desired-delta.ts';
import { CAUSES_ENTRY_FIELDS } from './causes.ts';

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

// --- key names ---------------------------------------------------------------------------------------

export interface NodeKeys {
  readonly desired: string;
  /** The routes of the desired document, one field per route (events/desired-delta.ts). */
  readonly desiredRoutes: string;
  readonly desiredChanged: string;
  readonly status: string;
  /** Announces each rewrite of the speaker's peers report (the revision applied), or 'stopped'. */
  readonly statusChanged: string;
  /** The events behind each desired revision written (events/causes.ts). */
  readonly causes: string;
}

export function nodeKeys(prefix: string, node: string): NodeKeys {
  const base = `${prefix}:{${node}}`;
  return {
    desired: `${base}:desired`,
    desiredRoutes: `${base}:desired:routes`,
    desiredChanged: `${base}:desired:changed`,
    status: `${base}:status`,
    statusChanged: `${base}:status:changed`,
    causes: `${base}:causes`,
  };
}

/** The PSUBSCRIBE pattern of every node's status:changed channel, and the node a channel names. */
export function statusChangedPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:{*}:status:changed`;
}

export function nodeOfStatusChannel(prefix: string, channel: string): string | null {
  const head = `${prefix}:{`;
  const tail = '}:status:changed';
  return channel.startsWith(head) && channel.endsWith(tail) ? channel.slice(head.length, -tail.length) : null;
}

export function desiredNodesKey(prefix: string): string {
  return `${prefix}:{world}:desired-nodes`;
}

export function speakersKey(prefix: string): string {
  return `${prefix}:{world}:speakers`;
}

/**
 * Written by `bgpcast watch` (events/kube/checkpoint.ts): object key → "resourceVersion digest" of
 * the last version Kafka acknowledged. One per watcher source, so watchers of several clusters can
 * share a Redis; its own hash tag, as nothing else touches it in the same script.
 */
export function watchCheckpointKey(prefix: string, source: string): string {
  return `${prefix}:{watch}:checkpoint:${source}`;
}

/** The keys the functions use: the world's, and each node's desired state. */
export interface StoreKeys {
  readonly prefix: string;
  /** Which log the world is a fold of, and the store's epoch (LOG_FIELDS). */
  readonly log: string;
  /** The rebuild lock: the token of the instance rebuilding the world (a string, with a TTL). */
  readonly rebuildLock: string;
  /** Object key → the version in effect: the latest valid one (docs/cilium-semantics.md OBJ-5). */
  readonly objects: string;
  /** Object key → its latest version, when that version is invalid (the one in effect stays in objects). */
  readonly invalidObjects: string;
  readonly objectPositions: string;
  readonly objectSources: string;
  readonly positions: string;
  readonly changes: string;
  readonly syncMarkers: string;
  readonly syncParts: string;
  readonly pending: string;
  readonly conditions: string;
  readonly conditionsChanged: string;
  readonly desiredNodes: string;
  desired(node: string): string;
  desiredRoutes(node: string): string;
  desiredChanged(node: string): string;
}

export function storeKeys(prefix: string = redisPrefixFromEnv()): StoreKeys {
  const world = `${prefix}:{world}`;
  return {
    prefix,
    log: `${world}:log`,
    rebuildLock: `${world}:rebuild`,
    objects: `${world}:objects`,
    invalidObjects: `${world}:invalid`,
    objectPositions: `${world}:object-positions`,
    objectSources: `${world}:object-sources`,
    positions: `${world}:positions`,
    changes: `${world}:changes`,
    syncMarkers: `${world}:sync-markers`,
    syncParts: `${world}:sync-parts`,
    pending: `${world}:pending`,
    conditions: `${world}:conditions`,
    conditionsChanged: `${world}:conditions:changed`,
    desiredNodes: desiredNodesKey(prefix),
    desired: (node) => nodeKeys(prefix, node).desired,
    desiredRoutes: (node) => nodeKeys(prefix, node).desiredRoutes,
    desiredChanged: (node) => nodeKeys(prefix, node).desiredChanged,
  };
}

/**
 * The world hashes a rebuild replaces, and the keys it builds them in first (same hash tag, so one
 * script renames them over the live ones): <p>:{world}:rebuild:<name>.
 */
export const REBUILT_WORLD_KEYS = ['objects', 'invalidObjects', 'objectPositions', 'objectSources', 'positions', 'syncMarkers', 'syncParts'] as const satisfies readonly (keyof StoreKeys)[];
export type RebuiltWorldKey = (typeof REBUILT_WORLD_KEYS)[number];

export function rebuildKeys(keys: StoreKeys): Record<RebuiltWorldKey, string> {
  const world = `${keys.prefix}:{world}:rebuild`;
  return Object.fromEntries(REBUILT_WORLD_KEYS.map((k) => [k, `${world}:${keys[k].slice(keys[k].lastIndexOf(':') + 1)}`])) as Record<RebuiltWorldKey, string>;
}

// --- hash fields and JSON shapes -------------------------------------------------------------------

/**
 * Fields of <p>:{world}:log, written when the world is built from the events topic (a rebuild, or
 * the first start on an empty store) and read by every functions instance before it folds:
 * - epoch: the store's incarnation, new with every build. Desired documents and deltas carry the
 *   epoch they were written under; positions of another epoch say nothing, and a speaker that sees
 *   another epoch applies the document as a diff of what it holds, whatever its revision;
 * - topic, topicId, cluster: the events topic's name, its identity record's id ('' when the topic
 *   has none) and the Kafka cluster's id. Positions are offsets of exactly that topic;
 * - builtAt: RFC 3339 time of the build.
 */
export const LOG_FIELDS = {
  epoch: 'epoch',
  topic: 'topic',
  topicId: 'topicId',
  cluster: 'cluster',
  builtAt: 'builtAt',
} as const;

/**
 * Fields of <p>:{<node>}:desired, written by the functions' compare-and-set script
 * (functions/store/scripts.ts NODE_CAS_SCRIPT) and read by the speaker and the CLI.
 */
export const DESIRED_FIELDS = {
  /** The revision of the document: one up per content change. */
  revision: 'revision',
  /** The compare-and-set counter: one up per write or confirmation. */
  seq: 'seq',
  /** The token of the last compare-and-set (a writer knows its own last write by it). */
  writer: 'writer',
  /** JSON partition → offset: the world positions the state reflects (under `epoch` only). */
  positions: 'positions',
  /** The store epoch (LOG_FIELDS.epoch) of the last write or confirmation. */
  epoch: 'epoch',
  /** RFC 3339 time of the last content change. */
  updatedAt: 'updatedAt',
  /** How many fields the routes hash holds. */
  routeCount: 'routeCount',
  /** The document {node, instances} with every family's routes empty (JSON). */
  sessions: 'sessions',
} as const;

/**
 * Fields of the whole-document layout that came before the routes hash: still read by the speaker
 * when `sessions` is absent (a store written by an older functions), removed by the next write.
 */
export const LEGACY_DESIRED_FIELDS = { digest: 'digest', document: 'document' } as const;

/** Fields of <p>:{world}:conditions, written whole by the conditions' compare-and-set script. */
export const CONDITIONS_FIELDS = {
  revision: 'revision',
  /** sha256 of `document`. */
  digest: 'digest',
  /** The JSON list of conditions. */
  document: 'document',
  positions: 'positions',
  epoch: 'epoch',
  updatedAt: 'updatedAt',
  seq: 'seq',
} as const;

/**
 * Fields of <p>:{<node>}:status, written by the speaker (speaker/worker/status-publisher.ts):
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

/** A value of <p>:{world}:pending (JSON): the recomputations one fold still owes. */
export interface PendingEntry {
  /** The nodes whose desired state must be recomputed. */
  readonly nodes: readonly string[];
  /** Whether the conditions must be. */
  readonly conditions: boolean;
  /** The fold's positions (partition → offset): a recomputation reflecting these settles it. */
  readonly positions: Readonly<Record<string, string>>;
  /** RFC 3339 time of the fold. */
  readonly at: string;
}

const PENDING_ENTRY_FIELDS = ['nodes', 'conditions', 'positions', 'at'] as const satisfies readonly (keyof PendingEntry)[];

/** The fields of a DesiredDelta (events/desired-delta.ts), as published on <p>:{<node>}:desired:changed. */
const DELTA_FIELDS = ['node', 'epoch', 'revision', 'previous', 'sessions', 'routes', 'truncated', 'writtenAt'] as const satisfies readonly (keyof DesiredDelta)[];

// Compile-time checks that the lists above name every field of their type.
type NoneMissing<T extends never> = T;
export type PendingEntryFieldsComplete = NoneMissing<Exclude<keyof PendingEntry, (typeof PENDING_ENTRY_FIELDS)[number]>>;
export type DeltaFieldsComplete = NoneMissing<Exclude<keyof DesiredDelta, (typeof DELTA_FIELDS)[number]>>;

// --- the table -----------------------------------------------------------------------------------------

export interface KeyContract {
  /** The key with <p> for the prefix and <node> for a node name. */
  readonly key: string;
  readonly type: 'hash' | 'set' | 'sorted set' | 'stream' | 'pub/sub' | 'string';
  readonly writer: 'functions' | 'speaker' | 'watcher';
  /** The fixed fields of a hash; absent when its fields are data (object keys, partitions, …). */
  readonly fields?: readonly string[];
  /** The fields of the JSON each value, stream entry or message holds, when it is an object. */
  readonly entry?: readonly string[];
}

const world = storeKeys('<p>');
const node = nodeKeys('<p>', '<node>');

export const REDIS_KEYS: readonly KeyContract[] = [
  { key: node.desired, type: 'hash', writer: 'functions', fields: Object.values(DESIRED_FIELDS) },
  { key: node.desiredRoutes, type: 'hash', writer: 'functions' },
  { key: node.desiredChanged, type: 'pub/sub', writer: 'functions', entry: DELTA_FIELDS },
  { key: node.causes, type: 'stream', writer: 'functions', entry: CAUSES_ENTRY_FIELDS },
  { key: node.status, type: 'hash', writer: 'speaker', fields: Object.values(STATUS_FIELDS) },
  { key: node.statusChanged, type: 'pub/sub', writer: 'speaker' },
  { key: world.log, type: 'hash', writer: 'functions', fields: Object.values(LOG_FIELDS) },
  { key: world.rebuildLock, type: 'string', writer: 'functions' },
  { key: `${world.prefix}:{world}:rebuild:<name>`, type: 'hash', writer: 'functions' },
  { key: world.objects, type: 'hash', writer: 'functions' },
  { key: world.invalidObjects, type: 'hash', writer: 'functions' },
  { key: world.objectPositions, type: 'hash', writer: 'functions' },
  { key: world.objectSources, type: 'hash', writer: 'functions' },
  { key: world.positions, type: 'hash', writer: 'functions' },
  { key: world.changes, type: 'stream', writer: 'functions', entry: ['key'] },
  { key: world.syncMarkers, type: 'hash', writer: 'functions' },
  { key: world.syncParts, type: 'hash', writer: 'functions', entry: ['syncId', 'next', 'keys'] },
  { key: world.pending, type: 'hash', writer: 'functions', entry: PENDING_ENTRY_FIELDS },
  { key: world.conditions, type: 'hash', writer: 'functions', fields: Object.values(CONDITIONS_FIELDS) },
  { key: world.conditionsChanged, type: 'pub/sub', writer: 'functions' },
  { key: world.desiredNodes, type: 'set', writer: 'functions' },
  { key: speakersKey('<p>'), type: 'sorted set', writer: 'speaker' },
  { key: watchCheckpointKey('<p>', '<source>'), type: 'hash', writer: 'watcher' },
];
