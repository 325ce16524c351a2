// Random change sequences over a small universe of objects, for the property tests of the
// runner: every kind that feeds desired state, deletes, and invalid versions.
import fc from 'fast-check';
import type { WorldChange } from '../../../functions/store/apply-changes.ts';
import { refFromKey } from '../../../functions/store/object-ref.ts';
import { objectKey } from '../../../events/object-key.ts';
import {
  advertisement,
  advertisingPeerConfig,
  ciliumNode,
  endpointSlice,
  node,
  override,
  peerConfig,
  secret,
  service,
  serviceEntry,
  simpleCluster,
} from '../functions/builders.ts';

type Obj = Record<string, unknown>;

export const NODES = ['w1', 'w2', 'cp', 'w9'] as const;
const bgp = { matchLabels: { bgp: 'true' } };

const nodeObj = fc
  .record({ n: fc.constantFrom(...NODES), labelled: fc.boolean(), cidr: fc.integer({ min: 0, max: 3 }), cilium: fc.boolean() })
  .map(({ n, labelled, cidr, cilium }) =>
    (cilium ? ciliumNode : node)(n, labelled ? { bgp: 'true' } : {}, { ips: [`172.16.${cidr}.1`], podCIDRs: [`10.${cidr}.0.0/24`] }),
  );

const objects: fc.Arbitrary<Obj> = fc.oneof(
  nodeObj,
  fc.record({ name: fc.constantFrom('c1', 'c2'), sel: fc.constantFrom('bgp', 'all', 'none') }).map(({ name, sel }) =>
    simpleCluster(name, {
      nodeSelector: sel === 'bgp' ? bgp : sel === 'none' ? { matchLabels: { zone: 'nowhere' } } : undefined,
      created: name === 'c1' ? '2024-01-01T00:00:00Z' : '2024-02-01T00:00:00Z',
    }),
  ),
  fc.constantFrom(
    advertisingPeerConfig('peer-config'),
    peerConfig('peer-config', { authSecretRef: 'auth', families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } }] }),
  ),
  fc.record({ community: fc.integer({ min: 1, max: 3 }), pod: fc.boolean() }).map(({ community, pod }) =>
    advertisement('a', [
      ...(pod ? [{ advertisementType: 'PodCIDR' }] : []),
      serviceEntry(['ClusterIP', 'LoadBalancerIP'], { attributes: { communities: { standard: [`65000:${community}`] } } }),
    ]),
  ),
  fc.record({ name: fc.constantFrom('s1', 's2'), host: fc.integer({ min: 1, max: 3 }), local: fc.boolean(), bad: fc.boolean() }).map(
    ({ name, host, local, bad }) =>
      service(
        name,
        { type: 'LoadBalancer', clusterIPs: [bad ? 'not-an-ip' : `10.96.0.${host}`], externalTrafficPolicy: local ? 'Local' : 'Cluster' },
        { lbIPs: [`172.20.0.${host}`] },
      ),
  ),
  fc.record({ svc: fc.constantFrom('s1', 's2'), on: fc.subarray([...NODES]) }).map(({ svc, on }) =>
    endpointSlice(`${svc}-x`, svc, on.map((nodeName) => ({ nodeName }))),
  ),
  fc.record({ n: fc.constantFrom(...NODES), asn: fc.constantFrom(64001, 64002) }).map(({ n, asn }) =>
    override(n, [{ name: 'instance-1', localASN: asn }]),
  ),
  fc.constantFrom(secret('auth'), secret('auth', 'default')),
);

const key = (o: Obj): string => {
  const meta = o['metadata'] as { name: string; namespace?: string };
  return objectKey({ apiVersion: o['apiVersion'] as string, kind: o['kind'] as string, namespace: meta.namespace ?? null, name: meta.name });
};

/** An upsert, or the delete of the same object. */
export const change: fc.Arbitrary<WorldChange> = fc.record({ o: objects, del: fc.boolean() }).map(({ o, del }) => ({
  ref: refFromKey(key(o))!,
  raw: del ? null : o,
}));

export const changes = (maxLength: number) => fc.array(change, { maxLength });
