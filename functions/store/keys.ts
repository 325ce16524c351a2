// The Redis key schema, in one place (the README's table is written from this file).
//
// Every key starts with a prefix (BGPCAST_REDIS_PREFIX, default "bgpcast") so tests and a clean
// replay can keep their own keyspace in one Redis. World keys share the hash tag {world} and each
// node's keys the tag {<node>}, so every Lua script touches one slot and the layout works on Redis
// Cluster. One prefix holds the world of one events topic: positions are per partition only.
//
// | key                              | type   | holds                                                   |
// | <p>:{world}:objects              | hash   | object key → sanitized object JSON (live objects only)  |
// | <p>:{world}:object-positions     | hash   | object key → "partition:offset" of its last fold;       |
// |                                  |        | kept after a delete as a tombstone                      |
// | <p>:{world}:object-sources       | hash   | object key → the envelope's source (for sync markers)   |
// | <p>:{world}:positions            | hash   | partition → highest offset folded                       |
// | <p>:{world}:changes              | stream | one entry {key} per applied fold, MAXLEN ~ 100000       |
// | <p>:{world}:sync-markers         | hash   | "source|kind|partition" → "offset syncId"               |
// | <p>:{world}:sync-parts           | hash   | "source|kind|partition" → JSON {syncId, next, keys}: the|
// |                                  |        | parts of a split marker received so far                 |
// | <p>:{world}:pending              | hash   | batch id → JSON {targets, positions, at}: recomputations|
// |                                  |        | a fold owes, removed once done                          |
// | <p>:{world}:conditions           | hash   | revision, digest, document (JSON list), positions,      |
// |                                  |        | updatedAt, seq (the compare-and-set counter)            |
// | <p>:{world}:desired-nodes        | set    | nodes that have a desired document                      |
// | <p>:{<node>}:desired             | hash   | revision, seq (the compare-and-set counter), positions, |
// |                                  |        | updatedAt, routeCount, sessions (the document with      |
// |                                  |        | empty route lists, JSON)                                |
// | <p>:{<node>}:desired:routes      | hash   | routeField() → routeValue(): one field per route        |
// |                                  |        | (events/desired-delta.ts)                               |
// Channels: <p>:{<node>}:desired:changed carries a DesiredDelta (JSON) per new revision;
// <p>:{world}:conditions:changed carries the new revision.

export interface StoreKeys {
  readonly prefix: string;
  readonly objects: string;
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

import { desiredNodesKey, nodeKeys, redisPrefixFromEnv } from '../../events/redis-keys.ts';

export { DEFAULT_REDIS_PREFIX, DEFAULT_REDIS_URL, redisPrefixFromEnv, redisUrlFromEnv } from '../../events/redis-keys.ts';

export function storeKeys(prefix: string = redisPrefixFromEnv()): StoreKeys {
  const world = `${prefix}:{world}`;
  return {
    prefix,
    objects: `${world}:objects`,
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
