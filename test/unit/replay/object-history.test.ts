// One object's history (functions/replay/object-history.ts): every record of the object is a step
// with the fields it changed and the prefixes each node announced or withdrew because of it; a
// sync marker that sweeps the object is a step; a stale redelivery is a step the fold passed over;
// the partitions are merged by observedAt; --limit keeps the newest steps.

import { describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../../events/bus.ts';
import { EnvelopeSchemaVersion, objectEnvelope, type EventEnvelope, type KubeObject } from '../../../events/envelope.ts';
import { envelopeKey } from '../../../events/envelope.ts';
import { fieldChanges, mergeByObservedAt, ObjectArgError, objectHistory, parseObjectArg } from '../../../functions/replay/object-history.ts';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { LogFold } from '../../../functions/replay/log-fold.ts';
import { announcedPrefixes, worldOfObjects } from '../../../functions/replay/replay-world.ts';
import { foldEvent } from '../../../functions/store/fold.ts';
import { advertisement, advertisingPeerConfig, node, service, serviceEntry, simpleCluster } from '../functions/builders.ts';

type Obj = Record<string, unknown>;
const WEB = 'Service/default/web';

/** Records of one partition in order, observed one second apart from `start`. */
function partition(p: number, start: number, items: (EventEnvelope | [Obj, 'added' | 'modified' | 'deleted'])[]): ConsumedEvent[] {
  return items.map((item, offset) => {
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, start + offset));
    const envelope = Array.isArray(item) ? objectEnvelope(item[1], item[0] as KubeObject, 'test', at) : { ...item, observedAt: at.toISOString() };
    return { topic: 't', partition: p, offset: String(offset), key: envelopeKey(envelope), envelope };
  });
}

const web = (ip: string) => service('web', { type: 'LoadBalancer', clusterIPs: ['10.96.0.10'] }, { lbIPs: [ip] });
const config: [Obj, 'added'][] = [
  [simpleCluster('bgp', { nodeSelector: { matchLabels: { bgp: 'true' } }, peerConfig: 'peer' }), 'added'],
  [advertisingPeerConfig('peer', 'bgp', ['ipv4']), 'added'],
  [advertisement('ads', [serviceEntry(['LoadBalancerIP'])]), 'added'],
  [node('worker1', { bgp: 'true' }, { ips: ['10.0.0.1'] }), 'added'],
  [node('worker2', { bgp: 'true' }, { ips: ['10.0.0.2'] }), 'added'],
];

describe('objectHistory', () => {
  it('gives each change of a Service, its fields, and the /32 it announced or withdrew on every node', () => {
    const p0 = partition(0, 0, config);
    const p1 = partition(1, 10, [
      [web('172.20.0.10'), 'added'],
      [web('172.20.0.77'), 'modified'],
      [web('172.20.0.77'), 'deleted'],
    ]);
    const h = objectHistory(WEB, mergeByObservedAt(new Map([[0, p0], [1, p1]])));
    expect(h.steps.map((s) => [s.type, s.partition, s.offset, s.folded])).toEqual([
      ['added', 1, '0', true],
      ['modified', 1, '1', true],
      ['deleted', 1, '2', true],
    ]);
    const [added, moved, deleted] = h.steps;
    expect(added!.announced).toEqual([
      { node: 'worker1', prefix: '172.20.0.10/32' },
      { node: 'worker2', prefix: '172.20.0.10/32' },
    ]);
    expect(added!.withdrawn).toEqual([]);
    expect(added!.changes.map((c) => [c.op, c.path]).sort()).toEqual([
      ['add', 'apiVersion'],
      ['add', 'kind'],
      ['add', 'metadata'],
      ['add', 'spec'],
      ['add', 'status'],
    ]);
    expect(moved!.changes).toEqual([{ op: 'change', path: 'status.loadBalancer.ingress[0].ip', before: '172.20.0.10', after: '172.20.0.77' }]);
    expect(moved!.announced.map((r) => `${r.node} ${r.prefix}`)).toEqual(['worker1 172.20.0.77/32', 'worker2 172.20.0.77/32']);
    expect(moved!.withdrawn.map((r) => `${r.node} ${r.prefix}`)).toEqual(['worker1 172.20.0.10/32', 'worker2 172.20.0.10/32']);
    expect(deleted!.withdrawn.map((r) => `${r.node} ${r.prefix}`)).toEqual(['worker1 172.20.0.77/32', 'worker2 172.20.0.77/32']);
    expect(deleted!.changes.every((c) => c.op === 'remove')).toBe(true);
    expect(h.worlds).toBe(6);
  });

  it('folds the config observed at the same instant (one apply) before the step', () => {
    const p0 = partition(0, 0, config);
    const p1 = partition(1, 0, [[web('172.20.0.10'), 'added']]); // observed with the first config object
    const h = objectHistory(WEB, mergeByObservedAt(new Map([[0, p0.map((e) => ({ ...e, envelope: { ...e.envelope, observedAt: p1[0]!.envelope.observedAt } }))], [1, p1]]), (e) => e.key === WEB));
    expect(h.steps[0]!.announced.map((r) => r.prefix)).toEqual(['172.20.0.10/32', '172.20.0.10/32']);
  });

  it('folds the partitions in observedAt order: a change observed before the config announces nothing', () => {
    const p0 = partition(0, 100, config); // observed after the Service
    const p1 = partition(1, 0, [[web('172.20.0.10'), 'added']]);
    const h = objectHistory(WEB, mergeByObservedAt(new Map([[0, p0], [1, p1]])));
    expect(h.steps).toHaveLength(1);
    expect(h.steps[0]!.announced).toEqual([]);
  });

  it('shows a redelivered older record as passed over, with no changes', () => {
    const p0 = partition(0, 0, config);
    const p1 = partition(1, 10, [[web('172.20.0.10'), 'added'], [web('172.20.0.77'), 'modified']]);
    // The first record again, after the second: its offset is below the one held.
    const records = [...mergeByObservedAt(new Map([[0, p0], [1, p1]])), p1[0]!];
    const h = objectHistory(WEB, records);
    expect(h.steps.map((s) => [s.type, s.folded, s.changes.length, s.announced.length])).toEqual([
      ['added', true, 5, 2],
      ['modified', true, 1, 2],
      ['added', false, 0, 0],
    ]);
  });

  it('counts a sync marker that no longer lists the object as a step that swept it', () => {
    const marker: EventEnvelope = {
      schema: EnvelopeSchemaVersion,
      id: 'm',
      type: 'synced',
      apiVersion: 'v1',
      kind: 'Service',
      source: 'test',
      observedAt: '',
      syncId: 's1',
      keys: [],
    };
    const p0 = partition(0, 0, config);
    const p1 = partition(1, 10, [[web('172.20.0.10'), 'added'], marker]);
    const h = objectHistory(WEB, mergeByObservedAt(new Map([[0, p0], [1, p1]])));
    expect(h.steps.map((s) => s.type)).toEqual(['added', 'swept']);
    expect(h.steps[1]!.withdrawn.map((r) => r.prefix)).toEqual(['172.20.0.10/32', '172.20.0.10/32']);
  });

  it('keeps the newest steps within the limit and counts the others', () => {
    const p1 = partition(1, 10, ['172.20.0.1', '172.20.0.2', '172.20.0.3', '172.20.0.4'].map((ip) => [web(ip), 'modified'] as [Obj, 'modified']));
    const h = objectHistory(WEB, mergeByObservedAt(new Map([[0, partition(0, 0, config)], [1, p1]])), { limit: 2 });
    expect(h.omitted).toBe(2);
    expect(h.steps.map((s) => s.offset)).toEqual(['2', '3']);
    expect(h.steps[0]!.withdrawn.map((r) => r.prefix)).toEqual(['172.20.0.2/32', '172.20.0.2/32']);
    expect(h.worlds).toBe(4);
  });

  it('gives an empty history for an object the topic never held', () => {
    const h = objectHistory('Service/default/nothing', mergeByObservedAt(new Map([[0, partition(0, 0, config)]])));
    expect(h).toMatchObject({ steps: [], omitted: 0, worlds: 0, records: 5 });
  });
});

describe('the world of a replay', () => {
  it('keeps the last valid version of an object whose latest version is invalid in effect, as the store does (OBJ-5)', () => {
    const fold = new LogFold();
    const ads = (addresses: string[], labels: Record<string, string>) => advertisement('ads', [serviceEntry(addresses)], labels);
    const records = partition(0, 0, [...config.slice(0, 4), [web('172.20.0.10'), 'added'], [ads(['LoadBalancerIP'], { advertise: 'bgp' }), 'modified'], [ads([], {}), 'modified']]);
    for (const e of records) fold.fold(foldEvent(e)!);
    const key = 'CiliumBGPAdvertisement.cilium.io/ads';
    expect(JSON.parse(fold.objects.get(key)!)).toMatchObject({ spec: { advertisements: [{ service: { addresses: ['LoadBalancerIP'] } }] } });
    expect(JSON.parse(fold.invalidObjects.get(key)!)).toMatchObject({ spec: { advertisements: [{ service: { addresses: [] } }] } });
    const world = worldOfObjects(fold);
    expect([...world.invalid.values()].map((i) => i.name)).toEqual(['ads']);
    expect(announcedPrefixes(computeDesiredNode(world, 'worker1'))).toEqual(new Set(['172.20.0.10/32']));
  });

  it('an invalid version is a step with its field changes and no route change; the valid one after it is compared with the one in effect', () => {
    const ads = (addresses: string[]) => advertisement('ads', [serviceEntry(addresses)], { advertise: 'bgp' });
    const records = partition(0, 0, [...config.slice(0, 4), [web('172.20.0.10'), 'added'], [ads(['LoadBalancerIP']), 'modified'], [ads([]), 'modified'], [ads(['LoadBalancerIP']), 'modified']]);
    const h = objectHistory('CiliumBGPAdvertisement.cilium.io/ads', records);
    const last = h.steps.slice(-2);
    expect(last[0]!.changes.length).toBeGreaterThan(0);
    expect(last[0]).toMatchObject({ folded: true, announced: [], withdrawn: [] });
    expect(last[1]).toMatchObject({ folded: true, announced: [], withdrawn: [] });
  });
});

describe('mergeByObservedAt', () => {
  it("keeps each partition's order and puts the picked records after the others observed at the same instant", () => {
    const at = (p: number, offset: number, t: number, name: string): ConsumedEvent => {
      const envelope = objectEnvelope('added', node(name) as KubeObject, 'test', new Date(t));
      return { topic: 't', partition: p, offset: String(offset), key: envelopeKey(envelope), envelope };
    };
    const p0 = [at(0, 0, 5, 'a'), at(0, 1, 5, 'b'), at(0, 2, 1, 'c')];
    const p1 = [at(1, 0, 5, 'd'), at(1, 1, 6, 'e')];
    const names = (es: ConsumedEvent[]) => es.map((e) => (e.envelope as { name: string }).name).join('');
    expect(names(mergeByObservedAt(new Map([[0, p0], [1, p1]])))).toBe('abcde');
    expect(names(mergeByObservedAt(new Map([[0, p0], [1, p1]]), (e) => e.key === 'Node/a'))).toBe('dabce');
  });
});

describe('fieldChanges', () => {
  it('names added, removed and changed fields by path', () => {
    const before = JSON.stringify({ spec: { a: 1, list: [1, 2], gone: true } });
    const after = JSON.stringify({ spec: { a: 2, list: [1, 2, 3], extra: { x: 1 } } });
    expect(fieldChanges(before, after)).toEqual([
      { op: 'change', path: 'spec.a', before: 1, after: 2 },
      { op: 'add', path: 'spec.list[2]', after: 3 },
      { op: 'remove', path: 'spec.gone', before: true },
      { op: 'add', path: 'spec.extra', after: { x: 1 } },
    ]);
  });
});

describe('parseObjectArg', () => {
  it('reads KIND/[NAMESPACE/]NAME into the object key, kind in any case, group optional', () => {
    expect(parseObjectArg('Service/default/web')).toBe('Service/default/web');
    expect(parseObjectArg('service/web')).toBe('Service/default/web');
    expect(parseObjectArg('CiliumBGPClusterConfig/cilium-bgp')).toBe('CiliumBGPClusterConfig.cilium.io/cilium-bgp');
    expect(parseObjectArg('ciliumbgppeerconfig.cilium.io/p')).toBe('CiliumBGPPeerConfig.cilium.io/p');
    expect(parseObjectArg('EndpointSlice/kube-system/s')).toBe('EndpointSlice.discovery.k8s.io/kube-system/s');
  });

  it.each([
    ['web', 'not KIND/[NAMESPACE/]NAME'],
    ['Service//web', 'not KIND/[NAMESPACE/]NAME'],
    ['Pod/default/web', 'unknown kind Pod'],
    ['Node/default/worker1', 'Node is not namespaced'],
  ])('refuses %j: %s', (text, why) => {
    expect(() => parseObjectArg(text)).toThrow(ObjectArgError);
    expect(() => parseObjectArg(text)).toThrow(why);
  });
});
