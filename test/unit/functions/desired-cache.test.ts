// The per-world caches of desired state (service-index.ts: the Service index keyed by the services
// and endpointSlices maps; service-candidates.ts: the candidates of an entry keyed by that index,
// the settings and the entry; shared-base.ts and node-overlay.ts: the merged routes) are never
// stale: after any sequence of changes, folded one by one (applyObject / deleteObject) or in
// batches (applyChanges), every node's desired state equals the one computed on a world built
// fresh from the same objects.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { serviceIndex } from '../../../functions/incremental/service-index.ts';
import { applyObject, deleteObject, worldFromObjects, type Settings, type WorldView } from '../../../functions/model/world.ts';
import { applyChanges, type WorldChange } from '../../../functions/store/apply-changes.ts';
import { advertisement, advertisingPeerConfig, endpointSlice, node, service, serviceEntry, simpleCluster } from './builders.ts';

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
const ref = (obj: Obj) => {
  const meta = obj['metadata'] as { name: string; namespace?: string };
  return { kind: obj['kind'] as string, namespace: meta.namespace ?? null, name: meta.name };
};

const allNodes = (world: WorldView) => NODES.map((n) => computeDesiredNode(world, n));

describe('desired-state caches', () => {
  it('a Node change keeps the Service index; a Service or EndpointSlice change derives a new one', () => {
    let world = worldFromObjects([...base, node('n0', { bgp: 'true' }), service('s0', { type: 'ClusterIP', clusterIPs: ['10.96.0.1'] })]);
    const index = serviceIndex(world);
    world = applyObject(world, node('n0', { bgp: 'true', zone: 'a' })).world;
    expect(serviceIndex(world)).toBe(index);
    world = applyChanges(world, [{ ref: ref(node('n1')), raw: node('n1') }]);
    expect(serviceIndex(world)).toBe(index);
    const afterSlice = serviceIndex(applyObject(world, endpointSlice('s0-a', 's0', [{ nodeName: 'n0', ready: true }])).world);
    expect(afterSlice).not.toBe(index);
    expect(afterSlice.facts.get('default/s0')?.readyNodes).toEqual(new Set(['n0']));
    expect(afterSlice.ancestors[0]?.changed).toEqual(new Set(['default/s0']));
    const afterService = serviceIndex(deleteObject(world, ref(service('s0', {}))));
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
          let world = worldFromObjects(objects.values());
          allNodes(world);
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
            world = op.kind === 'apply' ? applyObject(world, op.obj).world : deleteObject(world, ref(op.obj));
            // Every generated object is valid (an invalid one would keep the last valid version,
            // which a fresh world cannot know), so the fresh world holds the same records.
            expect(world.invalid.size).toBe(0);
            // Populate the caches for this world, then check against a fresh one.
            const got = allNodes(world);
            expect(got).toEqual(allNodes(worldFromObjects(objects.values())));
          }
          if (batch.length > 0) world = applyChanges(world, batch);
          expect(allNodes(world)).toEqual(allNodes(worldFromObjects(objects.values())));
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
        for (const s of settingsList as Partial<Settings>[]) {
          const world: WorldView = { ...shared, settings: { ...shared.settings, ...s } };
          expect(allNodes(world)).toEqual(allNodes(worldFromObjects(all, s)));
        }
      }),
      { numRuns: 100 },
    );
  });
});
