// The simulated cluster of the end-to-end benchmark: N nodes (InternalIPs in one loopback /24,
// used as router IDs), S LoadBalancer Services (even ones externalTrafficPolicy Cluster, so every
// node advertises them; odd ones Local, advertised by the two nodes of their EndpointSlice), and
// a BGP configuration whose one peer is the benchmark's sink.

type Obj = Record<string, unknown>;

export const nodeName = (j: number) => `node-${String(j).padStart(4, '0')}`;
export const nodeRouterId = (block: string, j: number) => `${block}.${j + 1}`;
const ip = (base: string, i: number) => `${base}.${(i >> 8) & 255}.${i & 255}`;

/** The LoadBalancer IP of Service i under address base `lb` (e.g. '172.20'). */
export const lbPrefix = (lb: string, i: number) => `${ip(lb, i)}/32`;

export function node(block: string, j: number): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: nodeName(j), labels: { bgp: 'true' } },
    spec: { podCIDRs: [`10.${128 + (j >> 8)}.${j & 255}.0/24`] },
    status: { addresses: [{ type: 'InternalIP', address: nodeRouterId(block, j) }] },
  };
}

export function service(i: number, lb = '172.20'): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, namespace: `ns-${i % 20}` },
    spec: { type: 'LoadBalancer', clusterIPs: [ip('10.96', i)], externalTrafficPolicy: i % 2 === 0 ? 'Cluster' : 'Local' },
    status: { loadBalancer: { ingress: [{ ip: ip(lb, i) }] } },
  };
}

export function slice(i: number, nodes: number): Obj {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `svc-${i}-x1`, namespace: `ns-${i % 20}`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    endpoints: [(i * 7) % nodes, (i * 13 + 1) % nodes].map((n, k) => ({
      addresses: [ip(`10.${200 + k}`, i)],
      nodeName: nodeName(n),
      conditions: { ready: true },
    })),
  };
}

/** PeerConfig, Advertisement, then the ClusterConfig (publish it last: it makes the nodes BGP nodes). */
export function bgpConfig(sink: { host: string; port: number }): Obj[] {
  return [
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPPeerConfig',
      metadata: { name: 'sink' },
      spec: {
        transport: { peerPort: sink.port },
        families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } }],
      },
    },
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPAdvertisement',
      metadata: { name: 'ads', labels: { advertise: 'bgp' } },
      spec: {
        advertisements: [
          { advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65000:99'] } } },
          {
            advertisementType: 'Service',
            service: { addresses: ['LoadBalancerIP'] },
            selector: { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['y'] }] },
          },
        ],
      },
    },
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPClusterConfig',
      metadata: { name: 'bgp' },
      spec: {
        nodeSelector: { matchLabels: { bgp: 'true' } },
        bgpInstances: [{ name: 'i', localASN: 64512, peers: [{ name: 'sink', peerASN: 65000, peerAddress: sink.host, peerConfigRef: { name: 'sink' } }] }],
      },
    },
  ];
}
