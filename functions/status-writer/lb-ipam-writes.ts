// LB IPAM's writes: what functions/cilium/lb-ipam.ts decides, as server-side applies of the
// status subresource under a field manager of its own, bgpcast-lb-ipam (docs/cilium-semantics.md
// LBIPAM-13):
// - a Service's status.loadBalancer.ingress (`ip` entries only; the whole list, an atomic one, so
//   addresses another writer put there and no pool gives are removed, as Cilium removes them) and
//   its condition cilium.io/IPAMRequestSatisfied; a Service LB IPAM no longer serves gets an apply
//   without status, which removes what this manager wrote and nothing else;
// - a pool's cilium.io/PoolConflict, IPsTotal, IPsAvailable and IPsUsed, and bgpcast.io/InvalidBlocks
//   while some of its blocks are left out (gone, as a field of this manager, once they are fixed).
// Dormant while there is no pool and no Service carries its condition (LBIPAM-1).
//
// The world comes through Redis and lags the writes: until it shows a Service's new addresses,
// the allocator is given those last written (`written`), so a round in between never hands an
// address out twice.

import { parseIp } from '../../events/ip.ts';
import { collectionPath, watchedKinds, type WatchedKind } from '../../events/kube/watched-kinds.ts';
import { allocateLbIps, POOL_CONDITIONS, type PoolStatus, type ServiceAllocation } from '../cilium/lb-ipam.ts';
import type { LbIpPool, WrittenCondition } from '../model/lb-ip-pool.ts';
import { IPAM_REQUEST_SATISFIED, type Service } from '../model/service.ts';
import type { WorldView } from '../model/world.ts';
import { formatIp } from '../../events/ip.ts';
import { resolveConditions, type ComputedCondition } from './conditions.ts';
import type { KubeCondition } from './live.ts';

export const LB_IPAM_MANAGER = 'bgpcast-lb-ipam';

const kind = (name: string): WatchedKind => watchedKinds.find((k) => k.kind === name)!;
export const SERVICE_KIND = kind('Service');
export const POOL_KIND = kind('CiliumLoadBalancerIPPool');

export type LbIpamKind = 'Service' | 'CiliumLoadBalancerIPPool';

export interface LbIpamWrite {
  readonly kind: LbIpamKind;
  /** Service/<namespace>/<name> or CiliumLoadBalancerIPPool/<name>. */
  readonly key: string;
  /** The status subresource. */
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** What the write says, transition times aside. */
  readonly digest: string;
  /** The same of what the world holds now. */
  readonly worldDigest: string;
  /** A Service's addresses as written (for `written`). */
  readonly ips: readonly string[] | null;
}

export interface LbIpamInputs {
  readonly world: WorldView;
  /** Service key (namespace/name) → the addresses last written, while the world has not shown them yet. */
  readonly written: ReadonlyMap<string, readonly string[]>;
  readonly now: Date;
  /** The version the pools are served under; null: not served (no pool status is written). */
  readonly poolVersion: string | null;
}

const digestOf = (ips: readonly string[], c: Pick<KubeCondition, 'status' | 'reason' | 'message' | 'observedGeneration'>[]): string =>
  JSON.stringify({ ips, c: c.map(({ status, reason, message, observedGeneration }) => [status, reason, message, observedGeneration ?? null]) });

/** The world's Services, each with the addresses last written where the world lags. */
function servicesAsWritten(world: WorldView, written: ReadonlyMap<string, readonly string[]>): Service[] {
  return [...world.services.entries()].map(([key, s]) => {
    const ips = written.get(key);
    if (ips === undefined) return s;
    return { ...s, loadBalancerIPs: ips.flatMap((t) => parseIp(t) ?? []) };
  });
}

export function planLbIpamWrites(inputs: LbIpamInputs): LbIpamWrite[] {
  const { world } = inputs;
  const services = servicesAsWritten(world, inputs.written);
  if (world.lbIpPools.size === 0 && !services.some((s) => s.lbIpam.condition !== null)) return [];
  const result = allocateLbIps(world.lbIpPools.values(), services);
  const writes = result.services.map((a) => serviceWrite(inputs, world.services.get(a.key)!, a));
  if (inputs.poolVersion !== null) {
    for (const p of result.pools) writes.push(poolWrite(inputs, world.lbIpPools.get(p.name)!, p, inputs.poolVersion));
  }
  return writes;
}

const previous = (c: WrittenCondition | null | undefined): KubeCondition[] =>
  c == null ? [] : [{ type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime, ...(c.observedGeneration === undefined ? {} : { observedGeneration: c.observedGeneration }) }];

function serviceWrite(inputs: LbIpamInputs, s: Service, a: ServiceAllocation): LbIpamWrite {
  const path = `${collectionPath(SERVICE_KIND, 'v1', a.namespace)}/${encodeURIComponent(a.name)}/status`;
  const metadata = { name: a.name, namespace: a.namespace };
  const worldIps = s.loadBalancerIPs.map(formatIp);
  const worldDigest = digestOf(worldIps, previous(s.lbIpam.condition));
  if (a.condition === null) {
    return { kind: 'Service', key: `Service/${a.key}`, path, body: { apiVersion: 'v1', kind: 'Service', metadata }, digest: digestOf([], []), worldDigest: s.lbIpam.condition === null ? digestOf([], []) : worldDigest, ips: null };
  }
  const generation = s.meta.generation ?? undefined;
  const computed: ComputedCondition = { type: IPAM_REQUEST_SATISFIED, ...a.condition, ...(generation === undefined ? {} : { observedGeneration: generation }) };
  const conditions = resolveConditions([computed], previous(s.lbIpam.condition), inputs.now, generation);
  // The whole ingress list, even empty: it is atomic, so this takes it over from any other writer.
  const status = { loadBalancer: { ingress: a.ips.map((ip) => ({ ip })) }, conditions };
  return { kind: 'Service', key: `Service/${a.key}`, path, body: { apiVersion: 'v1', kind: 'Service', metadata, status }, digest: digestOf(a.ips, conditions), worldDigest, ips: a.ips };
}

function poolWrite(inputs: LbIpamInputs, pool: LbIpPool, p: PoolStatus, version: string): LbIpamWrite {
  const count = (type: string, n: string): ComputedCondition => ({ type, status: 'Unknown', reason: 'noreason', message: n });
  const computed: ComputedCondition[] = [
    { type: POOL_CONDITIONS.conflict, ...p.conflict },
    count(POOL_CONDITIONS.total, p.total),
    count(POOL_CONDITIONS.available, p.available),
    count(POOL_CONDITIONS.used, p.used),
    ...(p.invalidBlocks.length > 0 ? [{ type: POOL_CONDITIONS.invalidBlocks, status: 'True' as const, reason: 'InvalidBlocks', message: p.invalidBlocks.join('; ') }] : []),
  ];
  const own = new Set<string>(Object.values(POOL_CONDITIONS));
  const before = pool.conditions.filter((c) => own.has(c.type)).flatMap(previous);
  const generation = pool.meta.generation ?? undefined;
  const conditions = resolveConditions(computed, before, inputs.now, generation);
  const worldDigest = digestOf([], [...before].sort((a, b) => (a.type < b.type ? -1 : 1)));
  return {
    kind: 'CiliumLoadBalancerIPPool',
    key: `CiliumLoadBalancerIPPool/${p.name}`,
    path: `${collectionPath(POOL_KIND, version)}/${encodeURIComponent(p.name)}/status`,
    body: { apiVersion: `cilium.io/${version}`, kind: 'CiliumLoadBalancerIPPool', metadata: { name: p.name }, status: { conditions } },
    digest: digestOf([], conditions),
    worldDigest,
    ips: null,
  };
}

/**
 * Whether to make the write: not when the world shows it already; not when it is what was last
 * written and the world has not moved since (it lags); on a resync, whenever the world differs.
 */
export function lbIpamNeedsWrite(w: LbIpamWrite, last: { digest: string; worldDigest: string } | undefined, resync: boolean): boolean {
  if (w.digest === w.worldDigest) return false;
  if (resync || last === undefined) return true;
  return !(last.digest === w.digest && last.worldDigest === w.worldDigest);
}
