// The simulated cluster of the benchmarks (functions.ts, desired-compute.ts; e2e-cluster.ts reuses
// its Services and EndpointSlices): nodes
// labelled bgp=true, LoadBalancer Services (even ones externalTrafficPolicy Cluster, odd ones
// Local) each with an EndpointSlice on two nodes, and one ClusterConfig / PeerConfig /
// Advertisement selecting them all. `node(j, variant)` with another variant is a changed Node
// (label and pod CIDR), for measuring a Node change.

type Obj = Record<string, unknown>;

export const nodeName = (j: number) => `node-${String(j).padStart(4, '0')}`;
export const node = (j: number, variant = 0): Obj => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: nodeName(j), labels: { bgp: 'true', variant: String(variant) } },
  spec: { podCIDRs: [`10.${128 + variant * 8 + (j >> 8)}.${j & 255}.0/24`] },
  status: { addresses: [{ type: 'InternalIP', address: `172.${16 + (j >> 8)}.${j & 255}.1` }] },
});
export const ip = (base: string, i: number) => `${base}.${(i >> 8) & 255}.${i & 255}`;
export const service = (i: number, lbBase = '172.20'): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: `svc-${i}`, namespace: `ns-${i % 20}`, labels: { app: `app-${i % 50}` } },
  spec: { type: 'LoadBalancer', clusterIPs: [ip('10.96', i)], externalTrafficPolicy: i % 2 === 0 ? 'Cluster' : 'Local' },
  status: { loadBalancer: { ingress: [{ ip: ip(lbBase, i) }] } },
});
export const slice = (i: number, nodes: number): Obj => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `svc-${i}-x1`, namespace: `ns-${i % 20}`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
  addressType: 'IPv4',
  endpoints: [(i * 7) % nodes, (i * 13 + 1) % nodes].map((n, k) => ({
    addresses: [ip(`10.${200 + k}`, i)],
    nodeName: nodeName(n),
    conditions: { ready: true },
  })),
});
export const config: Obj[] = [
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPClusterConfig',
    metadata: { name: 'bgp' },
    spec: {
      nodeSelector: { matchLabels: { bgp: 'true' } },
      bgpInstances: [{ name: 'i', localASN: 64512, peers: [{ name: 'tor', peerASN: 65000, peerAddress: '10.255.0.1', peerConfigRef: { name: 'peer' } }] }],
    },
  },
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPPeerConfig',
    metadata: { name: 'peer' },
    spec: { families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } }] },
  },
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPAdvertisement',
    metadata: { name: 'ads', labels: { advertise: 'bgp' } },
    spec: {
      advertisements: [
        { advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65000:1'] } } },
        {
          advertisementType: 'Service',
          service: { addresses: ['LoadBalancerIP'] },
          selector: { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['y'] }] },
        },
      ],
    },
  },
];
