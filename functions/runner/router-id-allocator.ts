// The ip-pool router-ID allocator of the functions (docs/router-id-pool.md): after each batch, when
// the allocation the world holds is not what nextAllocations() asks for, it publishes the next
// RouterIDAllocation version on the events topic, naming as `previous` the position of the version
// it was computed from. The fold keeps it only if that version is still the one held, so two
// runners computing from one version cannot both win; the loser sees the winner in its next batch
// and computes again. At most one proposal per held version is in flight per runner. Nothing is
// decided here that the log does not then hold: documents use only the folded allocation.

import type { Redis } from 'ioredis';
import type { EventEnvelope } from '../../events/envelope.ts';
import { objectEnvelope } from '../../events/envelope.ts';
import type { Logger } from '../../events/log.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import { absentNodes, heldAllocation, nextAllocations } from '../cilium/router-id-pool.ts';
import { ROUTER_ID_ALLOCATION_NAME } from '../model/router-id-allocation.ts';
import type { WorldView } from '../model/world.ts';

/** The object key of the allocation (events/object-key.ts). */
export const ROUTER_ID_ALLOCATION_KEY = `RouterIDAllocation.bgpcast.io/${ROUTER_ID_ALLOCATION_NAME}`;

/** The source allocation versions are published under. */
export const ALLOCATOR_SOURCE = 'bgpcast-functions';

export type Publish = (envelopes: readonly EventEnvelope[]) => Promise<void>;

const sameMap = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

export class RouterIdAllocator {
  readonly #redis: Redis;
  readonly #keys: StoreKeys;
  readonly #publish: Publish | null;
  readonly #log: Logger;
  /** The held version (its position) a proposal is in flight for. */
  #proposedOn: string | null = null;
  #noPublisherLogged = false;

  constructor(o: { redis: Redis; keys: StoreKeys; publish?: Publish; log: Logger }) {
    this.#redis = o.redis;
    this.#keys = o.keys;
    this.#publish = o.publish ?? null;
    this.#log = o.log;
  }

  /** Of `nodes` (absent from the world), those the store holds a tombstone of: deleted, not merely unfolded. */
  async #gone(nodes: readonly string[]): Promise<Set<string>> {
    if (nodes.length === 0) return new Set();
    const fields = nodes.flatMap((n) => [`Node/${n}`, `CiliumNode.cilium.io/${n}`]);
    const positions = await this.#redis.hmget(this.#keys.objectPositions, ...fields);
    return new Set(nodes.filter((_, i) => positions[2 * i] != null || positions[2 * i + 1] != null));
  }

  /** Publishes the next allocation version when `world` (the mirror's, just synced) needs one. */
  async propose(world: WorldView): Promise<boolean> {
    if (world.settings.routerIdAllocationMode !== 'ip-pool') return false;
    const next = nextAllocations(world, await this.#gone(absentNodes(world)));
    if (next === null) return false;
    const held = heldAllocation(world);
    if (held !== null && held.pool === next.pool && sameMap(held.allocations, next.allocations)) return false;
    if (this.#publish === null) {
      if (!this.#noPublisherLogged) this.#log.error('ip-pool router IDs need a Kafka producer: this functions instance cannot allocate');
      this.#noPublisherLogged = true;
      return false;
    }
    // The position of the version held, read together with that version: if it is not the one
    // the mirror holds (another runner's version was folded since the sync), wait for the next batch.
    const [stored, position] = await this.#redis
      .multi()
      .hget(this.#keys.objects, ROUTER_ID_ALLOCATION_KEY)
      .hget(this.#keys.objectPositions, ROUTER_ID_ALLOCATION_KEY)
      .exec()
      .then((r) => (r ?? []).map(([e, v]) => {
        if (e) throw e;
        return v as string | null;
      }));
    const storedPrevious = stored == null ? null : ((JSON.parse(stored) as { spec?: { previous?: string | null } }).spec?.previous ?? null);
    if ((stored == null) !== (held === null) || storedPrevious !== (held?.previous ?? null)) return false;
    const previous = held === null ? null : (position ?? null);
    const on = previous ?? 'none';
    if (this.#proposedOn === on) return false;
    const object = {
      apiVersion: 'bgpcast.io/v1',
      kind: 'RouterIDAllocation',
      metadata: { name: ROUTER_ID_ALLOCATION_NAME },
      spec: { pool: next.pool, previous, allocations: Object.fromEntries(next.allocations) },
    };
    this.#proposedOn = on;
    try {
      await this.#publish([objectEnvelope('added', object, ALLOCATOR_SOURCE)]);
    } catch (e) {
      this.#proposedOn = null;
      throw e;
    }
    this.#log.info({ previous, allocations: next.allocations.size, exhausted: next.exhausted.length }, 'router-ID allocation published');
    return true;
  }
}
