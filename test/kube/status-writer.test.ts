// The status writer against a real kube-apiserver and a real Redis: the world is folded by the
// functions' own handler from the objects as the API server returns them, speakers' reports are
// written as a speaker writes them, and everything the writer does is read back from the API.
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { HttpMethod } from '@kubernetes/client-node';
import { STATUS_WRITER_MANAGER } from '../../functions/status-writer/live.ts';
import { startStatusWriterService } from '../../functions/status-writer/service.ts';
import { captureLog, redisPool } from '../integration/functions-support.ts';
import { adminApi, unique, until } from './watch-support.ts';
import {
  cilium, conditionOf, countingMetrics, createObject, freshWorld, getObject, peerReport, replaceSpec, startWriter, worldNode, writeReport, type KubeObjectLike,
} from './status-writer-support.ts';

const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());
const api = adminApi();
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

const clusterSpec = (label: string, localASN = 64512, peers: Record<string, unknown>[] = [{ name: 'tor', peerAddress: '10.9.0.1', peerASN: 65000, peerConfigRef: { name: `${label}-pc` } }]) => ({
  nodeSelector: { matchLabels: { bgp: label } },
  bgpInstances: [{ name: 'i1', localASN, peers }],
});

async function scenario(extra: Parameters<typeof startWriter>[3] = {}) {
  const redis = pool.client();
  const world = freshWorld(redis);
  const label = unique('sel');
  const cc = await createObject(api, 'ciliumbgpclusterconfigs', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: unique('cc') }, spec: clusterSpec(label) });
  const pc = await createObject(api, 'ciliumbgppeerconfigs', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: `${label}-pc` }, spec: {} });
  const nodes = [unique('n'), unique('n')];
  await world.fold(cc, pc, ...nodes.map((n, i) => worldNode(n, { bgp: label }, `10.1.0.${i + 1}`)));
  const w = startWriter(api, redis, world.prefix, extra);
  stops.push(w.stop);
  return { redis, world, label, cc, pc, nodes, w };
}

const nodeConfig = (name: string) => getObject(api, 'ciliumbgpnodeconfigs', name);

describe('the status writer against a real API server', () => {
  it('creates a NodeConfig per selected node as Cilium\'s operator writes it, updates it, deletes it when the node leaves the selection or the ClusterConfig goes', async () => {
    const { world, label, cc, nodes, w } = await scenario();
    const [n1, n2] = nodes as [string, string];
    const created = await until('both NodeConfigs', async () => ((await nodeConfig(n1)) && (await nodeConfig(n2)) ? nodeConfig(n1) : undefined));
    expect(created!.metadata.ownerReferences).toEqual([{ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', name: cc.metadata.name, uid: cc.metadata.uid, controller: true }]);
    expect(created!.spec).toEqual({ bgpInstances: [{ name: 'i1', localASN: 64512, peers: [{ name: 'tor', peerAddress: '10.9.0.1', peerASN: 65000, peerConfigRef: { name: `${label}-pc` } }] }] });

    // Update: a new local AS on the ClusterConfig, a router ID and local address from an override.
    const changed = await replaceSpec(api, 'ciliumbgpclusterconfigs', cc.metadata.name, clusterSpec(label, 64600));
    await world.fold(changed, { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPNodeConfigOverride', metadata: { name: n1 }, spec: { bgpInstances: [{ name: 'i1', routerID: '192.0.2.1', peers: [{ name: 'tor', localAddress: '10.1.0.1' }] }] } });
    const updated = await until('the new spec', async () => {
      const o = await nodeConfig(n1);
      return (o?.spec?.['bgpInstances'] as { localASN: number }[] | undefined)?.[0]?.localASN === 64600 ? o : undefined;
    });
    expect(updated!.spec).toEqual({ bgpInstances: [{ name: 'i1', localASN: 64600, routerID: '192.0.2.1', peers: [{ name: 'tor', peerAddress: '10.9.0.1', peerASN: 65000, localAddress: '10.1.0.1', peerConfigRef: { name: `${label}-pc` } }] }] });
    expect(updated!.metadata.uid).toBe(created!.metadata.uid);

    // The node leaves the selection.
    await world.fold(worldNode(n2, { bgp: 'elsewhere' }, '10.1.0.2'));
    await until('the unselected node\'s NodeConfig to go', async () => (await nodeConfig(n2)) === null);
    expect(await nodeConfig(n1)).not.toBeNull();

    // The ClusterConfig is deleted: its NodeConfigs go too, without a garbage collector.
    await api.request(HttpMethod.DELETE, cilium('ciliumbgpclusterconfigs', cc.metadata.name));
    await world.remove(changed);
    await until('the NodeConfig of the deleted ClusterConfig to go', async () => (await nodeConfig(n1)) === null);
    expect(w.metrics.total((k) => k.startsWith('CiliumBGPNodeConfig delete ok'))).toBe(2);
  });

  it('leaves alone a NodeConfig it does not own (a conflict) and says so', async () => {
    const redis = pool.client();
    const world = freshWorld(redis);
    const label = unique('sel');
    const n = unique('n');
    const theirs = await createObject(api, 'ciliumbgpnodeconfigs', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPNodeConfig', metadata: { name: n }, spec: { bgpInstances: [{ name: 'theirs', localASN: 65123 }] } });
    const cc = await createObject(api, 'ciliumbgpclusterconfigs', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: unique('cc') }, spec: clusterSpec(label) });
    const other = unique('n');
    await world.fold(cc, worldNode(n, { bgp: label }, '10.2.0.1'), worldNode(other, { bgp: label }, '10.2.0.2'));
    const w = startWriter(api, redis, world.prefix);
    stops.push(w.stop);
    await until('the other node\'s NodeConfig', () => nodeConfig(other).then((o) => o ?? undefined));
    await until('the conflict to be reported', () => w.writer.status().conflicts.length === 1 || undefined);
    expect(w.writer.status().conflicts[0]).toContain(n);
    const after = await nodeConfig(n);
    expect(after!.spec).toEqual(theirs.spec);
    expect(after!.metadata.ownerReferences).toBeUndefined();
    expect(after!.metadata.resourceVersion).toBe(theirs.metadata.resourceVersion);
    expect(w.lines().some((l) => l['msg'] === 'NodeConfigs held by another CiliumBGPClusterConfig are left alone')).toBe(true);
  });

  it('writes a NodeConfig\'s status from its speaker\'s report: peering state, established time, timers, route counts; BGPReconcileError False, then True', async () => {
    const { redis, world, nodes } = await scenario();
    const n1 = nodes[0]!;
    await until('the NodeConfig', () => nodeConfig(n1).then((o) => o ?? undefined));
    const since = '2025-03-01T10:58:20.456Z';
    await writeReport(redis, world.prefix, n1, [
      peerReport({
        instance: 'i1',
        name: 'tor',
        peerAddress: '10.9.0.1',
        state: 'established',
        remoteASN: 65000,
        establishedSince: since,
        negotiated: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3, families: ['ipv4/unicast'], fourOctetAs: true, extendedMessages: false, routeRefresh: true, peerGracefulRestart: null },
        families: [{ afi: 'ipv4', safi: 'unicast', received: 1, advertised: 12 }],
      }),
    ]);
    const withStatus = await until('the status', async () => {
      const o = await nodeConfig(n1);
      return o?.status?.bgpInstances ? o : undefined;
    });
    expect(withStatus!.status!.bgpInstances).toEqual([
      {
        name: 'i1',
        localASN: 64512,
        peers: [
          {
            name: 'tor',
            peerAddress: '10.9.0.1',
            peerASN: 65000,
            peeringState: 'established',
            establishedTime: '2025-03-01T10:58:20Z',
            timers: { appliedHoldTimeSeconds: 9, appliedKeepaliveSeconds: 3 },
            routeCount: [{ afi: 'ipv4', safi: 'unicast', received: 1, advertised: 12 }],
          },
        ],
      },
    ]);
    expect(conditionOf(withStatus, 'cilium.io/BGPReconcileError')).toMatchObject({ status: 'False', reason: 'BGPReconcileError', message: '', observedGeneration: withStatus!.metadata.generation });

    await writeReport(redis, world.prefix, n1, [], [{ instance: 'i1', error: 'listen 127.0.0.1:1790: address in use' }]);
    const failing = await until('BGPReconcileError True (within the 5 s cadence)', async () => {
      const o = await nodeConfig(n1);
      return conditionOf(o, 'cilium.io/BGPReconcileError')?.status === 'True' ? o : undefined;
    }, 15_000);
    expect(conditionOf(failing, 'cilium.io/BGPReconcileError')!.message).toBe('i1: listen 127.0.0.1:1790: address in use\n');
    expect(failing!.status!.bgpInstances).toBeUndefined();
  });

  it('ClusterConfig conditions with Kubernetes semantics: observedGeneration, lastTransitionTime only on a flip, InvalidObject kept False once cleared', async () => {
    const { world, label, cc, nodes, w } = await scenario();
    const first = await until('the three conditions', async () => {
      const o = await getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name);
      return o?.status?.conditions?.length === 3 ? o : undefined;
    });
    expect(first!.status!.conditions!.map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration])).toEqual([
      ['cilium.io/ConflictingClusterConfig', 'False', 'ConflictingClusterConfigs', '', 1],
      ['cilium.io/MissingPeerConfigs', 'False', 'MissingPeerConfigs', '', 1],
      ['cilium.io/NoMatchingNode', 'False', 'NoMatchingNode', 'At least one node matches spec.nodeSelector', 1],
    ]);
    const ltt = (o: KubeObjectLike | null, type: string) => conditionOf(o, `cilium.io/${type}`)?.lastTransitionTime;

    // A spec change that flips nothing: observedGeneration moves, lastTransitionTime stays.
    await new Promise((r) => setTimeout(r, 1_100)); // a flip now would get a later second
    const gen2 = await replaceSpec(api, 'ciliumbgpclusterconfigs', cc.metadata.name, clusterSpec(label, 64513));
    await world.fold(gen2);
    const second = await until('observedGeneration 2', async () => {
      const o = await getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name);
      return o?.status?.conditions?.every((c) => c.observedGeneration === 2) ? o : undefined;
    });
    for (const type of ['ConflictingClusterConfig', 'MissingPeerConfigs', 'NoMatchingNode']) expect(ltt(second, type)).toBe(ltt(first, type));

    // No node matches any more: that condition flips, and only its time moves.
    const gen3 = await replaceSpec(api, 'ciliumbgpclusterconfigs', cc.metadata.name, { ...clusterSpec(label, 64513), nodeSelector: { matchLabels: { bgp: 'nobody' } } });
    await world.fold(gen3);
    const third = await until('NoMatchingNode True', async () => {
      const o = await getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name);
      return conditionOf(o, 'cilium.io/NoMatchingNode')?.status === 'True' ? o : undefined;
    });
    expect(conditionOf(third, 'cilium.io/NoMatchingNode')).toMatchObject({ message: 'No node matches spec.nodeSelector', observedGeneration: 3 });
    expect(Date.parse(ltt(third, 'NoMatchingNode')!)).toBeGreaterThan(Date.parse(ltt(first, 'NoMatchingNode')!));
    expect(ltt(third, 'MissingPeerConfigs')).toBe(ltt(first, 'MissingPeerConfigs'));
    for (const n of nodes) await until(`NodeConfig ${n} to go`, async () => (await nodeConfig(n)) === null);

    // Passes the schema, not bgpcast's rules (In needs a value): InvalidObject, on the latest generation.
    const bad = await replaceSpec(api, 'ciliumbgpclusterconfigs', cc.metadata.name, { ...clusterSpec(label), nodeSelector: { matchExpressions: [{ key: 'bgp', operator: 'In' }] } });
    await world.fold(bad);
    const invalid = await until('InvalidObject True', async () => {
      const o = await getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name);
      return conditionOf(o, 'bgpcast.io/InvalidObject')?.status === 'True' ? o : undefined;
    });
    expect(conditionOf(invalid, 'bgpcast.io/InvalidObject')).toMatchObject({ reason: 'ValidationFailed', observedGeneration: bad.metadata.generation });
    expect(conditionOf(invalid, 'bgpcast.io/InvalidObject')!.message).toContain('spec.nodeSelector.matchExpressions[0].values: operator In needs at least one value');
    // The last valid version stays in effect, so its conditions keep their generation.
    expect(conditionOf(invalid, 'cilium.io/NoMatchingNode')).toMatchObject({ status: 'True', observedGeneration: 3 });

    const fixed = await replaceSpec(api, 'ciliumbgpclusterconfigs', cc.metadata.name, clusterSpec(label));
    await world.fold(fixed);
    const cleared = await until('InvalidObject False', async () => {
      const o = await getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name);
      return conditionOf(o, 'bgpcast.io/InvalidObject')?.status === 'False' ? o : undefined;
    });
    expect(conditionOf(cleared, 'bgpcast.io/InvalidObject')).toMatchObject({ reason: 'ValidationPassed', message: '', observedGeneration: fixed.metadata.generation });
    expect(conditionOf(cleared, 'cilium.io/NoMatchingNode')).toMatchObject({ status: 'False', observedGeneration: fixed.metadata.generation });
    expect(w.metrics.total((k) => k.endsWith('refused'))).toBe(0);
  });

  it('writes nothing when nothing changed: a resync compares with the API server, and a restarted writer too', async () => {
    const { redis, world, cc, nodes, w } = await scenario({ resyncMs: 300 });
    await until('the NodeConfigs and conditions', async () => {
      const o = await getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name);
      return o?.status?.conditions?.length === 3 && (await nodeConfig(nodes[1]!))?.status?.conditions ? true : undefined;
    });
    await until('a quiet moment', async () => {
      const before = w.metrics.total();
      await new Promise((r) => setTimeout(r, 600));
      return w.metrics.total() === before || undefined;
    });
    const settled = w.metrics.total();
    await new Promise((r) => setTimeout(r, 2_000)); // six resyncs
    expect(w.metrics.total()).toBe(settled);

    await w.stop();
    const again = startWriter(api, redis, world.prefix, { resyncMs: 300 });
    stops.push(again.stop);
    await until('the restarted writer\'s first full round', () => again.writer.status().synced || undefined);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(again.metrics.total()).toBe(0);
  });

  it('a field another manager set survives every write, and the writer takes back a field of its own someone removed', async () => {
    const { cc, nodes, w } = await scenario({ resyncMs: 500 });
    const n1 = nodes[0]!;
    await until('conditions and the NodeConfig', async () => ((await getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name))?.status?.conditions?.length === 3 && (await nodeConfig(n1)) ? true : undefined));
    const apply = (path: string, body: unknown) => api.request(HttpMethod.PATCH, path, { body, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'auditor' } });
    await apply(cilium('ciliumbgpclusterconfigs', cc.metadata.name, true), {
      apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: cc.metadata.name },
      status: { conditions: [{ type: 'example.com/Audited', status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z', reason: 'Audited', message: 'by the auditor' }] },
    });
    await apply(cilium('ciliumbgpnodeconfigs', n1), { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPNodeConfig', metadata: { name: n1, labels: { audited: 'yes' } } });
    // Someone removes one of the writer's conditions with a JSON patch: the writer puts it back.
    const o = await getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name);
    const index = o!.status!.conditions!.findIndex((c) => c.type === 'cilium.io/MissingPeerConfigs');
    await api.request(HttpMethod.PATCH, cilium('ciliumbgpclusterconfigs', cc.metadata.name, true), { body: [{ op: 'remove', path: `/status/conditions/${index}` }], contentType: 'application/json-patch+json' });
    const restored = await until('the removed condition back', async () => {
      const x = await getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name);
      return conditionOf(x, 'cilium.io/MissingPeerConfigs') ? x : undefined;
    });
    expect(conditionOf(restored, 'example.com/Audited')).toMatchObject({ status: 'True', message: 'by the auditor' });
    expect((await nodeConfig(n1))!.metadata.labels).toEqual({ audited: 'yes' });
    const managers = new Set(restored!.metadata.managedFields!.map((m) => m.manager));
    expect(managers.has('auditor') && managers.has(STATUS_WRITER_MANAGER)).toBe(true);
    expect(w.metrics.total((k) => k.endsWith('refused') || k.endsWith('conflict'))).toBe(0);
  });

  it('--status-report=false clears what it wrote and writes no more status; NodeConfig specs are still written', async () => {
    const { redis, world, label, cc, pc, nodes, w } = await scenario();
    const n1 = nodes[0]!;
    await writeReport(redis, world.prefix, n1, [peerReport({ instance: 'i1', name: 'tor', peerAddress: '10.9.0.1' })]);
    await until('statuses', async () => ((await nodeConfig(n1))?.status?.bgpInstances && (await getObject(api, 'ciliumbgppeerconfigs', pc.metadata.name))?.status?.conditions ? true : undefined));
    await w.stop();

    const off = startWriter(api, redis, world.prefix, { statusReport: false });
    stops.push(off.stop);
    await until('every status cleared', async () => {
      const [c, p, n] = await Promise.all([getObject(api, 'ciliumbgpclusterconfigs', cc.metadata.name), getObject(api, 'ciliumbgppeerconfigs', pc.metadata.name), nodeConfig(n1)]);
      return c?.status === undefined && p?.status === undefined && n?.status === undefined ? true : undefined;
    });
    expect((await nodeConfig(n1))!.spec).toBeDefined();
    // A new node still gets its NodeConfig, without status, and a new report writes nothing.
    const n3 = unique('n');
    await world.fold(worldNode(n3, { bgp: label }, '10.1.0.3'));
    await until('the new node\'s NodeConfig', () => nodeConfig(n3).then((o) => o ?? undefined));
    await writeReport(redis, world.prefix, n3, [peerReport({ instance: 'i1', name: 'tor', peerAddress: '10.9.0.1', state: 'connect' })]);
    await new Promise((r) => setTimeout(r, 500));
    expect((await nodeConfig(n3))!.status).toBeUndefined();
  });

  it('two instances with leader election: one writes, the other stands by, and takes over when the leader stops', async () => {
    const redis = pool.client();
    const world = freshWorld(redis);
    const label = unique('sel');
    const cc = await createObject(api, 'ciliumbgpclusterconfigs', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: unique('cc') }, spec: clusterSpec(label) });
    const n1 = unique('n');
    await world.fold(cc, worldNode(n1, { bgp: label }, '10.3.0.1'));
    const lease = { namespace: 'default', name: unique('status-writer'), config: { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 } };
    const replica = (identity: string) => {
      const metrics = countingMetrics();
      const service = startStatusWriterService({ api, redis, redisUrl: inject('redisUrl'), prefix: world.prefix, log: captureLog('warn').log, metrics, leaderElection: { ...lease, config: { ...lease.config, identity } } });
      return { identity, metrics, service };
    };
    const a = replica('a');
    const b = replica('b');
    const [sa, sb] = await Promise.all([a.service, b.service]);
    stops.push(() => sa.stop(), () => sb.stop());
    const byService = new Map([[sa, a], [sb, b]]);
    const leader = await until('one leader, one standby', () => {
      const states = [sa.status(), sb.status()];
      if (states.filter((s) => s === 'standby').length !== 1) return undefined;
      return states[0] === 'standby' ? sb : sa;
    });
    const standby = leader === sa ? sb : sa;
    await until('the leader\'s NodeConfig', () => nodeConfig(n1).then((o) => o ?? undefined));
    expect(byService.get(leader)!.metrics.total()).toBeGreaterThan(0);
    expect(byService.get(standby)!.metrics.total()).toBe(0);

    await leader.stop(); // releases the Lease
    await until('the standby to lead', () => (standby.status() !== 'standby' && standby.status() !== 'candidate') || undefined, 10_000);
    const n2 = unique('n');
    await world.fold(worldNode(n2, { bgp: label }, '10.3.0.2'));
    await until('the new leader\'s NodeConfig', () => nodeConfig(n2).then((o) => o ?? undefined));
    expect(byService.get(standby)!.metrics.total((k) => k.startsWith('CiliumBGPNodeConfig apply ok'))).toBeGreaterThanOrEqual(1);
  });
});
