// LB IPAM's allocator (functions/cilium/lb-ipam.ts): pools and Services in, per Service the
// addresses its status should hold and its condition, per pool its conflict and counts.

import { describe, expect, it } from 'vitest';
import { allocateLbIps, type LbIpamResult } from '../../../functions/cilium/lb-ipam.ts';
import type { LbIpPool } from '../../../functions/model/lb-ip-pool.ts';
import { normaliseObject } from '../../../functions/model/normalise.ts';
import type { Service } from '../../../functions/model/service.ts';

type Obj = Record<string, unknown>;

function record<T>(raw: Obj): T {
  const r = normaliseObject(raw);
  if (r.status !== 'ok') throw new Error(`invalid test object: ${JSON.stringify(r)}`);
  return r.record as T;
}

let clock = 0;
/** Objects are created in the order the test builds them, one second apart, unless `created` says. */
const stamp = (created?: string): string => created ?? new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString().replace('.000', '');

const pool = (name: string, spec: Obj, opts: { created?: string; labels?: Record<string, string> } = {}): LbIpPool =>
  record({ apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name, creationTimestamp: stamp(opts.created), labels: opts.labels ?? {} }, spec });

interface SvcOpts {
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec?: Obj;
  ingress?: string[];
  created?: string;
  condition?: boolean;
}

const svc = (name: string, o: SvcOpts = {}): Service =>
  record({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.namespace ?? 'default', labels: o.labels ?? {}, annotations: o.annotations ?? {}, creationTimestamp: stamp(o.created) },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ipFamilies: ['IPv4'], ...o.spec },
    status: {
      loadBalancer: { ingress: (o.ingress ?? []).map((ip) => ({ ip })) },
      ...(o.condition ? { conditions: [{ type: 'cilium.io/IPAMRequestSatisfied', status: 'True', reason: 'satisfied', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } : {}),
    },
  });

const ipsOf = (r: LbIpamResult): Record<string, readonly string[]> => Object.fromEntries(r.services.map((s) => [s.key, s.ips]));
const conditionOf = (r: LbIpamResult, key: string) => r.services.find((s) => s.key === key)?.condition;
const poolOf = (r: LbIpamResult, name: string) => r.pools.find((p) => p.name === name)!;

describe('LB IPAM: which Services it serves (LBIPAM-1)', () => {
  it('serves type LoadBalancer with no class or io.cilium/bgp-control-plane, nothing else', () => {
    const p = pool('p', { blocks: [{ cidr: '10.0.0.0/29' }] });
    const r = allocateLbIps([p], [
      svc('plain'),
      svc('bgp', { spec: { loadBalancerClass: 'io.cilium/bgp-control-plane' } }),
      svc('l2', { spec: { loadBalancerClass: 'io.cilium/l2-announcer' } }),
      svc('metallb', { spec: { loadBalancerClass: 'metallb.io/metallb' } }),
      svc('cluster-ip', { spec: { type: 'ClusterIP' } }),
    ]);
    expect(ipsOf(r)).toEqual({ 'default/plain': ['10.0.0.0'], 'default/bgp': ['10.0.0.1'] });
  });

  it('gives back a Service it served once it no longer qualifies (its condition says it served it)', () => {
    const p = pool('p', { blocks: [{ cidr: '10.0.0.0/29' }] });
    const r = allocateLbIps([p], [svc('was-lb', { spec: { type: 'ClusterIP' }, ingress: ['10.0.0.0'], condition: true }), svc('never', { spec: { type: 'ClusterIP' } })]);
    expect(r.services).toEqual([{ key: 'default/was-lb', namespace: 'default', name: 'was-lb', ips: [], condition: null }]);
    expect(poolOf(r, 'p').used).toBe('0');
  });
});

describe('LB IPAM: pools (LBIPAM-2 to LBIPAM-4)', () => {
  it('hands out a cidr block from its first address, and start..stop ranges inclusively', () => {
    const r = allocateLbIps([pool('p', { blocks: [{ start: '192.0.2.10', stop: '192.0.2.11' }] })], [svc('a'), svc('b'), svc('c')]);
    expect(ipsOf(r)).toEqual({ 'default/a': ['192.0.2.10'], 'default/b': ['192.0.2.11'], 'default/c': [] });
    expect(conditionOf(r, 'default/c')).toEqual({ status: 'False', reason: 'out_of_ips', message: 'All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs' });
  });

  it('a start without a stop is one address', () => {
    const r = allocateLbIps([pool('p', { blocks: [{ start: '192.0.2.7' }] })], [svc('a'), svc('b')]);
    expect(ipsOf(r)).toEqual({ 'default/a': ['192.0.2.7'], 'default/b': [] });
  });

  it('serviceSelector picks the pool, also by the synthetic name and namespace labels', () => {
    const pools = [
      pool('blue', { blocks: [{ cidr: '10.1.0.0/30' }], serviceSelector: { matchLabels: { color: 'blue' } } }),
      pool('team-a', { blocks: [{ cidr: '10.2.0.0/30' }], serviceSelector: { matchLabels: { 'io.kubernetes.service.namespace': 'team-a' } } }),
    ];
    const r = allocateLbIps(pools, [svc('b', { labels: { color: 'blue' } }), svc('x', { namespace: 'team-a' }), svc('none')]);
    expect(ipsOf(r)).toEqual({ 'default/b': ['10.1.0.0'], 'team-a/x': ['10.2.0.0'], 'default/none': [] });
    expect(conditionOf(r, 'default/none')).toEqual({ status: 'False', reason: 'no_pool', message: 'There are no enabled CiliumLoadBalancerIPPools that match this service' });
  });

  it('a disabled pool hands out nothing new, and the Services holding its addresses keep them', () => {
    const p = pool('p', { blocks: [{ cidr: '10.0.0.0/30' }], disabled: true });
    const r = allocateLbIps([p], [svc('old', { ingress: ['10.0.0.2'] }), svc('new')]);
    expect(ipsOf(r)).toEqual({ 'default/old': ['10.0.0.2'], 'default/new': [] });
    expect(conditionOf(r, 'default/new')?.reason).toBe('no_pool');
    expect(poolOf(r, 'p')).toMatchObject({ total: '4', used: '1', available: '3' });
  });

  it('allowFirstLastIPs: No reserves the first and last address of a cidr of four or more, never of a range', () => {
    const pools = [
      pool('cidr', { blocks: [{ cidr: '10.0.0.0/30' }], allowFirstLastIPs: 'No', serviceSelector: { matchLabels: { p: 'cidr' } } }),
      pool('range', { blocks: [{ start: '10.9.0.0', stop: '10.9.0.3' }], allowFirstLastIPs: 'No', serviceSelector: { matchLabels: { p: 'range' } } }),
    ];
    const r = allocateLbIps(pools, [svc('a', { labels: { p: 'cidr' } }), svc('b', { labels: { p: 'cidr' } }), svc('c', { labels: { p: 'cidr' } }), svc('d', { labels: { p: 'range' } })]);
    expect(ipsOf(r)).toEqual({ 'default/a': ['10.0.0.1'], 'default/b': ['10.0.0.2'], 'default/c': [], 'default/d': ['10.9.0.0'] });
    expect(poolOf(r, 'cidr')).toMatchObject({ total: '4', used: '4', available: '0' });
  });

  it('counts an IPv6 /64 exactly', () => {
    const r = allocateLbIps([pool('v6', { blocks: [{ cidr: '2001:db8::/64' }] })], [svc('a', { spec: { ipFamilies: ['IPv6'] } })]);
    expect(ipsOf(r)).toEqual({ 'default/a': ['2001:db8::'] });
    expect(poolOf(r, 'v6')).toMatchObject({ total: '18446744073709551616', used: '1', available: '18446744073709551615' });
  });

  it('tries pools oldest first, and moves on to the next when one is full', () => {
    const r = allocateLbIps(
      [pool('young', { blocks: [{ cidr: '10.2.0.0/31' }] }, { created: '2026-02-01T00:00:00Z' }), pool('old', { blocks: [{ start: '10.1.0.1' }] }, { created: '2025-01-01T00:00:00Z' })],
      [svc('a'), svc('b')],
    );
    expect(ipsOf(r)).toEqual({ 'default/a': ['10.1.0.1'], 'default/b': ['10.2.0.0'] });
  });
});

describe('LB IPAM: conflicts between pools (LBIPAM-6)', () => {
  it('marks the newer of two overlapping pools, which hands out nothing new; the older goes on', () => {
    const older = pool('older', { blocks: [{ cidr: '10.0.0.0/24' }] }, { created: '2025-01-01T00:00:00Z' });
    const newer = pool('newer', { blocks: [{ start: '10.0.0.200', stop: '10.0.1.5' }], serviceSelector: { matchLabels: { want: 'newer' } } }, { created: '2025-06-01T00:00:00Z' });
    const r = allocateLbIps([newer, older], [svc('a', { labels: { want: 'newer' } })]);
    expect(poolOf(r, 'newer').conflict).toEqual({ status: 'True', reason: 'cidr_overlap', message: "Pool conflicts since range '10.0.0.200 - 10.0.1.5' overlaps range '10.0.0.0 - 10.0.0.255' from IP Pool 'older'" });
    expect(poolOf(r, 'older').conflict).toEqual({ status: 'False', reason: 'resolved', message: '' });
    // The older pool selects every Service.
    expect(ipsOf(r)).toEqual({ 'default/a': ['10.0.0.0'] });
  });

  it('marks a pool whose own blocks overlap', () => {
    const r = allocateLbIps([pool('self', { blocks: [{ cidr: '10.0.0.0/30' }, { start: '10.0.0.3', stop: '10.0.0.9' }] })], [svc('a')]);
    expect(poolOf(r, 'self').conflict.status).toBe('True');
    expect(conditionOf(r, 'default/a')?.reason).toBe('no_pool');
  });

  it('families do not overlap', () => {
    const r = allocateLbIps([pool('v4', { blocks: [{ cidr: '10.0.0.0/30' }] }), pool('v6', { blocks: [{ cidr: '::/126' }] })], []);
    expect(r.pools.map((p) => p.conflict.status)).toEqual(['False', 'False']);
  });
});

describe('LB IPAM: requested addresses (LBIPAM-5, LBIPAM-10)', () => {
  const p = () => pool('p', { blocks: [{ cidr: '10.0.0.0/28' }], serviceSelector: { matchExpressions: [{ key: 'blocked', operator: 'DoesNotExist' }] } });

  it('takes exactly the addresses of lbipam.cilium.io/ips and spec.loadBalancerIP', () => {
    const r = allocateLbIps([p()], [svc('a', { annotations: { 'lbipam.cilium.io/ips': '10.0.0.5, 10.0.0.9' }, spec: { loadBalancerIP: '10.0.0.3' } })]);
    expect(ipsOf(r)).toEqual({ 'default/a': ['10.0.0.3', '10.0.0.5', '10.0.0.9'] });
    expect(conditionOf(r, 'default/a')).toEqual({ status: 'True', reason: 'satisfied', message: '' });
  });

  it('reads the older annotation name, the newer winning', () => {
    const r = allocateLbIps([p()], [svc('old', { annotations: { 'io.cilium/lb-ipam-ips': '10.0.0.4' } }), svc('both', { annotations: { 'io.cilium/lb-ipam-ips': '10.0.0.6', 'lbipam.cilium.io/ips': '10.0.0.7' } })]);
    expect(ipsOf(r)).toEqual({ 'default/old': ['10.0.0.4'], 'default/both': ['10.0.0.7'] });
  });

  it('says why a requested address cannot be had', () => {
    const r = allocateLbIps(
      [p()],
      [
        svc('holder', { annotations: { 'lbipam.cilium.io/ips': '10.0.0.1' } }),
        svc('taken', { annotations: { 'lbipam.cilium.io/ips': '10.0.0.1' } }),
        svc('outside', { annotations: { 'lbipam.cilium.io/ips': '192.0.2.1' } }),
        svc('unselected', { labels: { blocked: 'yes' }, annotations: { 'lbipam.cilium.io/ips': '10.0.0.2' } }),
        svc('typo', { annotations: { 'lbipam.cilium.io/ips': '10.0.0.300,10.0.0.8' } }),
      ],
    );
    expect(ipsOf(r)).toMatchObject({ 'default/holder': ['10.0.0.1'], 'default/taken': [], 'default/outside': [], 'default/unselected': [], 'default/typo': ['10.0.0.8'] });
    expect(conditionOf(r, 'default/taken')).toEqual({ status: 'False', reason: 'already_allocated', message: "The IP '10.0.0.1' is already allocated to another service" });
    expect(conditionOf(r, 'default/outside')).toEqual({ status: 'False', reason: 'no_pool', message: "No pool exists with a CIDR containing '192.0.2.1'" });
    expect(conditionOf(r, 'default/unselected')).toEqual({ status: 'False', reason: 'pool_selector_mismatch', message: "The pool with the CIDR containing '10.0.0.2', doesn't select this service" });
    expect(conditionOf(r, 'default/typo')).toEqual({ status: 'False', reason: 'invalid_ip', message: "'10.0.0.300' is not an IP address" });
  });

  it('an address a Service holds stays its own, even when another asks for it', () => {
    // The generic Service is older and holds 10.0.0.0 already: the newer request for it waits.
    const r = allocateLbIps([p()], [svc('generic', { ingress: ['10.0.0.0'] }), svc('wants-it', { annotations: { 'lbipam.cilium.io/ips': '10.0.0.0' } })]);
    expect(ipsOf(r)).toEqual({ 'default/generic': ['10.0.0.0'], 'default/wants-it': [] });
    expect(conditionOf(r, 'default/wants-it')?.reason).toBe('already_allocated');
  });
});

describe('LB IPAM: families (LBIPAM-9)', () => {
  const pools = () => [pool('v4', { blocks: [{ cidr: '10.0.0.0/30' }] }), pool('v6', { blocks: [{ cidr: 'fd00::/126' }] })];

  it('one address per wanted family', () => {
    const r = allocateLbIps(pools(), [
      svc('single-v6', { spec: { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' } }),
      svc('prefer', { spec: { ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'PreferDualStack' } }),
      svc('require', { spec: { ipFamilies: ['IPv4'], ipFamilyPolicy: 'RequireDualStack' } }),
      svc('unset', { spec: { ipFamilies: [] } }),
    ]);
    expect(ipsOf(r)).toEqual({
      'default/single-v6': ['fd00::'],
      'default/prefer': ['fd00::1', '10.0.0.0'],
      'default/require': ['10.0.0.1', 'fd00::2'],
      'default/unset': ['10.0.0.2'],
    });
  });

  it('is unsatisfied while one family has no pool, keeping the other', () => {
    const r = allocateLbIps([pool('v4', { blocks: [{ cidr: '10.0.0.0/30' }] })], [svc('dual', { spec: { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' } })]);
    expect(ipsOf(r)).toEqual({ 'default/dual': ['10.0.0.0'] });
    expect(conditionOf(r, 'default/dual')?.reason).toBe('no_pool');
  });
});

describe('LB IPAM: sharing keys (LBIPAM-11)', () => {
  const p = () => pool('p', { blocks: [{ cidr: '10.0.0.0/30' }] });
  const key = (k: string, extra: Record<string, string> = {}) => ({ 'lbipam.cilium.io/sharing-key': k, ...extra });

  it('Services with one key and different ports share one address', () => {
    const r = allocateLbIps([p()], [svc('http', { annotations: key('k') }), svc('dns', { annotations: key('k'), spec: { ports: [{ port: 53 }] } })]);
    expect(ipsOf(r)).toEqual({ 'default/http': ['10.0.0.0'], 'default/dns': ['10.0.0.0'] });
    expect(poolOf(r, 'p')).toMatchObject({ used: '1', available: '3' });
  });

  it('does not share on the same port, another key, another traffic policy, or across namespaces unless both allow it', () => {
    const r = allocateLbIps(
      [p()],
      [
        svc('a', { annotations: key('k') }),
        svc('same-port', { annotations: key('k') }),
        svc('local', { annotations: key('k'), spec: { ports: [{ port: 81 }], externalTrafficPolicy: 'Local', selector: { app: 'x' } } }),
        svc('other-ns', { namespace: 'b', annotations: key('k', { 'lbipam.cilium.io/sharing-cross-namespace': '*' }), spec: { ports: [{ port: 82 }] } }),
      ],
    );
    expect(ipsOf(r)).toEqual({ 'default/a': ['10.0.0.0'], 'default/same-port': ['10.0.0.1'], 'default/local': ['10.0.0.2'], 'b/other-ns': ['10.0.0.3'] });
  });

  it('shares across namespaces when each allows the other', () => {
    const r = allocateLbIps(
      [p()],
      [
        svc('a', { namespace: 'x', annotations: key('k', { 'lbipam.cilium.io/sharing-cross-namespace': 'y' }) }),
        svc('b', { namespace: 'y', annotations: key('k', { 'lbipam.cilium.io/sharing-cross-namespace': 'x' }), spec: { ports: [{ port: 443 }] } }),
      ],
    );
    expect(ipsOf(r)).toEqual({ 'x/a': ['10.0.0.0'], 'y/b': ['10.0.0.0'] });
  });

  it('a requested address held by an incompatible Service says why', () => {
    const r = allocateLbIps([p()], [svc('a', { annotations: key('k') }), svc('b', { annotations: { ...key('k'), 'lbipam.cilium.io/ips': '10.0.0.0' } })]);
    expect(conditionOf(r, 'default/b')).toEqual({ status: 'False', reason: 'already_allocated_incompatible_service', message: "The IP '10.0.0.0' is already allocated to an incompatible service. Reason: same port" });
  });
});

describe('LB IPAM: stability (LBIPAM-7, LBIPAM-8)', () => {
  it('a new, older-stamped Service never moves the addresses others hold', () => {
    const p = pool('p', { blocks: [{ cidr: '10.0.0.0/30' }] });
    const b = svc('b', { ingress: ['10.0.0.0'] });
    const a = svc('a', { created: '2020-01-01T00:00:00Z' });
    expect(ipsOf(allocateLbIps([p], [b, a]))).toEqual({ 'default/a': ['10.0.0.1'], 'default/b': ['10.0.0.0'] });
  });

  it('hands out in creation order, then by name, whatever the input order', () => {
    const p = pool('p', { blocks: [{ cidr: '10.0.0.0/30' }] });
    const t = '2026-03-01T00:00:00Z';
    const services = [svc('z', { created: '2026-02-01T00:00:00Z' }), svc('b', { created: t }), svc('a', { created: t })];
    const once = allocateLbIps([p], services);
    expect(ipsOf(once)).toEqual({ 'default/z': ['10.0.0.0'], 'default/a': ['10.0.0.1'], 'default/b': ['10.0.0.2'] });
    expect(allocateLbIps([p], [...services].reverse())).toEqual(once);
  });

  it('a deleted Service frees its address for the next', () => {
    const p = pool('p', { blocks: [{ start: '10.0.0.1' }] });
    const first = allocateLbIps([p], [svc('gone', { ingress: ['10.0.0.1'] }), svc('next')]);
    expect(ipsOf(first)).toEqual({ 'default/gone': ['10.0.0.1'], 'default/next': [] });
    expect(ipsOf(allocateLbIps([p], [svc('next')]))).toEqual({ 'default/next': ['10.0.0.1'] });
  });

  it('drops an address that is no longer valid: outside every pool, no longer requested, or held twice', () => {
    const p = pool('p', { blocks: [{ cidr: '10.0.0.0/30' }] });
    const r = allocateLbIps([p], [
      svc('outside', { ingress: ['192.0.2.1'] }),
      svc('unrequested', { ingress: ['10.0.0.1'], annotations: { 'lbipam.cilium.io/ips': '10.0.0.2' } }),
      svc('twice-1', { ingress: ['10.0.0.3'] }),
      svc('twice-2', { ingress: ['10.0.0.3'] }),
    ]);
    expect(ipsOf(r)).toEqual({ 'default/outside': ['10.0.0.0'], 'default/unrequested': ['10.0.0.2'], 'default/twice-1': ['10.0.0.3'], 'default/twice-2': ['10.0.0.1'] });
  });
});
