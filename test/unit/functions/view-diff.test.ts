// DesiredCache.diff (functions/incremental/view-diff.ts) after one change in a large world: exactly
// the routes that change, on exactly the nodes where they change; and the work done is the change's, not the
// world's (the views share their bases and overlays, whose lineage says which prefixes changed).
import { describe, expect, it } from 'vitest';
import type { DesiredRouteChange } from '../../../events/desired-delta.ts';
import { changedSince, MAX_ANCESTORS } from '../../../functions/incremental/lineage.ts';
import { DesiredCache, type NodeView } from '../../../functions/incremental/desired-cache.ts';
import { slotSize } from '../../../functions/incremental/slot-view.ts';
import { worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import type { Settings } from '../../../functions/settings.ts';
import { applyChanges } from '../../../functions/store/apply-changes.ts';
import { advertisement, advertisingPeerConfig, applied, deleted, endpointSlice, node, service, serviceEntry, simpleCluster } from './builders.ts';

type Obj = Record<string, unknown>;
const NODES = ['n1', 'n2', 'n3'];
const SERVICES = 2000;

const ip = (base: string, i: number) => `${base}.${(i >> 8) & 255}.${i & 255}`;
// Even Services are externalTrafficPolicy=Cluster, odd ones Local; each has a slice on one node.
const svc = (i: number, lbBase = '172.20', extra: Obj = {}) =>
  service(
    `svc-${i}`,
    { type: 'LoadBalancer', externalTrafficPolicy: i % 2 === 0 ? 'Cluster' : 'Local', ...extra },
    { lbIPs: [ip(lbBase, i)] },
  );
const slice = (i: number, on: string, ready = true) => endpointSlice(`svc-${i}-1`, `svc-${i}`, [{ nodeName: on, ready }]);
const nodeOf = (i: number) => NODES[i % NODES.length]!;
const podCIDR = { advertisementType: 'PodCIDR' };
const lbEntry = (community: string) => serviceEntry(['LoadBalancerIP'], { attributes: { communities: { standard: [community] } } });

function bigWorld(settings: Partial<Settings> = {}, extra: Obj[] = []): WorldView {
  const objects: Obj[] = [
    simpleCluster('c'),
    advertisingPeerConfig('peer-config', 'bgp', ['ipv4']),
    advertisement('ads', [podCIDR, lbEntry('65000:1')]),
    ...NODES.map((n, k) => node(n, {}, { ips: [`172.16.0.${k + 1}`], podCIDRs: [`10.1.${k}.0/24`] })),
    ...extra,
  ];
  for (let i = 0; i < SERVICES; i++) objects.push(svc(i), slice(i, nodeOf(i)));
  return worldFromObjects(objects, settings);
}

const cache = new DesiredCache();
const viewsOf = (world: WorldView) => new Map(NODES.map((n) => [n, cache.view(world, n)]));
const add = (prefix: string, communities = ['65000:1']): Partial<DesiredRouteChange> => ({
  prefix,
  route: { prefix, communities, largeCommunities: [], localPreference: null, origin: 'igp' },
});
const withdraw = (prefix: string): Partial<DesiredRouteChange> => ({ prefix, route: null });

function diffs(before: Map<string, NodeView>, after: Map<string, NodeView>) {
  return new Map(
    NODES.map((n) => {
      const changes = cache.diff(before.get(n)!, after.get(n)!).map(({ prefix, route }) => ({ prefix, route }));
      return [n, changes.sort((a, b) => (a.prefix < b.prefix ? -1 : 1))];
    }),
  );
}

describe('the diff of two views after one change in a large world', () => {
  const world = bigWorld();
  const before = viewsOf(world);

  it('a Cluster-policy Service whose LoadBalancer IP moved: that one VIP, withdrawn and added on every node', () => {
    const after = viewsOf(applied(world, svc(42, '172.30')));
    for (const changes of diffs(before, after).values()) expect(changes).toEqual([withdraw('172.20.0.42/32'), add('172.30.0.42/32')]);
  });

  it('is computed from what changed: the bases are related, and only the two prefixes changed between them', () => {
    const after = cache.view(applied(world, svc(42, '172.30')), 'n1');
    const prev = before.get('n1')!.slots[0]!;
    const next = after.slots[0]!;
    expect(changedSince(prev.base.id, next.base)).toEqual(new Set(['172.20.0.42/32', '172.30.0.42/32']));
    expect(next.overlay).toBe(prev.overlay);
    expect(slotSize(next)).toBe(slotSize(prev));
  });

  it('a Local-policy Service whose endpoint moved from one node to another: withdrawn there, added here, nothing elsewhere', () => {
    // svc-1 has its endpoint on n2; moving it to n3 keeps the ready count at 1.
    const after = viewsOf(applied(world, slice(1, 'n3')));
    expect(diffs(before, after)).toEqual(
      new Map([
        ['n1', []],
        ['n2', [withdraw('172.20.0.1/32')]],
        ['n3', [add('172.20.0.1/32')]],
      ]),
    );
  });

  it('an EndpointSlice that now names another Service: both Services are re-derived', () => {
    // svc-1-1 (Local, on n2) now belongs to svc-3 (Local, its own slice on n1): svc-1 loses its
    // only endpoint, svc-3 gains one on n2.
    const moved = endpointSlice('svc-1-1', 'svc-3', [{ nodeName: 'n2', ready: true }]);
    const after = viewsOf(applied(world, moved));
    expect(diffs(before, after)).toEqual(
      new Map([
        ['n1', []],
        ['n2', [withdraw('172.20.0.1/32'), add('172.20.0.3/32')]],
        ['n3', []],
      ]),
    );
  });

  it('a Service deleted, and in the same batch another one created on the same VIP: one route, unchanged', () => {
    const next = applyChanges(world, [
      { ref: { kind: 'Service', namespace: 'default', name: 'svc-42' }, raw: null },
      { ref: { kind: 'Service', namespace: 'default', name: 'svc-new' }, raw: service('svc-new', { type: 'LoadBalancer' }, { lbIPs: ['172.20.0.42'] }) },
    ]);
    for (const changes of diffs(before, viewsOf(next)).values()) expect(changes).toEqual([]);
  });

  it('two Services sharing a VIP: the route merges both, and changes when one of them leaves', () => {
    const shared = advertisement('ads-2', [
      serviceEntry(['ExternalIP'], { selector: { matchLabels: { app: 'two' } }, attributes: { communities: { standard: ['65000:2'] }, localPreference: 200 } }),
    ]);
    const second = service('svc-two', { type: 'ClusterIP', externalIPs: ['172.20.0.42'] }, { labels: { app: 'two' } });
    const w1 = applyChanges(world, [
      { ref: { kind: 'CiliumBGPAdvertisement', name: 'ads-2' }, raw: shared },
      { ref: { kind: 'Service', namespace: 'default', name: 'svc-two' }, raw: second },
    ]);
    const v1 = viewsOf(w1);
    const merged = { prefix: '172.20.0.42/32', communities: ['65000:1', '65000:2'], largeCommunities: [], localPreference: 200, origin: 'igp' };
    expect(cache.document(v1.get('n1')!).instances[0]!.peers[0]!.families[0]!.routes).toContainEqual(merged);
    const v2 = viewsOf(deleted(w1, { kind: 'Service', namespace: 'default', name: 'svc-two' }));
    for (const changes of diffs(v1, v2).values()) expect(changes).toEqual([add('172.20.0.42/32')]);
  });

  it('a Node change: that node has new own routes; every other node keeps its view parts by reference', () => {
    // A world of its own: the writer's history is linear, the other tests here are siblings.
    const w0 = bigWorld();
    const v0 = viewsOf(w0);
    const after = viewsOf(applied(w0, node('n2', {}, { ips: ['172.16.0.2'], podCIDRs: ['10.9.0.0/24'] })));
    expect(diffs(v0, after).get('n2')).toEqual([withdraw('10.1.1.0/24'), add('10.9.0.0/24', [])]);
    for (const n of ['n1', 'n3']) {
      expect(after.get(n)!.slots[0]!.base).toBe(v0.get(n)!.slots[0]!.base);
      expect(after.get(n)!.slots[0]!.overlay).toBe(v0.get(n)!.slots[0]!.overlay);
    }
  });

  it('with enable-no-service-endpoints-routable off, a Cluster Service losing its last ready endpoint is withdrawn everywhere', () => {
    const strict = bigWorld({ enableNoServiceEndpointsRoutable: false });
    const v0 = viewsOf(strict);
    const v1 = viewsOf(applied(strict, slice(42, nodeOf(42), false)));
    for (const changes of diffs(v0, v1).values()) expect(changes).toEqual([withdraw('172.20.0.42/32')]);
  });
});

describe('the diff of two views not related by a small change', () => {
  const world = bigWorld();
  const before = viewsOf(world);

  it('an Advertisement change that keeps every route: no change (the bases are compared by content)', () => {
    const relabelled = advertisement('ads', [podCIDR, lbEntry('65000:1')], { advertise: 'bgp', other: 'label' });
    const after = viewsOf(applied(world, relabelled));
    for (const changes of diffs(before, after).values()) expect(changes).toEqual([]);
  });

  it('an Advertisement change that changes every route: every route, with its new attributes', () => {
    const w = applied(world, advertisement('ads', [podCIDR, lbEntry('65000:9')]));
    const changes = cache.diff(before.get('n1')!, cache.view(w, 'n1'));
    expect(changes.length).toBe(slotSize(before.get('n1')!.slots[0]!) - 1); // all but the pod CIDR
    expect(changes.every((c) => c.route?.communities[0] === '65000:9')).toBe(true);
  });

  it('a node leaving BGP withdraws every route; coming back adds them all', () => {
    const w1 = applied(world, simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } }));
    const gone = cache.view(w1, 'n1');
    expect(gone.slots).toEqual([]);
    const withdrawn = cache.diff(before.get('n1')!, gone);
    expect(withdrawn.length).toBe(slotSize(before.get('n1')!.slots[0]!));
    expect(withdrawn.every((c) => c.route === null && c.instance === 'instance-1' && c.peer === 'peer-1' && c.afi === 'ipv4')).toBe(true);
    const back = cache.diff(gone, cache.view(world, 'n1'));
    const routes = cache.document(before.get('n1')!).instances[0]!.peers[0]!.families[0]!.routes;
    expect(new Map(back.map((c) => [c.prefix, c.route]))).toEqual(new Map(routes.map((r) => [r.prefix, r])));
  });

  it('identical views: nothing', () => {
    expect(cache.diff(before.get('n1')!, cache.view(world, 'n1'))).toEqual([]);
  });
});

describe('views over many changes', () => {
  it('keep a bounded lineage, and an old view reads the same as when it was computed', () => {
    let world = bigWorld();
    const first = cache.view(world, 'n1');
    const text = JSON.stringify(cache.document(first));
    let view = first;
    for (let k = 0; k < 3 * MAX_ANCESTORS; k++) {
      world = applied(world, svc(2 * k, '172.31'));
      view = cache.view(world, 'n1');
    }
    expect(view.slots[0]!.base.ancestors.length).toBe(MAX_ANCESTORS);
    expect(JSON.stringify(cache.document(first))).toBe(text);
    // Beyond the lineage kept, the diff compares by content and is still exact.
    const changes = cache.diff(first, view);
    expect(changes.length).toBe(2 * 3 * MAX_ANCESTORS);
  });
});
