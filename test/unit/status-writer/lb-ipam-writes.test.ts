// LB IPAM's writes (functions/status-writer/lb-ipam-writes.ts): what is applied to Services and
// pools, when a write is needed, and the addresses last written standing in while the world lags.
import { describe, expect, it } from 'vitest';
import { lbIpamNeedsWrite, planLbIpamWrites, type LbIpamWrite } from '../../../functions/status-writer/lb-ipam-writes.ts';
import { worldFromObjects } from '../../../functions/model/world.ts';

const now = new Date('2026-05-01T12:00:00Z');
const pool = (spec: Record<string, unknown> = { blocks: [{ cidr: '10.0.0.0/30' }] }, status?: unknown) => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumLoadBalancerIPPool',
  metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z', generation: 2 },
  spec,
  ...(status ? { status } : {}),
});
const svc = (name: string, status: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'web', creationTimestamp: `2026-01-0${name === 'a' ? 1 : 2}T00:00:00Z` },
  spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec },
  status,
});
const satisfied = { type: 'cilium.io/IPAMRequestSatisfied', status: 'True', reason: 'satisfied', message: '', lastTransitionTime: '2026-02-01T00:00:00Z' };
const byKey = (writes: readonly LbIpamWrite[]) => Object.fromEntries(writes.map((w) => [w.key, w]));

describe('LB IPAM writes', () => {
  it('applies a Service\'s ingress and condition, and a pool\'s conflict and counts, to their status subresources', () => {
    const writes = byKey(planLbIpamWrites({ world: worldFromObjects([pool(), svc('a')]), written: new Map(), now, poolVersion: 'v2' }));
    expect(writes['Service/web/a']).toMatchObject({
      path: '/api/v1/namespaces/web/services/a/status',
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'a', namespace: 'web' },
        status: { loadBalancer: { ingress: [{ ip: '10.0.0.0' }] }, conditions: [{ ...satisfied, lastTransitionTime: '2026-05-01T12:00:00Z' }] },
      },
    });
    expect(writes['CiliumLoadBalancerIPPool/p']!.path).toBe('/apis/cilium.io/v2/ciliumloadbalancerippools/p/status');
    expect((writes['CiliumLoadBalancerIPPool/p']!.body['status'] as { conditions: unknown[] }).conditions).toEqual([
      { type: 'cilium.io/IPsAvailable', status: 'Unknown', observedGeneration: 2, lastTransitionTime: '2026-05-01T12:00:00Z', reason: 'noreason', message: '3' },
      { type: 'cilium.io/IPsTotal', status: 'Unknown', observedGeneration: 2, lastTransitionTime: '2026-05-01T12:00:00Z', reason: 'noreason', message: '4' },
      { type: 'cilium.io/IPsUsed', status: 'Unknown', observedGeneration: 2, lastTransitionTime: '2026-05-01T12:00:00Z', reason: 'noreason', message: '1' },
      { type: 'cilium.io/PoolConflict', status: 'False', observedGeneration: 2, lastTransitionTime: '2026-05-01T12:00:00Z', reason: 'resolved', message: '' },
    ]);
  });

  it('writes nothing the world already shows, keeping the transition time', () => {
    const world = worldFromObjects([svc('a', { loadBalancer: { ingress: [{ ip: '10.0.0.0' }] }, conditions: [satisfied] }), pool()]);
    const w = byKey(planLbIpamWrites({ world, written: new Map(), now, poolVersion: null }))['Service/web/a']!;
    expect(w.digest).toBe(w.worldDigest);
    expect(lbIpamNeedsWrite(w, undefined, true)).toBe(false);
    expect((w.body['status'] as { conditions: { lastTransitionTime: string }[] }).conditions[0]!.lastTransitionTime).toBe('2026-02-01T00:00:00Z');
  });

  it('is dormant with no pool and no Service it served', () => {
    expect(planLbIpamWrites({ world: worldFromObjects([svc('a')]), written: new Map(), now, poolVersion: 'v2' })).toEqual([]);
  });

  it('takes back what it wrote to a Service it no longer serves: an apply without status', () => {
    const world = worldFromObjects([svc('a', { loadBalancer: { ingress: [{ ip: '10.0.0.0' }] }, conditions: [satisfied] }, { loadBalancerClass: 'example.com/other' })]);
    const w = byKey(planLbIpamWrites({ world, written: new Map(), now, poolVersion: 'v2' }))['Service/web/a']!;
    expect(w.body).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'web' } });
    expect(lbIpamNeedsWrite(w, undefined, false)).toBe(true);
  });

  it('while the world lags, hands out nothing twice: the addresses last written stand in', () => {
    // a was given 10.0.0.0 (written, not yet in the world); b, newer, must not get it too.
    const world = worldFromObjects([pool(), svc('b')]);
    const withA = worldFromObjects([pool(), svc('a'), svc('b')]);
    expect(byKey(planLbIpamWrites({ world: withA, written: new Map(), now, poolVersion: null }))['Service/web/b']!.ips).toEqual(['10.0.0.1']);
    const lagging = byKey(planLbIpamWrites({ world: withA, written: new Map([['web/a', ['10.0.0.1']]]), now, poolVersion: null }));
    expect(lagging['Service/web/a']!.ips).toEqual(['10.0.0.1']);
    expect(lagging['Service/web/b']!.ips).toEqual(['10.0.0.0']);
    expect(planLbIpamWrites({ world, written: new Map(), now, poolVersion: null }).map((w) => w.ips)).toEqual([['10.0.0.0']]);
  });

  it('repeats no write while the world has not moved since, and writes again when it has', () => {
    const world = worldFromObjects([pool(), svc('a')]);
    const w = byKey(planLbIpamWrites({ world, written: new Map(), now, poolVersion: null }))['Service/web/a']!;
    expect(lbIpamNeedsWrite(w, { digest: w.digest, worldDigest: w.worldDigest }, false)).toBe(false);
    expect(lbIpamNeedsWrite(w, { digest: w.digest, worldDigest: 'before someone else wrote' }, false)).toBe(true);
    expect(lbIpamNeedsWrite(w, { digest: w.digest, worldDigest: w.worldDigest }, true)).toBe(true);
  });
});

describe('CiliumLoadBalancerIPPool blocks (LBIPAM-2, LBIPAM-4)', () => {
  it.each([
    [{ cidr: '10.0.0.0/33' }, 'spec.blocks[1]: cidr: "10.0.0.0/33" is not a CIDR'],
    [{ start: '10.0.0.9', stop: '10.0.0.1' }, 'spec.blocks[1]: stop: must not come before start'],
    [{ start: '10.0.0.1', stop: 'fd00::1' }, 'spec.blocks[1]: stop: start and stop must be of one address family'],
    [{ start: '10.0.0.x' }, 'spec.blocks[1]: start: "10.0.0.x" is not an IP address'],
    [{ stop: '10.0.0.1' }, 'spec.blocks[1]: a block needs a cidr or a start'],
  ])('%j is left out and named on the pool; its other blocks go on: %s', (block, message) => {
    const world = worldFromObjects([pool({ blocks: [{ cidr: '192.0.2.0/31' }, block] }), svc('a')]);
    expect(world.lbIpPools.get('p')!.invalidBlocks).toEqual([message]);
    const writes = byKey(planLbIpamWrites({ world, written: new Map(), now, poolVersion: 'v2' }));
    expect(writes['Service/web/a']!.ips).toEqual(['192.0.2.0']);
    expect((writes['CiliumLoadBalancerIPPool/p']!.body['status'] as { conditions: unknown[] }).conditions).toContainEqual({
      type: 'bgpcast.io/InvalidBlocks', status: 'True', observedGeneration: 2, lastTransitionTime: '2026-05-01T12:00:00Z', reason: 'InvalidBlocks', message,
    });
  });

  it('a pool without bad blocks has no InvalidBlocks condition', () => {
    const writes = byKey(planLbIpamWrites({ world: worldFromObjects([pool()]), written: new Map(), now, poolVersion: 'v2' }));
    expect(JSON.stringify(writes['CiliumLoadBalancerIPPool/p']!.body)).not.toContain('InvalidBlocks');
  });
});
