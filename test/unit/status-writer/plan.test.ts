// Condition semantics and change detection: what the status writer would write, from the world,
// the functions' conditions, the speakers' reports and the objects as the API server holds them.
import { describe, expect, it } from 'vitest';
import { computeConditions } from '../../../functions/cilium/conditions.ts';
import { worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import { clearedCondition, kubeTime, resolveConditions } from '../../../functions/status-writer/conditions.ts';
import { STATUS_WRITER_MANAGER, type KubeCondition, type LiveObject } from '../../../functions/status-writer/live.ts';
import { needsWrite, planStatusWrites, type ApplyWrite, type StatusWriterInputs, type Write } from '../../../functions/status-writer/plan.ts';
import { clusterConfig, node, peerConfig, simpleCluster } from '../functions/builders.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');
const T1 = new Date('2025-03-01T12:05:00.000Z');

describe('condition transitions', () => {
  const was: KubeCondition[] = [
    { type: 'cilium.io/NoMatchingNode', status: 'True', observedGeneration: 1, lastTransitionTime: kubeTime(T0), reason: 'NoMatchingNode', message: 'No node matches spec.nodeSelector' },
    { type: 'bgpcast.io/InvalidObject', status: 'True', observedGeneration: 1, lastTransitionTime: kubeTime(T0), reason: 'ValidationFailed', message: 'spec: bad' },
  ];

  it('lastTransitionTime stays while the status stays, whatever else changes; moves when it flips', () => {
    const same = resolveConditions([{ type: 'cilium.io/NoMatchingNode', status: 'True', reason: 'NoMatchingNode', message: 'No node matches spec.nodeSelector' }], was.slice(0, 1), T1, 2);
    expect(same).toEqual([{ ...was[0], observedGeneration: 2 }]);
    const flipped = resolveConditions([{ type: 'cilium.io/NoMatchingNode', status: 'False', reason: 'NoMatchingNode', message: 'At least one node matches spec.nodeSelector' }], was.slice(0, 1), T1, 2);
    expect(flipped[0]).toMatchObject({ status: 'False', lastTransitionTime: '2025-03-01T12:05:00Z', observedGeneration: 2 });
  });

  it('a condition once reported stays, False, when the functions no longer list it', () => {
    const after = resolveConditions([{ type: 'cilium.io/NoMatchingNode', status: 'True', reason: 'NoMatchingNode', message: 'x' }], was, T1, 3);
    expect(after.map((c) => c.type)).toEqual(['bgpcast.io/InvalidObject', 'cilium.io/NoMatchingNode']);
    expect(after[0]).toEqual({ type: 'bgpcast.io/InvalidObject', status: 'False', observedGeneration: 3, lastTransitionTime: '2025-03-01T12:05:00Z', reason: 'ValidationPassed', message: '' });
    expect(clearedCondition('cilium.io/BGPReconcileError')).toEqual({ type: 'cilium.io/BGPReconcileError', status: 'False', reason: 'BGPReconcileError', message: '' });
  });

  it('types it never writes are not kept', () => {
    const foreign = { ...was[0]!, type: 'example.com/Other' };
    expect(resolveConditions([], [foreign], T1, 1)).toEqual([]);
  });
});

// --- planning against live objects ----------------------------------------------------------------

const w1 = node('w1', { bgp: 'true' }, { ips: ['172.16.1.1'] });
const cluster = (generation: number, selector = 'true') =>
  ({ ...simpleCluster('c', { nodeSelector: { matchLabels: { bgp: selector } }, created: '2024-01-01T00:00:00Z' }), metadata: { name: 'c', creationTimestamp: '2024-01-01T00:00:00Z', generation } });

/** An object as the API server returns it after this writer's applies: status and managedFields. */
function liveAfter(writes: readonly Write[], base: LiveObject, key: string, mainKey?: string): LiveObject {
  const status = writes.find((w) => w.key === key && w.op === 'apply-status') as ApplyWrite | undefined;
  const main = mainKey ? (writes.find((w) => w.key === mainKey && w.op === 'apply') as ApplyWrite | undefined) : undefined;
  const fieldsOf = (v: unknown): Record<string, unknown> => {
    if (Array.isArray(v)) return Object.fromEntries(v.map((e) => [`k:${JSON.stringify('type' in e ? { type: e.type } : 'uid' in e ? { uid: e.uid } : { name: e.name })}`, fieldsOf(e)]));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [`f:${k}`, fieldsOf(x)]));
    return {};
  };
  const managedFields = [
    ...(main ? [{ manager: STATUS_WRITER_MANAGER, operation: 'Apply', fieldsV1: fieldsOf({ metadata: { ownerReferences: (main.body['metadata'] as { ownerReferences: unknown }).ownerReferences }, spec: main.body['spec'] }) }] : []),
    ...(status?.body['status'] ? [{ manager: STATUS_WRITER_MANAGER, operation: 'Apply', subresource: 'status', fieldsV1: fieldsOf({ status: status.body['status'] }) }] : []),
  ];
  return {
    ...base,
    ...(main ? { spec: main.body['spec'], metadata: { ...base.metadata, ownerReferences: (main.body['metadata'] as LiveObject['metadata']).ownerReferences } } : {}),
    ...(status?.body['status'] ? { status: status.body['status'] as LiveObject['status'] } : {}),
    metadata: { ...base.metadata, ...(main ? { ownerReferences: (main.body['metadata'] as LiveObject['metadata']).ownerReferences } : {}), managedFields },
  };
}

function inputs(world: WorldView, live: { cc?: LiveObject[]; pc?: LiveObject[]; nc?: LiveObject[] }, over: Partial<StatusWriterInputs> = {}): StatusWriterInputs {
  return {
    world,
    conditions: computeConditions(world),
    reports: new Map(),
    live: {
      clusterConfigs: new Map((live.cc ?? []).map((o) => [o.metadata.name, o])),
      peerConfigs: new Map((live.pc ?? []).map((o) => [o.metadata.name, o])),
      nodeConfigs: new Map((live.nc ?? []).map((o) => [o.metadata.name, o])),
    },
    statusReport: true,
    now: T0,
    apiVersion: 'cilium.io/v2',
    ...over,
  };
}

const ccLive = (generation: number): LiveObject => ({ metadata: { name: 'c', uid: 'uid-c', generation } });

describe('planStatusWrites', () => {
  it('the ClusterConfig\'s three conditions, with the generation the world holds and the time of the first report', () => {
    const world = worldFromObjects([w1, cluster(4), peerConfig('peer-config')]);
    const { writes } = planStatusWrites(inputs(world, { cc: [ccLive(4)] }));
    const status = writes.find((w) => w.key === 'CiliumBGPClusterConfig/c/status') as ApplyWrite;
    expect(status.body).toEqual({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPClusterConfig',
      metadata: { name: 'c' },
      status: {
        conditions: [
          { type: 'cilium.io/ConflictingClusterConfig', status: 'False', observedGeneration: 4, lastTransitionTime: '2025-03-01T12:00:00Z', reason: 'ConflictingClusterConfigs', message: '' },
          { type: 'cilium.io/MissingPeerConfigs', status: 'False', observedGeneration: 4, lastTransitionTime: '2025-03-01T12:00:00Z', reason: 'MissingPeerConfigs', message: '' },
          { type: 'cilium.io/NoMatchingNode', status: 'False', observedGeneration: 4, lastTransitionTime: '2025-03-01T12:00:00Z', reason: 'NoMatchingNode', message: 'At least one node matches spec.nodeSelector' },
        ],
      },
    });
  });

  it('rewritten later with nothing changed: the same digest, as the API server holds it; no write either way', () => {
    const world = worldFromObjects([w1, cluster(4), peerConfig('peer-config')]);
    const first = planStatusWrites(inputs(world, { cc: [ccLive(4)] })).writes;
    const live = liveAfter(first, ccLive(4), 'CiliumBGPClusterConfig/c/status');
    const later = planStatusWrites(inputs(world, { cc: [live] }, { now: T1 })).writes.find((w) => w.key === 'CiliumBGPClusterConfig/c/status')!;
    const before = first.find((w) => w.key === 'CiliumBGPClusterConfig/c/status') as ApplyWrite;
    expect(later).toMatchObject({ digest: before.digest, liveDigest: before.digest });
    expect(needsWrite(later, { uid: 'uid-c', digest: before.digest }, false)).toBe(false);
    expect(needsWrite(later, undefined, true)).toBe(false); // a resync compares with the API server: equal
  });

  it('a flip moves lastTransitionTime of that condition only, and bumps observedGeneration', () => {
    const world = worldFromObjects([w1, cluster(4), peerConfig('peer-config')]);
    const first = planStatusWrites(inputs(world, { cc: [ccLive(4)] })).writes;
    const live = { ...liveAfter(first, ccLive(4), 'CiliumBGPClusterConfig/c/status'), metadata: { ...liveAfter(first, ccLive(4), 'CiliumBGPClusterConfig/c/status').metadata, generation: 5 } };
    const unselected = worldFromObjects([w1, cluster(5, 'nope'), peerConfig('peer-config')]);
    const w = planStatusWrites(inputs(unselected, { cc: [live] }, { now: T1 })).writes.find((x) => x.key === 'CiliumBGPClusterConfig/c/status') as ApplyWrite;
    const conds = (w.body['status'] as { conditions: KubeCondition[] }).conditions;
    expect(conds.map((c) => [c.type, c.status, c.lastTransitionTime, c.observedGeneration])).toEqual([
      ['cilium.io/ConflictingClusterConfig', 'False', '2025-03-01T12:00:00Z', 5],
      ['cilium.io/MissingPeerConfigs', 'False', '2025-03-01T12:00:00Z', 5],
      ['cilium.io/NoMatchingNode', 'True', '2025-03-01T12:05:00Z', 5],
    ]);
    expect(needsWrite(w, { uid: 'uid-c', digest: (first.find((x) => x.key === w.key) as { digest: string }).digest }, false)).toBe(true);
  });

  it('an object the world does not know yet gets nothing; a CiliumBGPPeerConfig gets MissingAuthSecret', () => {
    const world = worldFromObjects([w1, peerConfig('pc', { authSecretRef: 'bgp-auth' })]);
    const { writes } = planStatusWrites(inputs(world, { cc: [ccLive(1)], pc: [{ metadata: { name: 'pc', uid: 'uid-pc', generation: 2 } }] }));
    expect(writes.map((w) => w.key)).toEqual(['CiliumBGPPeerConfig/pc/status']);
    const conds = ((writes[0] as ApplyWrite).body['status'] as { conditions: KubeCondition[] }).conditions;
    expect(conds).toEqual([expect.objectContaining({ type: 'cilium.io/MissingAuthSecret', status: 'True', observedGeneration: 2 })]);
  });

  it('InvalidObject: the live generation while invalid; False (reason ValidationPassed) once valid again', () => {
    const bad = clusterConfig('c', { bgpInstances: [{ name: 'i', localASN: 65001, peers: [{ name: 'p', peerAddress: 'not-an-ip' }] }] }, { generation: 7 });
    const world = worldFromObjects([w1, cluster(6), bad]);
    const first = planStatusWrites(inputs(world, { cc: [ccLive(7)] })).writes.find((w) => w.key === 'CiliumBGPClusterConfig/c/status') as ApplyWrite;
    const conds = (first.body['status'] as { conditions: KubeCondition[] }).conditions;
    expect(conds.find((c) => c.type === 'bgpcast.io/InvalidObject')).toMatchObject({ status: 'True', reason: 'ValidationFailed', observedGeneration: 7 });
    expect(conds.find((c) => c.type === 'cilium.io/NoMatchingNode')).toMatchObject({ observedGeneration: 6 }); // computed from the valid version kept
    const live = liveAfter([first], ccLive(7), first.key);
    const fixed = worldFromObjects([w1, cluster(8)]);
    const after = planStatusWrites(inputs(fixed, { cc: [{ ...live, metadata: { ...live.metadata, generation: 8 } }] }, { now: T1 })).writes.find((w) => w.key === first.key) as ApplyWrite;
    const invalid = (after.body['status'] as { conditions: KubeCondition[] }).conditions.find((c) => c.type === 'bgpcast.io/InvalidObject');
    expect(invalid).toEqual({ type: 'bgpcast.io/InvalidObject', status: 'False', observedGeneration: 8, lastTransitionTime: '2025-03-01T12:05:00Z', reason: 'ValidationPassed', message: '' });
  });

  it('a NodeConfig: created first, its status once it exists, BGPReconcileError False when there is no error', () => {
    const world = worldFromObjects([w1, cluster(1), peerConfig('peer-config')]);
    const create = planStatusWrites(inputs(world, { cc: [ccLive(1)] })).writes.filter((w) => w.kind === 'CiliumBGPNodeConfig');
    expect(create.map((w) => [w.op, w.key])).toEqual([['apply', 'CiliumBGPNodeConfig/w1']]);
    const nc = liveAfter(create, { metadata: { name: 'w1', uid: 'n1', generation: 1 } }, '', 'CiliumBGPNodeConfig/w1');
    const next = planStatusWrites(inputs(world, { cc: [ccLive(1)], nc: [nc] })).writes.filter((w) => w.kind === 'CiliumBGPNodeConfig');
    expect(next.map((w) => [w.op, w.key, needsWrite(w, undefined, true)])).toEqual([
      ['apply', 'CiliumBGPNodeConfig/w1', false],
      ['apply-status', 'CiliumBGPNodeConfig/w1/status', true],
    ]);
    expect((next[1] as ApplyWrite).body['status']).toEqual({
      conditions: [{ type: 'cilium.io/BGPReconcileError', status: 'False', observedGeneration: 1, lastTransitionTime: '2025-03-01T12:00:00Z', reason: 'BGPReconcileError', message: '' }],
    });
  });

  it('status report off: every status this writer owns is cleared (an apply without status), nothing where it owns none', () => {
    const world = worldFromObjects([w1, cluster(1), peerConfig('peer-config')]);
    const first = planStatusWrites(inputs(world, { cc: [ccLive(1)] })).writes;
    const owned = liveAfter(first, ccLive(1), 'CiliumBGPClusterConfig/c/status');
    const off = planStatusWrites(inputs(world, { cc: [owned], pc: [{ metadata: { name: 'peer-config', uid: 'uid-pc' } }] }, { statusReport: false })).writes.filter((w) => w.op === 'apply-status');
    expect(off.map((w) => [w.key, needsWrite(w, undefined, true)])).toEqual([
      ['CiliumBGPClusterConfig/c/status', true],
      ['CiliumBGPPeerConfig/peer-config/status', false],
    ]);
    expect((off[0] as ApplyWrite).body).toEqual({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: 'c' } });
    // NodeConfig specs are still written.
    expect(planStatusWrites(inputs(world, { cc: [ccLive(1)] }, { statusReport: false })).writes.map((w) => [w.op, w.key])).toContainEqual(['apply', 'CiliumBGPNodeConfig/w1']);
  });

  it('fields of other managers do not count: a foreign condition on the object changes nothing', () => {
    const world = worldFromObjects([w1, cluster(1), peerConfig('peer-config')]);
    const first = planStatusWrites(inputs(world, { cc: [ccLive(1)] })).writes;
    const owned = liveAfter(first, ccLive(1), 'CiliumBGPClusterConfig/c/status');
    const foreign: KubeCondition = { type: 'example.com/Audited', status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z', reason: 'Audited', message: 'yes' };
    const withForeign: LiveObject = {
      ...owned,
      status: { conditions: [...(owned.status?.conditions ?? []), foreign] },
      metadata: { ...owned.metadata, managedFields: [...owned.metadata.managedFields!, { manager: 'auditor', operation: 'Apply', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"example.com/Audited"}': {} } } } }] },
    };
    const w = planStatusWrites(inputs(world, { cc: [withForeign] })).writes.find((x) => x.key === 'CiliumBGPClusterConfig/c/status')!;
    expect(needsWrite(w, undefined, true)).toBe(false);
  });
});

describe('needsWrite', () => {
  const w = { kind: 'CiliumBGPClusterConfig', name: 'c', key: 'k', uid: 'u', op: 'apply-status', body: {}, digest: 'D2', liveDigest: 'D1', node: null } as const satisfies Write;

  it('without a verify: against the digest last written, no read', () => {
    expect(needsWrite(w, { uid: 'u', digest: 'D2' }, false)).toBe(false);
    expect(needsWrite(w, { uid: 'u', digest: 'D1' }, false)).toBe(true);
  });

  it('with a verify, nothing remembered, or a replaced object: against what the API server holds', () => {
    expect(needsWrite(w, { uid: 'u', digest: 'D2' }, true)).toBe(true);
    expect(needsWrite({ ...w, liveDigest: 'D2' }, undefined, false)).toBe(false);
    expect(needsWrite(w, { uid: 'other', digest: 'D2' }, false)).toBe(true);
  });
});
