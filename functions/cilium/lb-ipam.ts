// LB IPAM: which LoadBalancer IPs each Service of type LoadBalancer holds, out of the
// CiliumLoadBalancerIPPools (docs/cilium-semantics.md LBIPAM-1 to LBIPAM-12). A pure function of
// the pools and the Services, the addresses already in their status included: the status writer
// (functions/status-writer/lb-ipam-writes.ts) writes what it returns, and the functions advertise
// the addresses once the status carries them, like any LoadBalancer IP.
//
// Deterministic, and stable: every round starts from the addresses the statuses hold. Those still
// valid are kept first, for every Service (LBIPAM-7), so a Service never loses its address because
// another one appeared; only then are missing addresses handed out, to the Services in order of
// creationTimestamp, then namespace and name (LBIPAM-8). Pools are tried oldest first (then by
// name), and within a pool its blocks in order, each giving its lowest free address (LBIPAM-8).

import { formatIp, parseIp, type IpAddress, type IpFamily } from '../../events/ip.ts';
import { formatBlock, type LbIpBlock, type LbIpPool } from '../model/lb-ip-pool.ts';
import { selectorMatches } from '../model/label-selector.ts';
import { mapKey } from '../model/normalise.ts';
import type { Service } from '../model/service.ts';

/** The class LB IPAM serves besides none (LBIPAM-1). */
export const BGP_CONTROL_PLANE_CLASS = 'io.cilium/bgp-control-plane';

/** The synthetic labels a pool's serviceSelector also sees (LBIPAM-3). */
export const SERVICE_NAME_LABEL = 'io.kubernetes.service.name';
export const SERVICE_NAMESPACE_LABEL = 'io.kubernetes.service.namespace';

export const POOL_CONDITIONS = {
  conflict: 'cilium.io/PoolConflict',
  total: 'cilium.io/IPsTotal',
  available: 'cilium.io/IPsAvailable',
  used: 'cilium.io/IPsUsed',
  // bgpcast's own (LBIPAM-2): the blocks left out, written only while there are any.
  invalidBlocks: 'bgpcast.io/InvalidBlocks',
} as const;

/** The reasons of cilium.io/IPAMRequestSatisfied, as Cilium spells them (LBIPAM-10). */
export const REQUEST_REASONS = {
  satisfied: 'satisfied',
  noPool: 'no_pool',
  selectorMismatch: 'pool_selector_mismatch',
  alreadyAllocated: 'already_allocated',
  incompatible: 'already_allocated_incompatible_service',
  outOfIps: 'out_of_ips',
  // bgpcast's own: a requested address that is not one (Cilium skips it with a log line).
  invalidIp: 'invalid_ip',
} as const;
export type RequestReason = (typeof REQUEST_REASONS)[keyof typeof REQUEST_REASONS];

export interface RequestCondition {
  readonly status: 'True' | 'False';
  readonly reason: RequestReason;
  readonly message: string;
}

/** One Service's outcome: the addresses its status should hold, and its condition. */
export interface ServiceAllocation {
  /** namespace/name. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** Addresses in status order: those kept, then those newly handed out. */
  readonly ips: readonly string[];
  /** null: LB IPAM no longer handles the Service; what it wrote is taken back (LBIPAM-1). */
  readonly condition: RequestCondition | null;
}

export interface PoolStatus {
  readonly name: string;
  readonly conflict: { readonly status: 'True' | 'False'; readonly reason: 'cidr_overlap' | 'resolved'; readonly message: string };
  /** Decimal (an IPv6 block may hold more than a Number can count). */
  readonly total: string;
  readonly used: string;
  readonly available: string;
  /** The blocks left out, and why (LBIPAM-2). */
  readonly invalidBlocks: readonly string[];
}

export interface LbIpamResult {
  /** Every Service LB IPAM handles, and every one it handled before and no longer does. */
  readonly services: readonly ServiceAllocation[];
  readonly pools: readonly PoolStatus[];
}

interface Range {
  readonly pool: LbIpPool;
  readonly block: LbIpBlock;
  /** allowFirstLastIPs: No on a cidr block of four or more (LBIPAM-4). */
  readonly reserved: ReadonlySet<bigint>;
}

/** Who holds an address: the range it counts against and its sharing group. */
interface Holding {
  readonly range: Range;
  readonly holders: Service[];
}

const ipKey = (family: IpFamily, value: bigint): string => `${family}/${value}`;
const serviceKey = (s: Service): string => mapKey(s.meta.namespace, s.meta.name);

/** Oldest first; no timestamp (an object from a file not stamped yet) last; then by key. */
function byAge<T>(items: Iterable<T>, stamp: (t: T) => string | null, key: (t: T) => string): T[] {
  return [...items].sort((a, b) => {
    const ta = stamp(a) ?? '\uffff';
    const tb = stamp(b) ?? '\uffff';
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** LBIPAM-1: type LoadBalancer, with no class or the BGP Control Plane's. */
export function handledByLbIpam(s: Service): boolean {
  return s.type === 'LoadBalancer' && (s.loadBalancerClass === null || s.loadBalancerClass === BGP_CONTROL_PLANE_CLASS);
}

/** LBIPAM-3: the pool's selector over the Service's labels and the two synthetic ones. */
function selects(pool: LbIpPool, s: Service): boolean {
  const labels = { ...s.meta.labels, [SERVICE_NAME_LABEL]: s.meta.name, [SERVICE_NAMESPACE_LABEL]: s.meta.namespace ?? '' };
  return selectorMatches(pool.serviceSelector, labels, 'all');
}

/** LBIPAM-9: the families a Service without requested addresses wants, one address each. */
export function wantedFamilies(s: Service): IpFamily[] {
  const { ipFamilies, ipFamilyPolicy } = s.lbIpam;
  if (ipFamilyPolicy === 'RequireDualStack') return [4, 6];
  if (ipFamilyPolicy === 'PreferDualStack') return ipFamilies.length > 0 ? [...new Set(ipFamilies)] : [4, 6];
  return [ipFamilies[0] ?? 4];
}

/**
 * LBIPAM-11: why two Services may not share an address; null when they may. `a` wants to join
 * the address `b` holds.
 */
export function sharingConflict(a: Service, b: Service): string | null {
  const { sharingKey } = a.lbIpam;
  if (sharingKey === null || sharingKey !== b.lbIpam.sharingKey) return 'different sharing key';
  const allows = (s: Service, namespace: string | null): boolean =>
    s.lbIpam.sharingNamespaces.includes('*') || s.lbIpam.sharingNamespaces.includes(namespace ?? '');
  if (a.meta.namespace !== b.meta.namespace && !(allows(a, b.meta.namespace) && allows(b, a.meta.namespace))) {
    return 'different and not permitted namespace';
  }
  if (a.lbIpam.ports.some((p) => b.lbIpam.ports.includes(p))) return 'same port';
  if (a.externalTrafficPolicy !== b.externalTrafficPolicy) return 'different ExternalTrafficPolicy';
  if (a.externalTrafficPolicy === 'Local') {
    const sa = JSON.stringify(Object.entries(a.lbIpam.selector).sort());
    const sb = JSON.stringify(Object.entries(b.lbIpam.selector).sort());
    if (Object.keys(a.lbIpam.selector).length === 0 || sa !== sb) return 'ExternalTrafficPolicy Local needs the same non-empty selector';
  }
  return null;
}

function rangesOf(pools: readonly LbIpPool[]): Range[] {
  return pools.flatMap((pool) =>
    pool.blocks.map((block) => {
      const reserved = new Set<bigint>();
      if (!pool.allowFirstLastIPs && block.cidr && block.last - block.first >= 3n) reserved.add(block.first).add(block.last);
      return { pool, block, reserved };
    }),
  );
}

const overlaps = (a: LbIpBlock, b: LbIpBlock): boolean => a.family === b.family && a.first <= b.last && b.first <= a.last;

/**
 * LBIPAM-6: a pool whose blocks overlap each other, or a block of an older pool (pools in age
 * order), is in conflict; the message names the first overlap found.
 */
function conflicts(pools: readonly LbIpPool[]): Map<string, string> {
  const out = new Map<string, string>();
  pools.forEach((pool, i) => {
    for (const [j, other] of pools.slice(0, i + 1).entries()) {
      const found = pool.blocks.flatMap((a, ai) => other.blocks.filter((b, bi) => (j !== i || bi < ai) && overlaps(a, b)).map((b) => [a, b] as const))[0];
      if (found !== undefined) {
        out.set(pool.meta.name, `Pool conflicts since range '${formatBlock(found[0])}' overlaps range '${formatBlock(found[1])}' from IP Pool '${other.meta.name}'`);
        break;
      }
    }
  });
  return out;
}

class Allocations {
  readonly held = new Map<string, Holding>();
  readonly ranges: readonly Range[];

  constructor(ranges: readonly Range[]) {
    this.ranges = ranges;
  }

  used(range: Range, value: bigint): boolean {
    return range.reserved.has(value) || this.held.has(ipKey(range.block.family, value));
  }

  hold(range: Range, family: IpFamily, value: bigint, s: Service): void {
    const key = ipKey(family, value);
    const h = this.held.get(key);
    if (h) h.holders.push(s);
    else this.held.set(key, { range, holders: [s] });
  }

  /** Why `s` may not take an address that is held already; null when it may join its holders. */
  joinConflict(key: string, s: Service): string | null {
    const h = this.held.get(key);
    if (!h) return null;
    for (const other of h.holders) {
      const why = sharingConflict(s, other);
      if (why !== null) return why;
    }
    return null;
  }

  /** The lowest free address of the range (LBIPAM-8), or null when it is full. */
  lowestFree(range: Range): bigint | null {
    const { family, first, last } = range.block;
    const taken = [...range.reserved];
    // Any holder counts, whichever range it counts against: overlapping pools share addresses.
    for (const key of this.held.keys()) {
      const [f, v] = key.split('/');
      if (Number(f) !== family) continue;
      const value = BigInt(v!);
      if (value >= first && value <= last) taken.push(value);
    }
    taken.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let next = first;
    for (const t of taken) {
      if (t > next) break;
      if (t === next) next++;
    }
    return next <= last ? next : null;
  }

  /** The ranges containing the address, in pool order. */
  containing(ip: IpAddress): Range[] {
    return this.ranges.filter((r) => r.block.family === ip.family && ip.value >= r.block.first && ip.value <= r.block.last);
  }
}

interface ServiceWork {
  readonly service: Service;
  readonly requested: IpAddress[];
  readonly invalid: string[];
  readonly kept: IpAddress[];
  readonly added: IpAddress[];
  problem: RequestCondition | null;
}

const unsatisfied = (reason: RequestReason, message: string): RequestCondition => ({ status: 'False', reason, message });

function dedupe(ips: readonly IpAddress[]): IpAddress[] {
  const seen = new Set<string>();
  return ips.filter((ip) => {
    const k = ipKey(ip.family, ip.value);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function allocateLbIps(poolsIn: Iterable<LbIpPool>, servicesIn: Iterable<Service>): LbIpamResult {
  const pools = byAge(poolsIn, (p) => p.meta.creationTimestamp, (p) => p.meta.name);
  const conflicting = conflicts(pools);
  const ranges = rangesOf(pools);
  const alloc = new Allocations(ranges);
  const services = [...servicesIn];
  const handled = byAge(services.filter(handledByLbIpam), (s) => s.meta.creationTimestamp, serviceKey);
  // LBIPAM-2: new addresses only from enabled pools that are not in conflict.
  const usable = (r: Range): boolean => !r.pool.disabled && !conflicting.has(r.pool.meta.name);

  const work: ServiceWork[] = handled.map((service) => {
    const requested: IpAddress[] = [];
    const invalid: string[] = [];
    for (const text of service.lbIpam.requestedIPs) {
      const ip = parseIp(text);
      if (ip === null) invalid.push(text);
      else requested.push(ip);
    }
    return { service, requested: dedupe(requested), invalid, kept: [], added: [], problem: null };
  });

  // LBIPAM-7: the addresses the status holds are kept when still valid: requested (when a list
  // exists) or of a wanted family (one each), inside a range of a pool that selects the Service
  // (a disabled or conflicting pool keeps what it handed out), and free or shareable.
  for (const w of work) {
    const s = w.service;
    const wanted = w.requested.length > 0 ? null : wantedFamilies(s);
    for (const ip of dedupe(s.loadBalancerIPs)) {
      if (wanted === null ? !w.requested.some((r) => r.family === ip.family && r.value === ip.value) : !wanted.includes(ip.family) || w.kept.some((k) => k.family === ip.family)) continue;
      const range = alloc.containing(ip).find((r) => selects(r.pool, s) && !r.reserved.has(ip.value));
      if (range === undefined || alloc.joinConflict(ipKey(ip.family, ip.value), s) !== null) continue;
      alloc.hold(range, ip.family, ip.value, s);
      w.kept.push(ip);
    }
  }

  // LBIPAM-8: what is still missing, Service by Service.
  for (const w of work) {
    const s = w.service;
    const has = (ip: IpAddress): boolean => w.kept.some((k) => k.family === ip.family && k.value === ip.value);
    if (w.invalid.length > 0) w.problem = unsatisfied(REQUEST_REASONS.invalidIp, `'${w.invalid.join("', '")}' is not an IP address`);
    if (w.requested.length > 0) {
      for (const ip of w.requested) {
        if (has(ip)) continue;
        const problem = takeRequested(alloc, usable, s, ip);
        if (problem === null) w.added.push(ip);
        else w.problem ??= problem;
      }
      continue;
    }
    for (const family of wantedFamilies(s)) {
      if (w.kept.some((k) => k.family === family)) continue;
      const got = takeAny(alloc, usable, s, family);
      if ('ip' in got) w.added.push(got.ip);
      else w.problem ??= got.problem;
    }
  }

  const out: ServiceAllocation[] = work.map((w) => ({
    key: serviceKey(w.service),
    namespace: w.service.meta.namespace ?? 'default',
    name: w.service.meta.name,
    ips: [...w.kept, ...w.added].map(formatIp),
    condition: w.problem ?? { status: 'True', reason: REQUEST_REASONS.satisfied, message: '' },
  }));
  // LBIPAM-1: a Service LB IPAM no longer handles (its condition says it did) is given back.
  for (const s of byAge(services.filter((x) => !handledByLbIpam(x) && x.lbIpam.condition !== null), (x) => x.meta.creationTimestamp, serviceKey)) {
    out.push({ key: serviceKey(s), namespace: s.meta.namespace ?? 'default', name: s.meta.name, ips: [], condition: null });
  }
  return { services: out, pools: pools.map((p) => poolStatus(p, ranges, alloc, conflicting.get(p.meta.name))) };
}

/** A requested address: from a usable range of a selecting pool, free or shareable (LBIPAM-8, LBIPAM-11). */
function takeRequested(alloc: Allocations, usable: (r: Range) => boolean, s: Service, ip: IpAddress): RequestCondition | null {
  const text = formatIp(ip);
  const enabled = alloc.containing(ip).filter(usable);
  if (enabled.length === 0) return unsatisfied(REQUEST_REASONS.noPool, `No pool exists with a CIDR containing '${text}'`);
  const range = enabled.find((r) => selects(r.pool, s));
  if (range === undefined) return unsatisfied(REQUEST_REASONS.selectorMismatch, `The pool with the CIDR containing '${text}', doesn't select this service`);
  const key = ipKey(ip.family, ip.value);
  if (range.reserved.has(ip.value)) return unsatisfied(REQUEST_REASONS.alreadyAllocated, `The IP '${text}' is already allocated to another service`);
  if (alloc.held.has(key)) {
    if (s.lbIpam.sharingKey === null) return unsatisfied(REQUEST_REASONS.alreadyAllocated, `The IP '${text}' is already allocated to another service`);
    const why = alloc.joinConflict(key, s);
    if (why !== null) return unsatisfied(REQUEST_REASONS.incompatible, `The IP '${text}' is already allocated to an incompatible service. Reason: ${why}`);
  }
  alloc.hold(range, ip.family, ip.value, s);
  return null;
}

/**
 * One address of the family: a shared one when the Service has a sharing key and a compatible
 * group holds one (lowest address first, LBIPAM-11), else the lowest free one of the first usable
 * selecting range with room (LBIPAM-8).
 */
function takeAny(alloc: Allocations, usable: (r: Range) => boolean, s: Service, family: IpFamily): { ip: IpAddress } | { problem: RequestCondition } {
  const candidates = alloc.ranges.filter((r) => r.block.family === family && usable(r) && selects(r.pool, s));
  if (s.lbIpam.sharingKey !== null) {
    const shared = [...alloc.held.entries()]
      .filter(([key, h]) => key.startsWith(`${family}/`) && selects(h.range.pool, s) && alloc.joinConflict(key, s) === null)
      .map(([key, h]) => ({ value: BigInt(key.slice(2)), h }))
      .sort((a, b) => (a.value < b.value ? -1 : 1))[0];
    if (shared !== undefined) {
      alloc.hold(shared.h.range, family, shared.value, s);
      return { ip: { family, value: shared.value } };
    }
  }
  for (const range of candidates) {
    const value = alloc.lowestFree(range);
    if (value === null) continue;
    alloc.hold(range, family, value, s);
    return { ip: { family, value } };
  }
  return candidates.length > 0
    ? { problem: unsatisfied(REQUEST_REASONS.outOfIps, 'All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs') }
    : { problem: unsatisfied(REQUEST_REASONS.noPool, 'There are no enabled CiliumLoadBalancerIPPools that match this service') };
}

/** LBIPAM-12: the pool's counts; an address shared by several Services counts once. */
function poolStatus(pool: LbIpPool, ranges: readonly Range[], alloc: Allocations, conflict: string | undefined): PoolStatus {
  const own = ranges.filter((r) => r.pool === pool);
  const total = own.reduce((n, r) => n + (r.block.last - r.block.first + 1n), 0n);
  let used = own.reduce((n, r) => n + BigInt(r.reserved.size), 0n);
  for (const h of alloc.held.values()) if (h.range.pool === pool) used++;
  return {
    name: pool.meta.name,
    conflict: conflict === undefined ? { status: 'False', reason: 'resolved', message: '' } : { status: 'True', reason: 'cidr_overlap', message: conflict },
    total: String(total),
    used: String(used),
    available: String(total - used),
    invalidBlocks: pool.invalidBlocks,
  };
}
