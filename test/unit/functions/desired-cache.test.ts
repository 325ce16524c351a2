// The DesiredCache (functions/incremental/desired-cache.ts) is never stale: after any sequence of
// changes, folded one at a time or in batches as the runner folds them (applyChanges), every node's
// document equals the definition (functions/cilium/desired-node.ts computeDesiredNode) computed
// from scratch on a world built fresh from the same objects — whatever its caches hold (the Service
// index keyed by the services and endpointSlices maps, each entry's candidates keyed by that index,
// the shared bases and node overlays).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { DesiredCache } from '../../../functions/incremental/desired-cache.ts';
import { ServiceIndexes } from '../../../functions/incremental/service-index.ts';
import { worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import type { Settings } from '../../../functions/settings.ts';
import { applyChanges, type WorldChange } from '../../../functions/store/apply-changes.ts';
import { advertisement, advertisingPeerConfig, applied, deleted, endpointSlice, node, refOf, service, serviceEntry, simpleCluster } from './builders.ts';

type Obj = Record<string, unknown>;
const NODES = ['n0', 'n1', 'n2'];
const SERVICES = ['s0', 's1', 's2', 's3'];

// ads-0 advertises every address of every Service, so most changes show in some node's routes.
const base: Obj[] = [
  simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } }),
  advertisingPeerConfig('peer-config'),
  advertisement('ads-0', [serviceEntry(['LoadBalancerIP', 'ClusterIP', 'ExternalIP'])]),
];

const nodeArb = fc
  .record({ name: fc.constantFrom(...NODES), bgp: fc.constantFrom(true, true, false), zone: fc.constantFrom('a', 'b'), cidr: fc.integer({ min: 0, max: 3 }) })
  .map(({ name, bgp, zone, cidr }) =>
    node(name, { bgp: String(bgp), zone }, { ips: [`172.16.0.${NODES.indexOf(name) + 1}`], podCIDRs: [`10.${cidr}.${NODES.indexOf(name)}.0/24`] }),
  );

const serviceArb = fc
  .record({
    name: fc.constantFrom(...SERVICES),
    type: fc.constantFrom('LoadBalancer', 'ClusterIP', 'ExternalName'),
    etp: fc.constantFrom('Cluster', 'Local'),
    itp: fc.constantFrom('Cluster', 'Local'),
    ip: fc.integer({ min: 1, max: 4 }),
    app: fc.constantFrom('x', 'y'),
    v6: fc.boolean(),
  })
  .map(({ name, type, etp, itp, ip, app, v6 }) =>
    service(
      name,
      {
        type,
        clusterIPs: [`10.96.0.${ip}`, ...(v6 ? [`fd00:96::${ip}`] : [])],
        externalIPs: [`192.0.2.${ip}`],
        externalTrafficPolicy: etp,
        internalTrafficPolicy: itp,
      },
      { labels: { app }, lbIPs: [`172.20.0.${ip}`, ...(v6 ? [`fd00:20::${ip}`] : [])] },
    ),
  );

const sliceArb = fc
  .record({
    service: fc.constantFrom(...SERVICES),
    part: fc.constantFrom('a', 'b'),
    endpoints: fc.array(fc.record({ nodeName: fc.constantFrom(...NODES), ready: fc.constantFrom(true, true, false) }), { maxLength: 3 }),
  })
  .map(({ service: svc, part, endpoints }) => endpointSlice(`${svc}-${part}`, svc, endpoints));

const advertisementArb = fc
  .record({
    name: fc.constantFrom('ads-1', 'ads-2'),
    app: fc.constantFrom('x', 'y', null),
    addresses: fc.subarray(['LoadBalancerIP', 'ClusterIP', 'ExternalIP'], { minLength: 1 }),
    aggregation: fc.constantFrom(null, 24, 30),
    community: fc.constantFrom('65000:1', '65000:2'),
    podCIDR: fc.boolean(),
  })
  .map(({ name, app, addresses, aggregation, community, podCIDR }) =>
    advertisement(name, [
      ...(podCIDR ? [{ advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65000:9'] } } }] : []),
      serviceEntry(addresses, {
        ...(app === null ? {} : { selector: { matchLabels: { app } } }),
        service: { addresses, ...(aggregation === null ? {} : { aggregationLengthIPv4: aggregation }) },
        attributes: { communities: { standard: [community] }, localPreference: 100 },
      }),
    ]),
  );

type Op = { kind: 'apply'; obj: Obj } | { kind: 'delete'; obj: Obj };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('apply' as const), obj: fc.oneof(nodeArb, serviceArb, sliceArb, sliceArb, advertisementArb) }),
  fc.record({ kind: fc.constant('delete' as const), obj: fc.oneof(nodeArb, serviceArb, sliceArb, advertisementArb) }),
);

const identity = (obj: Obj): string => {
  const meta = obj['metadata'] as { name: string; namespace?: string };
  return `${obj['kind']}/${meta.namespace ?? ''}/${meta.name}`;
};
const ref = refOf;

/** Every node's document the way the runner gets it. */
const cached = (cache: DesiredCache, world: WorldView) => NODES.map((n) => cache.document(cache.view(world, n)));
/** Every node's document by the definition, from scratch. */
const definition = (world: WorldView) => NODES.map((n) => computeDesiredNode(world, n));

describe('desired-state caches', () => {
  it('a Node change keeps the Service index; a Service or EndpointSlice change derives a new one', () => {
    const indexes = new ServiceIndexes();
    let world = worldFromObjects([...base, node('n0', { bgp: 'true' }), service('s0', { type: 'ClusterIP', clusterIPs: ['10.96.0.1'] })]);
    const index = indexes.of(world);
    world = applied(world, node('n0', { bgp: 'true', zone: 'a' }));
    expect(indexes.of(world)).toBe(index);
    world = applied(world, node('n1'));
    expect(indexes.of(world)).toBe(index);
    const afterSlice = indexes.of(applied(world, endpointSlice('s0-a', 's0', [{ nodeName: 'n0', ready: true }])));
    expect(afterSlice).not.toBe(index);
    expect(afterSlice.facts.get('default/s0')?.readyNodes).toEqual(new Set(['n0']));
    expect(afterSlice.ancestors[0]?.changed).toEqual(new Set(['default/s0']));
    const afterService = indexes.of(deleted(world, ref(service('s0', {}))));
    expect(afterService).not.toBe(index);
    expect(afterService.facts.size).toBe(0);
  });

  it('never serves a stale result after random changes (one by one or in batches)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(opArb, fc.boolean()), { maxLength: 25 }),
        fc.array(nodeArb, { minLength: 1, maxLength: 3 }),
        (steps, initialNodes) => {
          const objects = new Map<string, Obj>();
          for (const o of [...base, ...initialNodes]) objects.set(identity(o), o);
          const cache = new DesiredCache();
          let world = worldFromObjects(objects.values());
          cached(cache, world);
          let batch: WorldChange[] = [];
          for (const [op, batched] of steps) {
            const change: WorldChange = { ref: ref(op.obj), raw: op.kind === 'apply' ? op.obj : null };
            if (op.kind === 'apply') objects.set(identity(op.obj), op.obj);
            else objects.delete(identity(op.obj));
            if (batched) {
              batch.push(change);
              continue;
            }
            if (batch.length > 0) world = applyChanges(world, batch);
            batch = [];
            world = applyChanges(world, [change]);
            // Every generated object is valid (an invalid one would keep the last valid version,
            // which a fresh world cannot know), so the fresh world holds the same records.
            expect(world.invalid.size).toBe(0);
            // Populate the caches for this world, then check against the definition.
            expect(cached(cache, world)).toEqual(definition(worldFromObjects(objects.values())));
          }
          if (batch.length > 0) world = applyChanges(world, batch);
          expect(cached(cache, world)).toEqual(definition(worldFromObjects(objects.values())));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('worlds that share maps but not settings get their own Service routes', () => {
    const settingsArb = fc.record({
      enableNoServiceEndpointsRoutable: fc.boolean(),
      legacyOriginAttribute: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(serviceArb, sliceArb, nodeArb, advertisementArb), { maxLength: 12 }), fc.array(settingsArb, { minLength: 2, maxLength: 4 }), (objs, settingsList) => {
        const all = [...base, node('n0', { bgp: 'true' }), node('n1', { bgp: 'true' }), ...objs];
        const shared = worldFromObjects(all);
        const cache = new DesiredCache();
        for (const s of settingsList as Partial<Settings>[]) {
          const world: WorldView = { ...shared, settings: { ...shared.settings, ...s } };
          expect(cached(cache, world)).toEqual(definition(worldFromObjects(all, s)));
        }
      }),
      { numRuns: 100 },
    );
  });
});
