// Router IDs of the ip-pool mode (docs/cilium-semantics.md INST-7, docs/router-id-pool.md): the
// allocator's rule (nextAllocations) and what a node's plan takes from the allocation object
// (poolRouterId through planNode), with the object folded as the log would fold it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeConditions } from '../../../functions/cilium/conditions.ts';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { planNode } from '../../../functions/cilium/instances.ts';
import { absentNodes, nextAllocations as next } from '../../../functions/cilium/router-id-pool.ts';
import type { Settings } from '../../../functions/settings.ts';
import { worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import { applyObject, deleteObject } from '../../../functions/model/world.ts';
import { DesiredCache } from '../../../functions/incremental/desired-cache.ts';
import { clusterConfig, node, override } from './builders.ts';

type Obj = Record<string, unknown>;
const ipPool = (pool: string): Partial<Settings> => ({ routerIdAllocationMode: 'ip-pool', routerIdAllocationPool: pool });

const cluster = (instances = ['a']): Obj =>
  clusterConfig('bgp', { bgpInstances: instances.map((name) => ({ name, localASN: 64512, peers: [{ name: 'tor', peerASN: 65000, peerAddress: '192.0.2.1' }] })) });

const allocation = (allocations: Record<string, string>, pool = '10.0.0.0/29', previous: string | null = null): Obj => ({
  apiVersion: 'bgpcast.io/v1',
  kind: 'RouterIDAllocation',
  metadata: { name: 'router-ids' },
  spec: { pool, previous, allocations },
});

/** The allocator's rule over a whole world: every node it lacks was deleted (no world is partly folded here). */
const nextAllocations = (world: WorldView) => next(world, new Set(absentNodes(world)));

/** The world after the allocator's next version is folded (as the log would). */
function settle(world: WorldView): WorldView {
  const next = nextAllocations(world);
  if (next === null) return world;
  return applyObject(world, allocation(Object.fromEntries(next.allocations), next.pool)).world;
}

const ids = (world: WorldView) =>
  Object.fromEntries([...world.nodes.keys()].sort().map((n) => [n, computeDesiredNode(world, n).instances.map((i) => i.routerID).join(',')]));

describe('nextAllocations: the allocator (INST-7)', () => {
  it('the lowest free address in key order, the network address first; instances get one each', () => {
    const world = worldFromObjects([cluster(['a', 'b']), node('w2'), node('w1')], ipPool('10.0.0.0/29'));
    expect(Object.fromEntries(nextAllocations(world)!.allocations)).toEqual({
      'w1/a': '10.0.0.0',
      'w1/b': '10.0.0.1',
      'w2/a': '10.0.0.2',
      'w2/b': '10.0.0.3',
    });
  });

  it('a node keeps its ID when an older one leaves; the freed address goes to the next node that comes', () => {
    let world = settle(worldFromObjects([cluster(), node('w1'), node('w2'), node('w3')], ipPool('10.0.0.0/29')));
    expect(ids(world)).toEqual({ w1: '10.0.0.0', w2: '10.0.0.1', w3: '10.0.0.2' });
    world = settle(deleteObject(world, { kind: 'Node', name: 'w1' }));
    expect(ids(world)).toEqual({ w2: '10.0.0.1', w3: '10.0.0.2' });
    world = settle(applyObject(world, node('w9')).world);
    expect(ids(world)).toEqual({ w2: '10.0.0.1', w3: '10.0.0.2', w9: '10.0.0.0' });
  });

  it('an override outside the pool is used as it is and takes nothing; inside, it is recorded for its node', () => {
    const objects = [cluster(), node('w1'), node('w2'), node('w3'), override('w1', [{ name: 'a', routerID: '192.0.2.77' }]), override('w2', [{ name: 'a', routerID: '10.0.0.5' }])];
    const world = settle(worldFromObjects(objects, ipPool('10.0.0.0/29')));
    expect(Object.fromEntries(nextAllocations(world)!.allocations)).toEqual({ 'w2/a': '10.0.0.5', 'w3/a': '10.0.0.0' });
    expect(ids(world)).toEqual({ w1: '192.0.2.77', w2: '10.0.0.5', w3: '10.0.0.0' });
  });

  it('an override naming an ID another node holds: that node keeps it, the override waits, reported (as Cilium refuses it)', () => {
    let world = settle(worldFromObjects([cluster(), node('w1'), node('w2')], ipPool('10.0.0.0/29')));
    world = settle(applyObject(world, override('w2', [{ name: 'a', routerID: '10.0.0.0' }])).world);
    expect(ids(world)).toEqual({ w1: '10.0.0.0', w2: '' });
    expect(planNode(world, 'w2').problems).toEqual(['a: router ID 10.0.0.0 is already allocated to w1/a']);
    // Once the holder is gone, the override gets its address.
    world = settle(deleteObject(world, { kind: 'Node', name: 'w1' }));
    expect(ids(world)).toEqual({ w2: '10.0.0.0' });
  });

  it('a node absent from the world but not known to be deleted (a world still being rebuilt) keeps its ID', () => {
    const world = worldFromObjects([cluster(), node('w2'), allocation({ 'w1/a': '10.0.0.0' })], ipPool('10.0.0.0/29'));
    expect(Object.fromEntries(next(world, new Set())!.allocations)).toEqual({ 'w1/a': '10.0.0.0', 'w2/a': '10.0.0.1' });
    expect(Object.fromEntries(next(world, new Set(['w1']))!.allocations)).toEqual({ 'w2/a': '10.0.0.0' });
  });

  it('an unselected node keeps its ID, and has it again when selected again', () => {
    const selective = (label: string) =>
      clusterConfig('bgp', { nodeSelector: { matchLabels: { bgp: label } }, bgpInstances: [{ name: 'a', localASN: 64512, peers: [] }] });
    let world = settle(worldFromObjects([selective('on'), node('w1', { bgp: 'on' }), node('w2', { bgp: 'on' })], ipPool('10.0.0.0/29')));
    expect(ids(world)).toEqual({ w1: '10.0.0.0', w2: '10.0.0.1' });
    world = settle(applyObject(world, node('w1', { bgp: 'off' })).world);
    world = settle(applyObject(world, node('w3', { bgp: 'on' })).world);
    expect(ids(world)).toEqual({ w1: '', w2: '10.0.0.1', w3: '10.0.0.2' });
    world = settle(applyObject(world, node('w1', { bgp: 'on' })).world);
    expect(ids(world)).toEqual({ w1: '10.0.0.0', w2: '10.0.0.1', w3: '10.0.0.2' });
  });

  it('a new pool keeps the IDs inside it and moves the others', () => {
    let world = settle(worldFromObjects([cluster(), node('w1'), node('w2')], ipPool('10.0.0.0/31')));
    expect(ids(world)).toEqual({ w1: '10.0.0.0', w2: '10.0.0.1' });
    world = settle({ ...world, settings: { ...world.settings, routerIdAllocationPool: '10.0.0.1/32' } });
    world = settle({ ...world, settings: { ...world.settings, routerIdAllocationPool: '10.0.0.0/30' } });
    expect(ids(world).w2).toBe('10.0.0.1');
  });
});

describe('what a node takes from the allocation object', () => {
  it('nothing yet: the instance waits, unreported; the default mode ignores the object', () => {
    const world = worldFromObjects([cluster(), node('w1', {}, { ips: ['172.16.0.1'] })], ipPool('10.0.0.0/29'));
    expect(computeDesiredNode(world, 'w1').instances).toEqual([]);
    expect(planNode(world, 'w1').problems).toEqual([]);
    const fixed = worldFromObjects([cluster(), node('w1', {}, { ips: ['172.16.0.1'] }), allocation({ 'w1/a': '10.0.0.3' })]);
    expect(ids(fixed)).toEqual({ w1: '172.16.0.1' });
  });

  it('the pool used up: the node left out says so, and so does its ClusterConfig; a node leaving frees an address', () => {
    let world = settle(worldFromObjects([cluster(), node('w1'), node('w2'), node('w3')], ipPool('10.0.0.0/31')));
    expect(nextAllocations(world)!.exhausted).toEqual(['w3/a']);
    expect(ids(world)).toEqual({ w1: '10.0.0.0', w2: '10.0.0.1', w3: '' });
    expect(planNode(world, 'w3').problems).toEqual(['a: no router ID left in the pool 10.0.0.0/31 (2 addresses, all allocated)']);
    const pool = () => computeConditions(world).filter((c) => c.type === 'bgpcast.io/RouterIDPoolExhausted');
    expect(pool()).toEqual([
      {
        kind: 'CiliumBGPClusterConfig',
        name: 'bgp',
        type: 'bgpcast.io/RouterIDPoolExhausted',
        status: 'True',
        reason: 'RouterIDPoolExhausted',
        message: 'No router ID left in the pool 10.0.0.0/31 for 1 node instance(s): w3/a',
      },
    ]);
    expect(computeConditions(world).find((c) => c.kind === 'CiliumBGPNodeConfig' && c.name === 'w3')?.message).toBe(
      'a: no router ID left in the pool 10.0.0.0/31 (2 addresses, all allocated)\n',
    );
    world = settle(deleteObject(world, { kind: 'Node', name: 'w1' }));
    expect(ids(world)).toEqual({ w2: '10.0.0.1', w3: '10.0.0.0' });
    expect(pool()[0]?.status).toBe('False');
  });

  it('a pool setting that is not an IPv4 prefix is reported on every node', () => {
    const world = worldFromObjects([cluster(), node('w1')], ipPool('2001:db8::/64'));
    expect(nextAllocations(world)).toBeNull();
    expect(planNode(world, 'w1').problems).toEqual(['a: bgp-router-id-allocation-ip-pool "2001:db8::/64" is not an IPv4 prefix']);
  });
});

describe('the incremental road', () => {
  it('a DesiredCache kept across worlds follows the allocation object as the definition does', () => {
    const cache = new DesiredCache();
    let world = worldFromObjects([cluster(), node('w1'), node('w2')], ipPool('10.0.0.0/29'));
    const same = () => {
      for (const n of ['w1', 'w2']) expect(cache.document(cache.view(world, n))).toEqual(computeDesiredNode(world, n));
    };
    same();
    world = settle(world);
    same();
    world = settle(deleteObject(world, { kind: 'Node', name: 'w1' }));
    world = settle(applyObject(world, override('w2', [{ name: 'a', routerID: '10.0.0.7' }])).world);
    same();
    expect(cache.conditions(world)).toEqual(computeConditions(world));
  });
});

describe('under a random stream of nodes and overrides', () => {
  const names = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7'];
  const op = fc.oneof(
    fc.record({ add: fc.constantFrom(...names) }),
    fc.record({ del: fc.constantFrom(...names) }),
    fc.record({ pin: fc.constantFrom(...names), id: fc.integer({ min: 0, max: 9 }) }),
    fc.record({ unpin: fc.constantFrom(...names) }),
  );

  it('no two nodes ever hold one ID, and a node keeps its ID for as long as it lives unpinned', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.boolean(), (ops, settleEveryStep) => {
        let world = worldFromObjects([cluster(['a', 'b'])], ipPool('10.0.0.0/29'));
        let before = new Map<string, string>();
        for (const o of ops) {
          if ('add' in o) world = applyObject(world, node(o.add)).world;
          else if ('del' in o) world = deleteObject(world, { kind: 'Node', name: o.del });
          else if ('pin' in o) world = applyObject(world, override(o.pin, [{ name: 'a', routerID: `10.0.0.${o.id}` }])).world;
          else world = deleteObject(world, { kind: 'CiliumBGPNodeConfigOverride', name: o.unpin });
          // The allocator does not always run between two changes (batches): both ways hold.
          if (settleEveryStep || o === ops[ops.length - 1]) world = settle(world);
          const now = new Map<string, string>();
          for (const n of world.nodes.keys()) for (const i of computeDesiredNode(world, n).instances) now.set(`${n}/${i.name}`, i.routerID);
          // The pool is 10.0.0.0–10.0.0.7; an override outside it (.8, .9) is the user's choice,
          // used as given in any mode (INST-7), so two nodes pinned there may share it.
          const values = [...now.values()].filter((id) => Number(id.split('.')[3]) < 8);
          expect(new Set(values).size).toBe(values.length);
          for (const [key, id] of now) {
            const pinned = world.nodeConfigOverrides.has(key.split('/')[0]!);
            if (before.has(key) && !pinned && world.nodes.has(key.split('/')[0]!)) expect(id).toBe(before.get(key));
          }
          before = new Map([...now].filter(([k]) => !world.nodeConfigOverrides.has(k.split('/')[0]!)));
        }
      }),
      { numRuns: 200 },
    );
  });
});
