// The watcher's projection keeps everything the functions read: for generated objects of every
// kind — valid or not, with noise all around — normalising the object and normalising its
// projection give the same result. Equal projections therefore mean equal records, which is what
// lets the watcher drop a change whose projection digest did not move.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GENERATION_UNREAD, projectObject } from '../../../events/kube/projection.ts';
import { projectionDigest } from '../../../events/kube/digest.ts';
import type { KubeObject } from '../../../events/envelope.ts';
import { normaliseObject, type NormaliseResult } from '../../../functions/model/normalise.ts';
import { advertisement, clusterConfig, override, peerConfig, serviceEntry, everything } from '../functions/builders.ts';

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
const odd = fc.constantFrom<unknown>(null, 7, 'x', true, [], {});
/** Mostly well-formed, sometimes the wrong type: invalid objects must stay invalid. */
const sometimes = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: a }, { weight: 1, arbitrary: odd });

const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('None', '', 'not-an-ip', '010.0.0.1'));
const cidr = fc.oneof(fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`), fc.constantFrom('fd00::/64', 'bad/99'));
const labels = fc.dictionary(fc.constantFrom('bgp', 'rack', 'kubernetes.io/service-name', 'app', 'advertise'), fc.oneof(fc.constantFrom('true', 'web', 'bgp'), fc.constant(1 as unknown)), { maxKeys: 4 });
const noise = fc.dictionary(fc.constantFrom('annotations', 'finalizers', 'ownerReferences', 'selfLink'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 });
const managedFields = fc.array(fc.record({ manager: fc.string(), operation: fc.constantFrom('Apply', 'Update'), fieldsV1: fc.jsonValue({ maxDepth: 2 }) }), { maxLength: 2 });

// The API server always sets generation to an integer; only where the projection keeps it may a
// generated one be of the wrong type (else dropping it would turn an invalid object valid).
function meta(namespaced: boolean, generationKept = true) {
  return fc
    .record({
      name: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('a', 'worker1', 'web') }, { weight: 1, arbitrary: fc.constantFrom('', 3 as unknown) }),
      namespace: namespaced ? maybe(fc.constantFrom('default', 'kube-system')) : maybe(fc.constantFrom('stray')),
      labels: maybe(sometimes(labels)),
      uid: maybe(fc.uuid()),
      resourceVersion: maybe(fc.nat().map(String)),
      generation: maybe(generationKept ? sometimes(fc.nat()) : fc.nat()),
      creationTimestamp: maybe(sometimes(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()))),
      managedFields: maybe(managedFields),
    })
    .chain((m) => noise.map((n) => ({ ...n, ...m })));
}

const status = (core: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record({ ...core, conditions: maybe(fc.array(fc.record({ type: fc.string(), lastHeartbeatTime: fc.string() }), { maxLength: 2 })) }, { requiredKeys: [] });

const obj = (apiVersion: string, kind: string, namespaced: boolean, rest: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record({ apiVersion: fc.constant(apiVersion), kind: fc.constant(kind), metadata: meta(namespaced, !GENERATION_UNREAD.has(kind)), ...rest }, { requiredKeys: ['apiVersion', 'kind', 'metadata'] });

function lbIpamCondition(type: string) {
  return fc.record(
    { type: fc.constantFrom(type, 'Ready', 'cilium.io/PoolConflict'), status: sometimes(fc.constantFrom('True', 'False', 'Unknown')), reason: maybe(fc.constantFrom('satisfied', 'noreason')), message: maybe(fc.string()), lastTransitionTime: maybe(fc.constant('2026-01-01T00:00:00Z')), observedGeneration: maybe(sometimes(fc.nat())) },
    { requiredKeys: ['type'] },
  );
}

const address = fc.record({ type: sometimes(fc.constantFrom('InternalIP', 'ExternalIP', 'Hostname')), address: sometimes(ip) });

const arbitraries: Record<string, fc.Arbitrary<unknown>> = {
  Node: obj('v1', 'Node', false, {
    spec: sometimes(fc.record({ podCIDR: maybe(sometimes(cidr)), podCIDRs: maybe(sometimes(fc.array(cidr, { maxLength: 2 }))), taints: maybe(fc.jsonValue()) }, { requiredKeys: [] })),
    status: sometimes(status({ addresses: sometimes(fc.array(address, { maxLength: 3 })), images: fc.jsonValue({ maxDepth: 2 }) })),
  }),
  CiliumNode: obj('cilium.io/v2', 'CiliumNode', false, {
    spec: sometimes(
      fc.record(
        {
          addresses: maybe(sometimes(fc.array(fc.record({ type: sometimes(fc.constantFrom('InternalIP', 'CiliumInternalIP')), ip: sometimes(ip) }), { maxLength: 3 }))),
          ipam: maybe(
            sometimes(
              fc.record(
                {
                  podCIDRs: maybe(sometimes(fc.array(cidr, { maxLength: 2 }))),
                  pools: maybe(sometimes(fc.record({ allocated: maybe(fc.array(fc.record({ pool: sometimes(fc.constantFrom('default', '')), cidrs: maybe(sometimes(fc.array(cidr, { maxLength: 2 }))) }), { maxLength: 2 })), requested: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }))),
                  pool: fc.jsonValue({ maxDepth: 2 }),
                },
                { requiredKeys: [] },
              ),
            ),
          ),
          health: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      ),
    ),
    status: fc.jsonValue({ maxDepth: 2 }),
  }),
  Service: obj('v1', 'Service', true, {
    spec: sometimes(
      fc.record(
        {
          type: maybe(sometimes(fc.constantFrom('ClusterIP', 'LoadBalancer', 'NodePort'))),
          clusterIP: maybe(sometimes(ip)),
          clusterIPs: maybe(sometimes(fc.array(ip, { maxLength: 2 }))),
          externalIPs: maybe(sometimes(fc.array(ip, { maxLength: 2 }))),
          loadBalancerClass: maybe(sometimes(fc.constantFrom('io.cilium/bgp', 'other'))),
          externalTrafficPolicy: maybe(sometimes(fc.constantFrom('Cluster', 'Local', 'Bogus'))),
          internalTrafficPolicy: maybe(sometimes(fc.constantFrom('Cluster', 'Local'))),
          ipFamilies: maybe(fc.array(fc.constantFrom('IPv4', 'IPv6'), { maxLength: 2 })),
          ports: maybe(fc.jsonValue({ maxDepth: 2 })),
          selector: maybe(fc.jsonValue({ maxDepth: 1 })),
        },
        { requiredKeys: [] },
      ),
    ),
    status: sometimes(status({ loadBalancer: sometimes(fc.record({ ingress: maybe(sometimes(fc.array(fc.record({ ip: maybe(sometimes(ip)), hostname: maybe(fc.string()), ipMode: maybe(fc.string()) }, { requiredKeys: [] }), { maxLength: 2 }))) }, { requiredKeys: [] })) })),
  }),
  EndpointSlice: obj('discovery.k8s.io/v1', 'EndpointSlice', true, {
    addressType: fc.constantFrom('IPv4', 'IPv6'),
    endpoints: maybe(
      sometimes(
        fc.array(
          fc.record(
            {
              addresses: fc.array(ip, { maxLength: 2 }),
              nodeName: maybe(sometimes(fc.constantFrom('worker1', 'worker2'))),
              conditions: maybe(sometimes(fc.record({ ready: maybe(sometimes(fc.boolean())), serving: maybe(fc.boolean()), terminating: maybe(fc.boolean()) }, { requiredKeys: [] }))),
              targetRef: maybe(fc.jsonValue({ maxDepth: 1 })),
              zone: maybe(fc.string()),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      ),
    ),
    ports: maybe(fc.jsonValue({ maxDepth: 2 })),
  }),
  Secret: obj('v1', 'Secret', true, {
    type: maybe(fc.constantFrom('Opaque', 'kubernetes.io/tls')),
    data: maybe(fc.dictionary(fc.constantFrom('password', 'user'), fc.base64String())),
    stringData: maybe(fc.dictionary(fc.constantFrom('password', 'other'), fc.string())),
  }),
  CiliumPodIPPool: obj('cilium.io/v2alpha1', 'CiliumPodIPPool', false, { spec: maybe(fc.jsonValue({ maxDepth: 2 })) }),
  CiliumLoadBalancerIPPool: obj('cilium.io/v2', 'CiliumLoadBalancerIPPool', false, {
    spec: sometimes(
      fc.record(
        {
          blocks: maybe(sometimes(fc.array(fc.record({ cidr: maybe(sometimes(cidr)), start: maybe(sometimes(ip)), stop: maybe(sometimes(ip)) }, { requiredKeys: [] }), { maxLength: 2 }))),
          serviceSelector: maybe(sometimes(fc.record({ matchLabels: sometimes(labels) }))),
          disabled: maybe(sometimes(fc.boolean())),
          allowFirstLastIPs: maybe(sometimes(fc.constantFrom('Yes', 'No', 'Maybe'))),
        },
        { requiredKeys: [] },
      ),
    ),
    status: maybe(sometimes(fc.record({ conditions: maybe(sometimes(fc.array(lbIpamCondition('cilium.io/IPsUsed'), { maxLength: 3 }))) }, { requiredKeys: [] }))),
  }),
};

// LB IPAM reads its annotations and condition of a Service (functions/model/service.ts).
const lbIpamAnnotations = fc.dictionary(
  fc.constantFrom('lbipam.cilium.io/ips', 'io.cilium/lb-ipam-ips', 'lbipam.cilium.io/sharing-key', 'lbipam.cilium.io/sharing-cross-namespace', 'example.com/x'),
  fc.oneof(fc.constantFrom('10.0.0.1, 10.0.0.2', 'k', '*', '', 'x'), fc.constantFrom<unknown>(5, null)),
  { maxKeys: 3 },
);
arbitraries['Service'] = fc
  .tuple(
    arbitraries['Service']!,
    maybe(sometimes(lbIpamAnnotations)),
    maybe(fc.record({ loadBalancerIP: sometimes(ip), ipFamilyPolicy: sometimes(fc.constantFrom('SingleStack', 'PreferDualStack')) }, { requiredKeys: [] })),
    maybe(fc.array(lbIpamCondition('cilium.io/IPAMRequestSatisfied'), { maxLength: 2 })),
  )
  .map(([o, a, spec, conditions]) => {
    const obj = o as { metadata: Record<string, unknown>; spec?: unknown; status?: unknown };
    const withSpec = spec && typeof obj.spec === 'object' && obj.spec !== null ? { ...obj, spec: { ...obj.spec, ...spec } } : obj;
    const withStatus = conditions && typeof obj.status === 'object' && obj.status !== null ? { ...withSpec, status: { ...obj.status, conditions } } : withSpec;
    return a === undefined ? withStatus : { ...withStatus, metadata: { ...obj.metadata, annotations: a } };
  });

// The BGP kinds: builder objects (valid) with a field changed at random, and random specs.
const bgpSpecs: [string, unknown][] = [
  ['CiliumBGPClusterConfig', clusterConfig('c', { nodeSelector: { matchLabels: { bgp: 'true' } }, bgpInstances: [{ name: 'i', localASN: 65001, peers: [{ name: 'p', peerAddress: '10.0.0.1', peerASN: 65000, peerConfigRef: { name: 'pc' } }] }] })],
  ['CiliumBGPPeerConfig', peerConfig('pc', { timers: { holdTimeSeconds: 9 }, families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } }] })],
  ['CiliumBGPAdvertisement', advertisement('a', [serviceEntry(['LoadBalancerIP'], { selector: everything })])],
  ['CiliumBGPNodeConfigOverride', override('worker1', [{ name: 'i', routerID: '1.2.3.4' }])],
];
for (const [kind, base] of bgpSpecs) {
  const b = base as { apiVersion: string; spec: Record<string, unknown> };
  arbitraries[kind] = fc
    .tuple(
      meta(false),
      fc.oneof(fc.constant(b.spec), fc.jsonValue({ maxDepth: 3 }), fc.record({ ...Object.fromEntries(Object.keys(b.spec).map((k) => [k, fc.oneof(fc.constant(b.spec[k]), odd)])) })),
      fc.constantFrom('cilium.io/v2', 'cilium.io/v2alpha1'),
      maybe(fc.record({ conditions: fc.jsonValue({ maxDepth: 2 }) })),
    )
    .map(([metadata, spec, apiVersion, st]) => ({ apiVersion, kind, metadata, spec, ...(st ? { status: st } : {}) }));
}

// A PeerConfig's bgpcast.io/ annotations are read (functions/model/peer-annotations.ts): good and
// bad values, unknown bgpcast.io/ keys, and annotations of others beside them.
const annotations = fc.dictionary(
  fc.constantFrom('bgpcast.io/gtsm', 'bgpcast.io/max-prefixes', 'bgpcast.io/next-hop-ipv4', 'bgpcast.io/next-hop-ipv6', 'bgpcast.io/typo', 'kubectl.kubernetes.io/last-applied-configuration', 'example.com/x'),
  fc.oneof(fc.constantFrom('true', 'false', '1000', '0', 'auto', 'self', 'node', 'mapped', 'x'), fc.constantFrom<unknown>(5, true, null)),
  { maxKeys: 4 },
);
arbitraries['CiliumBGPPeerConfig'] = fc
  .tuple(arbitraries['CiliumBGPPeerConfig']!, maybe(sometimes(annotations)))
  .map(([o, a]) => {
    const obj = o as { metadata: Record<string, unknown> };
    return a === undefined ? obj : { ...obj, metadata: { ...obj.metadata, annotations: a } };
  });

// The one field the projection may drop from a record: metadata.generation of kinds whose
// generation nothing reads (grep functions/ for `generation`: only the record type carries it).
function unreadGeneration(kind: string, r: NormaliseResult): NormaliseResult {
  if (r.status !== 'ok' || !GENERATION_UNREAD.has(kind) || !('meta' in r.record)) return r;
  return { ...r, record: { ...r.record, meta: { ...r.record.meta, generation: null } } as typeof r.record };
}

describe('the watcher projection', () => {
  for (const [kind, arbitrary] of Object.entries(arbitraries)) {
    it(`${kind}: normalising the projection gives what normalising the object gives`, () => {
      let ok = 0;
      fc.assert(
        fc.property(arbitrary, (raw) => {
          const object = raw as KubeObject;
          const projected = projectObject(object)!;
          const whole = unreadGeneration(kind, normaliseObject(object));
          if (whole.status === 'ok') ok++;
          expect(unreadGeneration(kind, normaliseObject(projected))).toEqual(whole);
        }),
        { numRuns: 300 },
      );
      // The generators reach valid objects too, not only refusals.
      expect(ok).toBeGreaterThan(10);
    });
  }

  it('drops what no rule reads: managedFields, annotations, conditions, heartbeats, endpoint addresses', () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'w1', resourceVersion: '9', labels: { bgp: 'true' }, annotations: { a: 'b' }, managedFields: [{ manager: 'kubelet' }] },
      spec: { podCIDR: '10.0.0.0/24', taints: [] },
      status: { addresses: [{ type: 'InternalIP', address: '172.16.0.1' }], conditions: [{ type: 'Ready', lastHeartbeatTime: 't1' }], images: [{ names: ['x'] }] },
    };
    expect(projectObject(node)).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'w1', resourceVersion: '9', labels: { bgp: 'true' } },
      spec: { podCIDR: '10.0.0.0/24' },
      status: { addresses: [{ type: 'InternalIP', address: '172.16.0.1' }] },
    });
    const heartbeat = { ...node, metadata: { ...node.metadata, resourceVersion: '10' }, status: { ...node.status, conditions: [{ type: 'Ready', lastHeartbeatTime: 't2' }] } };
    expect(projectionDigest(projectObject(heartbeat)!)).toBe(projectionDigest(projectObject(node)!));
    const relabelled = { ...node, metadata: { ...node.metadata, labels: {} } };
    expect(projectionDigest(projectObject(relabelled)!)).not.toBe(projectionDigest(projectObject(node)!));
  });

  it('a PeerConfig keeps its bgpcast.io/ annotations and drops the others', () => {
    const pc = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPPeerConfig',
      metadata: { name: 'pc', annotations: { 'bgpcast.io/gtsm': 'true', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {},
    };
    expect(projectObject(pc)).toEqual({ ...pc, metadata: { name: 'pc', annotations: { 'bgpcast.io/gtsm': 'true' } } });
    const noise = { ...pc, metadata: { ...pc.metadata, annotations: { ...pc.metadata.annotations, 'example.com/x': 'y' } } };
    expect(projectionDigest(projectObject(noise)!)).toBe(projectionDigest(projectObject(pc)!));
  });

  it('a Service keeps LB IPAM\'s annotations and condition; others, or none, publish nothing', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', annotations: { 'lbipam.cilium.io/ips': '10.0.0.1', 'io.cilium/lb-ipam-sharing-key': 'k', 'example.com/x': 'y' } },
      spec: { type: 'LoadBalancer' },
      status: { conditions: [{ type: 'cilium.io/IPAMRequestSatisfied', status: 'True' }, { type: 'example.com/Other', status: 'True' }] },
    };
    expect(projectObject(svc)).toMatchObject({
      metadata: { annotations: { 'lbipam.cilium.io/ips': '10.0.0.1', 'io.cilium/lb-ipam-sharing-key': 'k' } },
      status: { conditions: [{ type: 'cilium.io/IPAMRequestSatisfied', status: 'True' }] },
    });
    const bare = { ...svc, metadata: { name: 'web', namespace: 'default' }, status: {} };
    const unread = { ...bare, metadata: { ...bare.metadata, annotations: { 'example.com/x': 'y' } } };
    expect(projectionDigest(projectObject(unread)!)).toBe(projectionDigest(projectObject(bare)!));
  });

  it('a Secret is a reference: the names of its keys, never their values', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'kube-system' }, type: 'Opaque', data: { password: 'c2VjcmV0' } };
    const projected = projectObject(secret)!;
    expect(JSON.stringify(projected)).not.toContain('c2VjcmV0');
    expect(projected).toMatchObject({ dataKeys: ['password'] });
    const rotated = { ...secret, data: { password: 'bmV3' } };
    expect(projectionDigest(projectObject(rotated)!)).toBe(projectionDigest(projected));
  });

  it('kinds bgpcast does not consume have no projection', () => {
    expect(projectObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toBeNull();
  });
});
