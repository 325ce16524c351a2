// A node's desired state written by hand as the functions' compare-and-set script writes it (layout:
// events/desired-delta.ts): the routes hash changed, the sessions field replaced when given, the
// revision bumped and the delta published, in one MULTI — for tests and benchmarks of the speaker
// worker that need no functions.

import type { Redis } from 'ioredis';
import type { DesiredDelta, DesiredRouteChange } from '../../events/desired-delta.ts';
import { routeField, routeValue, sessionsOf } from '../../events/desired-delta.ts';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import { DESIRED_FIELDS, nodeKeys } from '../../events/redis-keys.ts';

export interface DesiredWrite {
  /** The new sessions part (the document, its routes ignored). */
  readonly sessions?: DesiredNodeState;
  /** false: write without publishing the delta (a lost notification). */
  readonly publish?: boolean;
  /** Publish the delta without its routes: readers must read the document. */
  readonly truncated?: boolean;
  /** Empty the routes hash first. */
  readonly replaceAll?: boolean;
}

export class DesiredWriter {
  readonly #redis: Redis;
  readonly #node: string;
  readonly #keys: ReturnType<typeof nodeKeys>;
  #revision = 0;
  readonly #epoch: string;

  /** `epoch`: the store epoch the writes name (events/redis-keys.ts LOG_FIELDS). */
  constructor(redis: Redis, prefix: string, node: string, epoch = 'test') {
    this.#epoch = epoch;
    this.#redis = redis;
    this.#node = node;
    this.#keys = nodeKeys(prefix, node);
  }

  /** The revision the last write left. */
  get revision(): number {
    return this.#revision;
  }

  async write(changes: readonly DesiredRouteChange[], o: DesiredWrite = {}): Promise<void> {
    const keys = this.#keys;
    const m = this.#redis.multi();
    if (o.replaceAll) m.del(keys.desiredRoutes);
    for (const c of changes) {
      if (c.route) m.hset(keys.desiredRoutes, routeField(c, c.prefix), routeValue(c.route));
      else m.hdel(keys.desiredRoutes, routeField(c, c.prefix));
    }
    const sessions = o.sessions ? sessionsOf(o.sessions) : null;
    if (sessions) m.hset(keys.desired, DESIRED_FIELDS.sessions, JSON.stringify(sessions));
    const revision = ++this.#revision;
    m.hset(keys.desired, DESIRED_FIELDS.revision, String(revision), DESIRED_FIELDS.epoch, this.#epoch, DESIRED_FIELDS.updatedAt, new Date().toISOString());
    const truncated = o.truncated === true;
    const delta: DesiredDelta = { node: this.#node, epoch: this.#epoch, revision, previous: revision - 1, sessions, routes: truncated ? [] : changes, truncated };
    if (o.publish !== false) m.publish(keys.desiredChanged, JSON.stringify(delta));
    await m.exec();
  }
}
