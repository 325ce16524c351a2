// The simulated cluster of the end-to-end benchmark: N nodes (InternalIPs in one loopback /24,
// used as router IDs), S LoadBalancer Services (even ones externalTrafficPolicy Cluster, so every
// node advertises them; odd ones Local, advertised by the two nodes of their EndpointSlice), and
// a BGP configuration whose one peer is the benchmark's sink.

import { ip, nodeName } from './bench-cluster.ts';

type Obj = Record<string, unknown>;

export { nodeName, service, slice } from './bench-cluster.ts';
export const nodeRouterId = (block: string, j: number) => `${block}.${j + 1}`;

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
