// Random small worlds and change sequences for the node-view tests: three nodes, one ClusterConfig
// with two peers, PeerConfigs and Advertisements of every route type (several Service entries,
// selectors, communities, LOCAL_PREF, aggregation), and Services and EndpointSlices drawn from a
// small pool of VIPs, so Services share VIPs, aggregated prefixes overlap host routes, pod CIDRs
// and pool CIDRs coincide with Service prefixes, and slices move between Services.
import fc from 'fast-check';
import type { Settings } from '../../../functions/settings.ts';
import type { WorldChange } from '../../../functions/store/apply-changes.ts';
import { advertisement, ciliumNode, endpointSlice, node, peerConfig, pool, service, simpleCluster } from './builders.ts';

export type Obj = Record<string, unknown>;

export const NODES = ['n1', 'n2', 'n3'] as const;

const V4_VIPS = ['10.96.0.1', '10.96.0.2', '10.96.0.130', '172.20.0.1', '172.20.0.2'];
const V6_VIPS = ['fd00:96::1', 'fd00:96::2', 'fd00:20::1'];

const some = <T>(values: readonly T[], maxLength = 2) => fc.subarray([...values], { maxLength: Math.min(maxLength, values.length) });

const nodeArb: fc.Arbitrary<Obj> = fc
  .record({
    name: fc.constantFrom(...NODES),
    bgp: fc.constantFrom(true, true, true, false),
    cilium: fc.boolean(),
    // Some pod CIDRs coincide with Service prefixes (aggregated /24, host /32, /64).
    podCIDRs: some(['10.1.1.0/24', '10.1.2.0/24', '10.96.0.0/24', '172.20.0.1/32', 'fd00:1::/64', 'fd00:96::/64']),
    pools: some(['10.20.0.0/26', '172.20.0.2/32', 'fd00:20::/120']),
  })
  .map(({ name, bgp, cilium, podCIDRs, pools }) => {
    const ip = `172.16.0.${NODES.indexOf(name as (typeof NODES)[number]) + 1}`;
    const labels = { bgp: String(bgp) };
    return cilium
      ? ciliumNode(name, labels, { ips: [ip], podCIDRs, pools: pools.length > 0 ? [{ pool: 'p1', cidrs: pools }] : [] })
      : node(name, labels, { ips: [ip], podCIDRs });
  });

const cluster = simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } }, peerConfig: 'pc-a' });
const twoPeers: Obj = {
  ...cluster,
  spec: {
    nodeSelector: { matchLabels: { bgp: 'true' } },
    bgpInstances: [
      {
        name: 'i1',
        localASN: 64512,
        peers: [
          { name: 'tor-a', peerASN: 65000, peerAddress: '10.255.0.1', peerConfigRef: { name: 'pc-a' } },
          { name: 'tor-b', peerASN: 64512, peerAddress: '10.255.0.2', peerConfigRef: { name: 'pc-b' } },
        ],
      },
    ],
  },
};
// Peers whose address the speaker finds on the node (INST-4).
const discovered: Obj = {
  ...cluster,
  spec: {
    bgpInstances: [
      {
        name: 'i1',
        localASN: 64512,
        peers: [
          { name: 'gw', peerASN: 65000, autoDiscovery: { mode: 'DefaultGateway', defaultGateway: { addressFamily: 'ipv4' } }, peerConfigRef: { name: 'pc-a' } },
          { name: 'link', peerASN: 65000, autoDiscovery: { mode: 'Unnumbered', unnumbered: { interface: 'eth1' } }, peerConfigRef: { name: 'pc-b' } },
        ],
      },
    ],
  },
};
const clusterArb = fc.constantFrom(cluster, twoPeers, discovered);

const selects = (label: string) => ({ matchLabels: { advertise: label } });
const peerConfigArb: fc.Arbitrary<Obj> = fc
  .record({
    name: fc.constantFrom('pc-a', 'pc-b'),
    families: fc.subarray(
      [
        { afi: 'ipv4', safi: 'unicast', advertisements: selects('bgp') },
        { afi: 'ipv6', safi: 'unicast', advertisements: selects('bgp') },
        // A family listed twice gets the entries of both selectors.
        { afi: 'ipv4', safi: 'unicast', advertisements: selects('extra') },
        { afi: 'ipv6', safi: 'unicast', advertisements: selects('extra') },
      ],
      { minLength: 2 },
    ),
  })
  .map(({ name, families }) => peerConfig(name, { families }));

const attributesArb = fc.record({
  communities: fc.record({ standard: some(['65000:1', '65000:2', '100']), large: some(['1:2:3', '4:5:6']), wellKnown: some(['no-export']) }),
  localPreference: fc.constantFrom(null, 100, 200),
});

const serviceEntryArb = fc
  .record({
    addresses: fc.subarray(['LoadBalancerIP', 'ClusterIP', 'ExternalIP'], { minLength: 1 }),
    selector: fc.constantFrom<Obj | null>(
      null,
      {},
      { matchLabels: { app: 'x' } },
      { matchLabels: { app: 'y' } },
      { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['y'] }] },
    ),
    v4: fc.constantFrom(null, 24, 30),
    v6: fc.constantFrom(null, 64, 120),
    attributes: attributesArb,
  })
  .map(({ addresses, selector, v4, v6, attributes }) => ({
    advertisementType: 'Service',
    service: { addresses, ...(v4 === null ? {} : { aggregationLengthIPv4: v4 }), ...(v6 === null ? {} : { aggregationLengthIPv6: v6 }) },
    ...(selector === null ? {} : { selector }),
    attributes,
  }));

const entryArb: fc.Arbitrary<Obj> = fc.oneof(
  { weight: 4, arbitrary: serviceEntryArb },
  { weight: 1, arbitrary: attributesArb.map((attributes) => ({ advertisementType: 'PodCIDR', attributes })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ team: fc.constantFrom('a', 'b'), attributes: attributesArb })
      .map(({ team, attributes }) => ({ advertisementType: 'CiliumPodIPPool', selector: { matchLabels: { team } }, attributes })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ name: fc.constantFrom('lo', 'vip0'), attributes: attributesArb })
      .map(({ name, attributes }) => ({ advertisementType: 'Interface', interface: { name }, attributes })),
  },
);

const advertisementArb: fc.Arbitrary<Obj> = fc
  .record({ name: fc.constantFrom('ads-1', 'ads-2', 'ads-3'), label: fc.constantFrom('bgp', 'bgp', 'extra', 'none'), entries: fc.array(entryArb, { minLength: 1, maxLength: 3 }) })
  .map(({ name, label, entries }) => advertisement(name, entries, { advertise: label }));

const SERVICES = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];

const serviceArb: fc.Arbitrary<Obj> = fc
  .record({
    name: fc.constantFrom(...SERVICES),
    namespace: fc.constantFrom('default', 'default', 'other'),
    type: fc.constantFrom('LoadBalancer', 'LoadBalancer', 'ClusterIP', 'NodePort', 'ExternalName'),
    clusterIPs: some([...V4_VIPS, ...V6_VIPS], 3),
    externalIPs: some([...V4_VIPS, ...V6_VIPS]),
    lbIPs: some([...V4_VIPS, ...V6_VIPS], 3),
    lbClass: fc.constantFrom(null, null, 'io.cilium/bgp-control-plane', 'other'),
    etp: fc.constantFrom('Cluster', 'Local'),
    itp: fc.constantFrom('Cluster', 'Local'),
    app: fc.constantFrom('x', 'y'),
  })
  .map(({ name, namespace, type, clusterIPs, externalIPs, lbIPs, lbClass, etp, itp, app }) =>
    service(
      name,
      {
        type,
        clusterIPs,
        externalIPs,
        externalTrafficPolicy: etp,
        internalTrafficPolicy: itp,
        ...(lbClass === null ? {} : { loadBalancerClass: lbClass }),
      },
      { namespace, labels: { app }, lbIPs },
    ),
  );

// Slice names are fixed per namespace, the Service they name is not: a slice can move.
const sliceArb: fc.Arbitrary<Obj> = fc
  .record({
    name: fc.constantFrom('e1', 'e2', 'e3', 'e4'),
    namespace: fc.constantFrom('default', 'default', 'other'),
    service: fc.constantFrom(...SERVICES),
    endpoints: fc.array(
      fc.record({ nodeName: fc.constantFrom(...NODES, undefined), ready: fc.constantFrom(true, true, false, null) }),
      { maxLength: 3 },
    ),
  })
  .map(({ name, namespace, service: svc, endpoints }) =>
    endpointSlice(name, svc, endpoints.map((e) => (e.nodeName === undefined ? { ready: e.ready } : e)), namespace),
  );

const poolArb: fc.Arbitrary<Obj> = fc.constantFrom('a', 'b').map((team) => pool('p1', { team }));

/** Mostly Services and EndpointSlices, sometimes the rest. */
export const objectArb: fc.Arbitrary<Obj> = fc.oneof(
  { weight: 5, arbitrary: serviceArb },
  { weight: 5, arbitrary: sliceArb },
  { weight: 1, arbitrary: nodeArb },
  { weight: 1, arbitrary: advertisementArb },
  { weight: 1, arbitrary: peerConfigArb },
  { weight: 1, arbitrary: fc.oneof(clusterArb, poolArb) },
);

// Advertises every address of every Service, so most Service changes show in some route; changes
// may replace it (ads-0 is not among the random names) only by leaving it alone.
const everyService = advertisement('ads-0', [
  {
    advertisementType: 'Service',
    service: { addresses: ['LoadBalancerIP', 'ClusterIP', 'ExternalIP'] },
    selector: {},
    attributes: { communities: { standard: ['65000:100'] } },
  },
]);

export const initialArb: fc.Arbitrary<Obj[]> = fc
  .tuple(
    clusterArb,
    fc.array(peerConfigArb, { minLength: 1, maxLength: 2 }),
    fc.array(advertisementArb, { maxLength: 3 }),
    fc.array(nodeArb, { minLength: 1, maxLength: 4 }),
    fc.array(serviceArb, { minLength: 2, maxLength: 10 }),
    fc.array(sliceArb, { maxLength: 6 }),
    poolArb,
  )
  .map(([c, pcs, ads, nodes, svcs, slices, p]) => [c, ...pcs, everyService, ...ads, ...nodes, ...svcs, ...slices, p]);

export const settingsArb: fc.Arbitrary<Partial<Settings>> = fc.record({
  enableNoServiceEndpointsRoutable: fc.boolean(),
  legacyOriginAttribute: fc.boolean(),
  ipamMode: fc.constantFrom('kubernetes', 'multi-pool'),
});

/** One step: a batch of changes (an upsert or the delete of the same object), and how it is applied. */
export const stepArb = fc.record({
  changes: fc.array(fc.record({ obj: objectArb, del: fc.constantFrom(false, false, false, true) }), { minLength: 1, maxLength: 3 }),
  /** applyChanges, or applyObject / deleteObject one at a time. */
  batched: fc.constantFrom(true, true, false),
  /** Whether views are computed after this step (if not, the next diff spans several steps). */
  compute: fc.constantFrom(true, true, true, false),
});

export function identity(obj: Obj): string {
  const meta = obj['metadata'] as { name: string; namespace?: string };
  return `${obj['kind']}/${meta.namespace ?? ''}/${meta.name}`;
}

export function changeOf(obj: Obj, del: boolean): WorldChange {
  const meta = obj['metadata'] as { name: string; namespace?: string };
  return { ref: { kind: obj['kind'] as string, namespace: meta.namespace ?? null, name: meta.name }, raw: del ? null : obj };
}
