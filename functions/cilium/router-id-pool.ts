// Router IDs of the `ip-pool` mode (docs/cilium-semantics.md INST-7; why it is stable and equal in a
// replay: docs/router-id-pool.md). Pure, two halves:
//   - nextAllocations(): the allocator's rule — what the next RouterIDAllocation should hold, given
//     the world and the allocations it holds. A (node, instance) keeps its ID for as long as its
//     node exists; a new one takes the lowest free address of the pool, the whole prefix, network
//     address included; keys are served in name order. An override's routerID wins: outside the
//     pool it is used as it is and takes nothing from the pool, inside it is recorded for its node
//     when no other node holds it (else that node's instance waits, reported, as Cilium refuses
//     it). An ID returns to the pool only when its node is known to be deleted (`gone`: the store
//     holds a tombstone of it), not when the node is merely absent from the world — a world still
//     being rebuilt from the log lacks nodes that exist — nor when it is unselected or its instance
//     renamed: it keeps the ID for when it comes back. IDs outside a changed pool are dropped.
//   - poolRouterId(): what planNode uses — only what the allocation object holds, so that within
//     one world no two nodes have one ID; a key the object does not hold yet waits (not reported;
//     the allocator is on it) unless the pool is used up, which is reported.

import { formatIp, parseIp, parsePrefix } from '../../events/ip.ts';
import { ROUTER_ID_ALLOCATION_NAME, type RouterIdAllocation } from '../model/router-id-allocation.ts';
import type { WorldView } from '../model/world.ts';
import { ownership } from './ownership.ts';

export interface RouterIdPool {
  readonly text: string;
  readonly base: bigint;
  readonly size: bigint;
}

/** The pool of the setting, or why it is not one. */
export function routerIdPool(text: string | null): RouterIdPool | { readonly problem: string } {
  if (text === null) return { problem: 'bgp-router-id-allocation-ip-pool is not set' };
  const prefix = parsePrefix(text.trim());
  if (prefix === null || prefix.family !== 4 || text.includes('%')) {
    return { problem: `bgp-router-id-allocation-ip-pool "${text}" is not an IPv4 prefix` };
  }
  return { text: text.trim(), base: prefix.value, size: 1n << BigInt(32 - prefix.length) };
}

const v4 = (value: bigint): string => formatIp({ family: 4, value });
const valueOf = (text: string): bigint | null => {
  const ip = parseIp(text);
  return ip !== null && ip.family === 4 ? ip.value : null;
};
const inPool = (pool: RouterIdPool, id: string): boolean => {
  const v = valueOf(id);
  return v !== null && v >= pool.base && v < pool.base + pool.size;
};

export const poolKey = (node: string, instance: string): string => `${node}/${instance}`;

export interface PoolKey {
  readonly key: string;
  readonly node: string;
  readonly instance: string;
  /** The override's routerID for this instance, if it sets one. */
  readonly override: string | null;
}

/** Every (node, instance) that runs: nodes with an owner, the owner's instances with a local ASN (INST-2). In key order. */
export function poolKeys(world: WorldView): PoolKey[] {
  const out: PoolKey[] = [];
  for (const [node, owner] of ownership(world).owner) {
    const override = world.nodeConfigOverrides.get(node);
    for (const inst of owner.instances) {
      const ov = override?.instances.find((o) => o.name === inst.name);
      if ((ov?.localASN ?? inst.localASN) === null) continue;
      out.push({ key: poolKey(node, inst.name), node, instance: inst.name, override: ov?.routerID ?? null });
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The allocation object the world holds, if any. */
export function heldAllocation(world: WorldView): RouterIdAllocation | null {
  return world.routerIdAllocations.get(ROUTER_ID_ALLOCATION_NAME) ?? null;
}

/** In-pool routerIDs of every override: reserved for their nodes, never handed to another. */
function overrideIds(world: WorldView, pool: RouterIdPool): Set<string> {
  const out = new Set<string>();
  for (const ov of world.nodeConfigOverrides.values()) for (const i of ov.instances) if (i.routerID !== null && inPool(pool, i.routerID)) out.add(i.routerID);
  return out;
}

export interface NextAllocations {
  readonly pool: string;
  /** key → ID, in key order. */
  readonly allocations: ReadonlyMap<string, string>;
  /** Keys the pool had no address left for. */
  readonly exhausted: readonly string[];
}

/** The nodes of the held allocation that the world does not hold: gone, or not folded (yet). */
export function absentNodes(world: WorldView): string[] {
  const nodes = new Set([...(heldAllocation(world)?.allocations.keys() ?? [])].map((k) => k.slice(0, k.indexOf('/'))));
  return [...nodes].filter((n) => !world.nodes.has(n) && !world.ciliumNodes.has(n)).sort();
}

/** What the allocation object should hold next; null when the pool setting is not a prefix. */
export function nextAllocations(world: WorldView, gone: ReadonlySet<string>): NextAllocations | null {
  const pool = routerIdPool(world.settings.routerIdAllocationPool);
  if ('problem' in pool) return null;
  const held = heldAllocation(world)?.allocations ?? new Map<string, string>();
  const keys = poolKeys(world);
  const needed = new Map(keys.map((k) => [k.key, k]));
  const out = new Map<string, string>();
  const taken = new Set<string>();
  // 1. Keys keep what they hold inside the pool, unless an override says otherwise; keys no
  //    instance runs for keep it too while their node is not known to be gone.
  for (const [key, id] of held) {
    if (!inPool(pool, id) || taken.has(id)) continue;
    const k = needed.get(key);
    if (k === undefined ? gone.has(key.slice(0, key.indexOf('/'))) : k.override !== null) continue;
    out.set(key, id);
    taken.add(id);
  }
  // 2. Overrides inside the pool are recorded for their node when nobody else holds the address.
  for (const k of keys) {
    if (k.override === null || !inPool(pool, k.override) || taken.has(k.override)) continue;
    out.set(k.key, k.override);
    taken.add(k.override);
  }
  // 3. The others take the lowest free address, in key order.
  const reserved = overrideIds(world, pool);
  const exhausted: string[] = [];
  let next = pool.base;
  const end = pool.base + pool.size;
  for (const k of keys) {
    if (k.override !== null || out.has(k.key)) continue;
    while (next < end && (taken.has(v4(next)) || reserved.has(v4(next)))) next++;
    if (next >= end) {
      exhausted.push(k.key);
      continue;
    }
    const id = v4(next++);
    out.set(k.key, id);
    taken.add(id);
  }
  const sorted = new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { pool: pool.text, allocations: sorted, exhausted };
}

export type PoolRouterId =
  | { readonly id: string }
  | { readonly problem: string; readonly exhausted: boolean }
  | { readonly waiting: true };

/** An instance's router ID in ip-pool mode, from the allocation object alone (see the header). */
export function poolRouterId(world: WorldView, node: string, instance: string, override: string | null): PoolRouterId {
  const pool = routerIdPool(world.settings.routerIdAllocationPool);
  if ('problem' in pool) return { problem: pool.problem, exhausted: false };
  if (override !== null && !inPool(pool, override)) return { id: override };
  const held = heldAllocation(world);
  const key = poolKey(node, instance);
  const id = held?.allocations.get(key);
  if (id !== undefined && inPool(pool, id) && (override === null || id === override)) return { id };
  if (override !== null) {
    for (const [other, otherId] of held?.allocations ?? []) {
      if (other !== key && otherId === override) return { problem: `router ID ${override} is already allocated to ${other}`, exhausted: false };
    }
    return { waiting: true };
  }
  // Used up: every address held or reserved by an override (the allocator's own accounting).
  const used = new Set([...(held?.allocations.values() ?? [])].filter((x) => inPool(pool, x)));
  for (const x of overrideIds(world, pool)) used.add(x);
  if (BigInt(used.size) >= pool.size) {
    return { problem: `no router ID left in the pool ${pool.text} (${pool.size} addresses, all allocated)`, exhausted: true };
  }
  return { waiting: true };
}
