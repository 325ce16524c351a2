// A world folded from the log (log-fold.ts) written into a prefix's world keys: first into the
// rebuild keys beside them (events/redis-keys.ts rebuildKeys, same hash tag), then put in place of
// the live ones by one script (functions/store/scripts.ts INSTALL_WORLD_SCRIPT), which also names
// the new epoch and topic in the log record and leaves one pending entry for every document. So a
// reader sees the old world or the new one, never a part; and a crash before the install leaves
// the live world as it was.

import type { Redis } from 'ioredis';
import type { TopicIdentity } from '../../events/kafka/topic-identity.ts';
import { REBUILT_WORLD_KEYS, rebuildKeys, type StoreKeys } from '../../events/redis-keys.ts';
import { refFromKey } from '../store/object-ref.ts';
import { positionsJson, type Positions } from '../store/positions.ts';
import type { FoldedHashes } from './log-fold.ts';

/** Field-value pairs per HSET, and HSETs per pipeline. */
const FIELDS_PER_COMMAND = 1_000;
const COMMANDS_PER_PIPELINE = 16;

export interface Installation {
  /** The rebuild lock's token ('' for a scratch prefix nobody else writes). */
  readonly lockToken: string;
  readonly epoch: string;
  /** The topic the world was folded from (null: none, a world built from nothing). */
  readonly topic: TopicIdentity | null;
  readonly builtAt: string;
  /** The id of the pending entry that asks for every document. */
  readonly pendingId: string;
}

/** The two object hashes of a fold (object key → JSON), as the store holds them. */
export type FoldedObjects = Pick<FoldedHashes, 'objects' | 'invalidObjects'>;

/** Every object key of a fold, whether a version of it is in effect or only an invalid one (OBJ-5). */
export function objectKeysOf(folded: FoldedObjects): Set<string> {
  return new Set([...folded.objects.keys(), ...folded.invalidObjects.keys()]);
}

/** The node names a world's objects give (Nodes, CiliumNodes, overrides): every node a document may exist for. */
export function nodesOf(objectKeys: Iterable<string>): string[] {
  const nodes = new Set<string>();
  for (const key of objectKeys) {
    const ref = refFromKey(key);
    if (ref && (ref.kind === 'Node' || ref.kind === 'CiliumNode' || ref.kind === 'CiliumBGPNodeConfigOverride')) nodes.add(ref.name);
  }
  return [...nodes].sort();
}

/** Writes the folded hashes into the rebuild keys (emptied first: a crashed rebuild may have left some). */
export async function writeRebuildKeys(redis: Redis, keys: StoreKeys, hashes: FoldedHashes): Promise<void> {
  const target = rebuildKeys(keys);
  await redis.del(...REBUILT_WORLD_KEYS.map((k) => target[k]));
  let pipeline = redis.pipeline();
  let queued = 0;
  const flush = async () => {
    if (queued === 0) return;
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    pipeline = redis.pipeline();
    queued = 0;
  };
  for (const name of REBUILT_WORLD_KEYS) {
    let args: string[] = [];
    for (const [field, value] of hashes[name]) {
      args.push(field, value);
      if (args.length >= 2 * FIELDS_PER_COMMAND) {
        pipeline.hset(target[name], ...args);
        args = [];
        if (++queued >= COMMANDS_PER_PIPELINE) await flush();
      }
    }
    if (args.length > 0) {
      pipeline.hset(target[name], ...args);
      queued++;
    }
  }
  await flush();
}

/** Puts the rebuild keys in place; false when the lock is no longer ours (nothing changed then). */
export async function installWorld(redis: Redis, keys: StoreKeys, nodes: readonly string[], positions: Positions, at: Installation): Promise<boolean> {
  const target = rebuildKeys(keys);
  const keyList = [
    keys.rebuildLock,
    keys.log,
    keys.pending,
    keys.changes,
    keys.desiredNodes,
    ...REBUILT_WORLD_KEYS.map((k) => keys[k]),
    ...REBUILT_WORLD_KEYS.map((k) => target[k]),
  ];
  const done = await redis.bgpcastInstallWorld(
    keyList.length,
    ...keyList,
    at.lockToken,
    at.epoch,
    at.topic?.topic ?? '',
    at.topic?.id ?? '',
    at.topic?.cluster ?? '',
    at.builtAt,
    at.pendingId,
    JSON.stringify(nodes),
    positionsJson(positions),
  );
  return done === 1;
}
