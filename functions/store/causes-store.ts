// Writes the causes of the node revisions a batch wrote (events/causes.ts): one XADD per revision
// to <p>:{<node>}:causes, capped at CAUSES_MAXLEN entries, all in one pipeline, right after the
// compare-and-set that wrote them.

import type { Redis } from 'ioredis';
import { CAUSES_MAXLEN, causesEntryFields, type Cause } from '../../events/causes.ts';
import { nodeKeys, type StoreKeys } from '../../events/redis-keys.ts';
import type { Positions } from './positions.ts';

export interface WrittenRevision {
  readonly revision: number;
  readonly positions: Positions;
}

export async function writeCauses(
  redis: Redis,
  keys: StoreKeys,
  epoch: string,
  written: ReadonlyMap<string, WrittenRevision>,
  causes: ReadonlyMap<string, { readonly causes: readonly Cause[]; readonly omitted: number }>,
): Promise<void> {
  if (written.size === 0) return;
  const pipeline = redis.pipeline();
  for (const [node, w] of written) {
    const c = causes.get(node);
    const fields = causesEntryFields({ epoch, revision: w.revision, positions: w.positions, causes: c?.causes ?? [], omitted: c?.omitted ?? 0 });
    pipeline.xadd(nodeKeys(keys.prefix, node).causes, 'MAXLEN', '~', String(CAUSES_MAXLEN), '*', ...fields);
  }
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err !== null);
  if (failed) throw failed[0]!;
}
