// RouterIDAllocation (bgpcast.io/v1, cluster-scoped): the router IDs of the `ip-pool` mode as the
// functions allocated them, one object for the whole pool, published on the events topic like any
// other object — so the log holds every allocation and a replay folds the same ones
// (docs/router-id-pool.md). Each version names the position of the version it was computed from
// (`previous`, "partition:offset", null for the first); the fold keeps a version only when that is
// the version it holds (functions/store/scripts.ts), so versions computed from the same table by
// two runners cannot both stand. Keys are "<node>/<instance>".
//
//   apiVersion: bgpcast.io/v1
//   kind: RouterIDAllocation
//   metadata: {name: router-ids}
//   spec: {pool: 10.0.0.0/24, previous: "3:117", allocations: {"worker1/default": "10.0.0.0"}}

import { z } from 'zod';
import { clusterMetaSchema, type ObjectMeta } from './meta.ts';
import { parseIp } from '../../events/ip.ts';

/** The name of the one allocation object. */
export const ROUTER_ID_ALLOCATION_NAME = 'router-ids';

export interface RouterIdAllocation {
  readonly kind: 'RouterIDAllocation';
  readonly meta: ObjectMeta;
  /** The pool the allocations were made from, as the setting gave it. */
  readonly pool: string;
  readonly previous: string | null;
  /** "<node>/<instance>" → dotted quad. */
  readonly allocations: ReadonlyMap<string, string>;
}

const ipv4 = z.string().refine((t) => parseIp(t)?.family === 4 && !t.includes('%'), 'not an IPv4 address');

export const routerIdAllocationSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z.object({
      pool: z.string(),
      previous: z.string().regex(/^\d+:\d+$/).nullish(),
      allocations: z.record(z.string().regex(/^[^/]+\/.+$/, 'keys are "<node>/<instance>"'), ipv4),
    }),
  })
  .transform(
    ({ metadata, spec }): RouterIdAllocation => ({
      kind: 'RouterIDAllocation',
      meta: metadata,
      pool: spec.pool,
      previous: spec.previous ?? null,
      allocations: new Map(Object.entries(spec.allocations)),
    }),
  );
