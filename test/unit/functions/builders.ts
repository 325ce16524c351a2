// Raw Kubernetes objects as they come out of YAML, for the tests of functions/. Each builder takes
// the parts a test cares about; everything else has the shape the seed example uses.

import type { ObjectRef, WorldView } from '../../../functions/model/world.ts';
import { applyChanges } from '../../../functions/store/apply-changes.ts';

type Obj = Record<string, unknown>;
type Labels = Record<string, string>;

export const node = (name: string, labels: Labels = {}, opts: { ips?: string[]; podCIDRs?: string[] } = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  spec: { podCIDRs: opts.podCIDRs ?? [] },
  status: { addresses: (opts.ips ?? []).map((address) => ({ type: 'InternalIP', address })) },
});

export const ciliumNode = (
  name: string,
  labels: Labels = {},
  opts: { ips?: string[]; podCIDRs?: string[]; pools?: { pool: string; cidrs: string[] }[] } = {},
): Obj => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNode',
  metadata: { name, labels },
  spec: {
    addresses: (opts.ips ?? []).map((ip) => ({ type: 'InternalIP', ip })),
    ipam: { podCIDRs: opts.podCIDRs ?? [], pools: { allocated: opts.pools ?? [] } },
  },
});

export const clusterConfig = (name: string, spec: Obj, metadata: Obj = {}, version = 'v2'): Obj => ({
  apiVersion: `cilium.io/${version}`,
  kind: 'CiliumBGPClusterConfig',
  metadata: { name, ...metadata },
  spec,
});

/** A one-instance, one-peer ClusterConfig. */
export const simpleCluster = (
  name: string,
  opts: { nodeSelector?: Obj | null; localASN?: number; peerASN?: number; peerAddress?: string; peerConfig?: string | null; created?: string } = {},
): Obj =>
  clusterConfig(
    name,
    {
      ...(opts.nodeSelector === undefined ? {} : { nodeSelector: opts.nodeSelector }),
      bgpInstances: [
        {
          name: 'instance-1',
          localASN: opts.localASN ?? 64000,
          peers: [
            {
              name: 'peer-1',
              peerASN: opts.peerASN ?? 65000,
              peerAddress: opts.peerAddress ?? '5.5.5.5',
              ...(opts.peerConfig === null ? {} : { peerConfigRef: { name: opts.peerConfig ?? 'peer-config' } }),
            },
          ],
        },
      ],
    },
    opts.created ? { creationTimestamp: opts.created } : {},
  );

export const peerConfig = (name: string, spec: Obj = {}, version = 'v2'): Obj => ({
  apiVersion: `cilium.io/${version}`,
  kind: 'CiliumBGPPeerConfig',
  metadata: { name },
  spec,
});

/** A PeerConfig whose families select advertisements labelled {advertise: <label>}. */
export const advertisingPeerConfig = (name: string, label = 'bgp', families = ['ipv4', 'ipv6']): Obj =>
  peerConfig(name, {
    families: families.map((afi) => ({ afi, safi: 'unicast', advertisements: { matchLabels: { advertise: label } } })),
  });

export const advertisement = (name: string, advertisements: Obj[], labels: Labels = { advertise: 'bgp' }): Obj => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPAdvertisement',
  metadata: { name, labels },
  spec: { advertisements },
});

export const everything = { matchExpressions: [{ key: 'somekey', operator: 'NotIn', values: ['never-used-value'] }] };

export const serviceEntry = (addresses: string[], extra: Obj = {}): Obj => ({
  advertisementType: 'Service',
  service: { addresses },
  selector: everything,
  ...extra,
});

export const override = (nodeName: string, bgpInstances: Obj[]): Obj => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPNodeConfigOverride',
  metadata: { name: nodeName },
  spec: { bgpInstances },
});

export const service = (
  name: string,
  spec: Obj,
  opts: { namespace?: string; labels?: Labels; lbIPs?: string[] } = {},
): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: opts.namespace ?? 'default', labels: opts.labels ?? {} },
  spec,
  status: { loadBalancer: { ingress: (opts.lbIPs ?? []).map((ip) => ({ ip })) } },
});

export const endpointSlice = (
  name: string,
  serviceName: string,
  endpoints: { nodeName?: string; ready?: boolean | null }[],
  namespace = 'default',
): Obj => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
  addressType: 'IPv4',
  endpoints: endpoints.map((e, i) => ({
    addresses: [`10.0.0.${i + 1}`],
    ...(e.nodeName ? { nodeName: e.nodeName } : {}),
    ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
  })),
});

export const secret = (name: string, namespace = 'kube-system'): Obj => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  data: { password: Buffer.from('s3cret').toString('base64') },
});

export const pool = (name: string, labels: Labels = {}): Obj => ({
  apiVersion: 'cilium.io/v2alpha1',
  kind: 'CiliumPodIPPool',
  metadata: { name, labels },
  spec: { ipv4: { cidrs: ['10.20.0.0/16'], maskSize: 24 } },
});

// --- folding objects as the functions' runner does --------------------------------------------------

/** The reference of a raw object, as the change stream names it. */
export const refOf = (obj: Obj): ObjectRef => {
  const meta = obj['metadata'] as { name: string; namespace?: string };
  return { kind: obj['kind'] as string, namespace: meta.namespace ?? null, name: meta.name };
};

/**
 * `world` with `objs` applied, folded as the runner folds a batch (store/apply-changes.ts): the new
 * maps record where they came from, which is what lets the incremental caches derive, not rebuild.
 */
export const applied = (world: WorldView, ...objs: Obj[]): WorldView => applyChanges(world, objs.map((obj) => ({ ref: refOf(obj), raw: obj })));

/** `world` without the objects `refs` name, folded as the runner folds a batch. */
export const deleted = (world: WorldView, ...refs: ObjectRef[]): WorldView => applyChanges(world, refs.map((ref) => ({ ref, raw: null })));
