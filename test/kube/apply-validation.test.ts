// `apply -f`'s validator against a real API server (bgpcast's CRDs installed): a corpus of valid
// and invalid objects must be accepted and refused alike by the file validation
// (events/file-source.ts → events/schema/) and by a server-side apply dry run, the way
// `apply --kubeconfig` writes (events/kube/apply.ts). The corpus: the examples as they are, rich
// valid objects, a hand-written fault of every kind the schemas check (every CEL rule of the CRDs
// among them), and seeded fast-check mutations of the BGP examples — a field set to a value of
// another type or out of range, removed, an unknown field added, a list entry repeated, a field the
// schema declares added with such a value.
//
// Core kinds (Node, Service, EndpointSlice, Secret) take part with their valid examples and faults
// of the fields bgpcast reads; they are not mutated at random, because the API server checks far
// more of a core object than bgpcast's minimal schema does (core-schemas.ts says which).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, inject, it } from 'vitest';
import { parseManifest } from '../../events/file-source.ts';
import type { SourcedObject } from '../../events/file-source.ts';
import { KubeApi, loadKubeConfig } from '../../events/kube/api.ts';
import { applyObjects } from '../../events/kube/apply.ts';
import { lookupKind } from '../../events/kinds.ts';
import type { KubeObject } from '../../events/envelope.ts';
import { kindSchema } from '../../events/schema/validate.ts';
import type { StructuralSchema } from '../../events/schema/structural.ts';

type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata: Record<string, unknown> };

const examples = join(import.meta.dirname, '..', '..', 'infra', 'examples');
const exampleObjects: Obj[] = ['seed', 'loopback'].flatMap((dir) =>
  ['bgp.yaml', 'cluster.yaml'].flatMap((f) =>
    parseAllDocuments(readFileSync(join(examples, dir, f), 'utf8'))
      .map((d) => d.toJS() as Obj | null)
      .filter((o): o is Obj => o !== null),
  ),
);

/** The status is not part of the dry run (apply writes it afterwards, through its subresource). */
const withoutStatus = ({ status: _s, ...o }: Obj): Obj => o as Obj;

const richValid: Obj[] = [
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPClusterConfig',
    metadata: { name: 'rich', labels: { 'example.com/team': 'net', tier: '' }, annotations: { 'example.com/Note': 'x' } },
    spec: {
      nodeSelector: { matchExpressions: [{ key: 'bgp', operator: 'Exists' }] },
      bgpInstances: [
        {
          name: 'a',
          localASN: 4200000000,
          localPort: 1179,
          peers: [
            { name: 'p1', peerAddress: '10.0.0.1', peerASN: 65000, peerConfigRef: { name: 'peer' } },
            { name: 'p2', peerAddress: 'fd00::1', peerASN: 65001 },
          ],
        },
        { name: 'b', localASN: 64512 },
      ],
    },
  },
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPPeerConfig',
    metadata: { name: 'rich' },
    spec: {
      transport: { peerPort: 1179 },
      timers: { connectRetryTimeSeconds: 5, holdTimeSeconds: 9, keepAliveTimeSeconds: 3 },
      authSecretRef: 'bgp-auth',
      gracefulRestart: { enabled: true, restartTimeSeconds: 4095 },
      ebgpMultihop: 255,
      families: [
        { afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } },
        { afi: 'ipv6', safi: 'unicast' },
      ],
    },
  },
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPAdvertisement',
    metadata: { name: 'rich', labels: { advertise: 'bgp' } },
    spec: {
      advertisements: [
        { advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'], aggregationLengthIPv4: 24 }, selector: { matchLabels: { a: 'b' } } },
        { advertisementType: 'CiliumPodIPPool', attributes: { communities: { wellKnown: ['no-export'], large: ['1:2:3'] }, localPreference: 200 } },
        { advertisementType: 'Interface', interface: { name: 'lo' } },
      ],
    },
  },
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPNodeConfigOverride',
    metadata: { name: 'worker1' },
    spec: { bgpInstances: [{ name: 'a', routerID: '10.0.0.9', localPort: 179, peers: [{ name: 'p1', localAddress: '10.0.0.10' }] }] },
  },
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNode',
    metadata: { name: 'worker1', labels: { bgp: 'true' } },
    spec: { addresses: [{ type: 'InternalIP', ip: '10.0.0.10' }], ipam: { podCIDRs: ['10.1.0.0/24'], pools: { allocated: [{ pool: 'default', cidrs: ['10.2.0.0/27'] }] }, extra: 1 } },
  },
  { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumPodIPPool', metadata: { name: 'default' }, spec: { ipv4: { cidrs: ['10.2.0.0/16'], maskSize: 27 } } },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true }, nodeName: 'worker1' }],
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bgp-auth', namespace: 'kube-system' }, type: 'Opaque', data: { password: 'c2VjcmV0' } },
];

const peer = (spec: Record<string, unknown>): Obj => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'fault' }, spec });
const advert = (entry: Record<string, unknown>): Obj => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPAdvertisement', metadata: { name: 'fault' }, spec: { advertisements: [entry] } });
const cluster = (instance: Record<string, unknown>): Obj => ({
  apiVersion: 'cilium.io/v2alpha1',
  kind: 'CiliumBGPClusterConfig',
  metadata: { name: 'fault' },
  spec: { bgpInstances: [{ name: 'i', localASN: 64000, ...instance }] },
});

/** Each is refused by the API server, for the reason in its title. */
const faults: [string, Obj][] = [
  ['a port over 65535', peer({ transport: { peerPort: 70000 } })],
  ['a hold time under 3', peer({ timers: { holdTimeSeconds: 2, keepAliveTimeSeconds: 1 } })],
  ['CEL: keepalive over the hold time', peer({ timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 10 } })],
  ['CEL: keepalive over the hold time, the keepalive defaulted (30 > 9)', peer({ timers: { holdTimeSeconds: 9 } })],
  ['an afi not in the enum', peer({ families: [{ afi: 'ipv5', safi: 'unicast' }] })],
  ['a family without safi', peer({ families: [{ afi: 'ipv4' }] })],
  ['graceful restart without enabled', peer({ gracefulRestart: { restartTimeSeconds: 5 } })],
  ['a string where an integer goes', peer({ ebgpMultihop: '5' })],
  ['an unknown field', peer({ ebgpMultihops: 5 })],
  ['a label value with a space', peer({ families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { a: 'b c' } } }] })],
  ['CEL: a Service advertisement without service', advert({ advertisementType: 'Service' })],
  ['CEL: an Interface advertisement without interface', advert({ advertisementType: 'Interface' })],
  ['a community out of range', advert({ advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65536:1'] } } })],
  ['an operator not in the enum', advert({ advertisementType: 'PodCIDR', selector: { matchExpressions: [{ key: 'a', operator: 'Equals' }] } })],
  ['no bgpInstances', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: 'fault' }, spec: {} }],
  ['an empty bgpInstances', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: 'fault' }, spec: { bgpInstances: [] } }],
  ['a repeated instance name (list-map key)', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: 'fault' }, spec: { bgpInstances: [{ name: 'a' }, { name: 'a' }] } }],
  ['a peer without name', cluster({ peers: [{ peerAddress: '10.0.0.1' }] })],
  ['a peer address that is not an address', cluster({ peers: [{ name: 'p', peerAddress: 'router-1' }] })],
  ['a localASN of 0', cluster({ localASN: 0 })],
  ['a localASN over 32 bits', cluster({ localASN: 4294967296 })],
  ['CEL: DefaultGateway mode without defaultGateway', cluster({ peers: [{ name: 'p', autoDiscovery: { mode: 'DefaultGateway' } }] })],
  ['CEL: Unnumbered mode with neither', cluster({ peers: [{ name: 'p', autoDiscovery: { mode: 'Unnumbered' } }] })],
  ['a name with upper case', { ...peer({}), metadata: { name: 'Fault' } }],
  ['a label key with two slashes', { ...peer({}), metadata: { name: 'fault', labels: { 'a/b/c': 'x' } } }],
  ['a label value that is a number', { ...peer({}), metadata: { name: 'fault', labels: { version: 1 } } }],
  ['an unknown metadata field', { ...peer({}), metadata: { name: 'fault', labelz: {} } }],
  ['a top-level unknown field', { ...peer({}), extra: true }],
  ['no spec', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'fault' } }],
  ['a Service of an unknown type', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'Balanced', ports: [{ port: 80 }] } }],
  ['a Service port of 0', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 0 }] } }],
  ['a Service named with a dot', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web.x', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }],
  ['a Node address without type', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDRs: 'x' } }],
  ['an EndpointSlice without addressType', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e', namespace: 'default' }, endpoints: [] }],
  ['an endpoint without addresses', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e', namespace: 'default' }, addressType: 'IPv4', endpoints: [{ nodeName: 'n' }] }],
  ['Secret data that is not base64', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { password: 'not base64!' } }],
];

// ---- the two judges -------------------------------------------------------------------------

interface Verdict {
  readonly accepted: boolean;
  readonly why: string;
}

function ours(o: Obj): Verdict {
  const r = parseManifest(JSON.stringify(o), 'corpus.json');
  return { accepted: r.errors.length === 0 && r.objects.length === 1, why: r.errors.map((e) => e.message).join('; ') };
}

let api: KubeApi | undefined;
async function apiServer(objects: readonly Obj[]): Promise<Verdict[]> {
  api ??= new KubeApi(loadKubeConfig({ kubeconfig: inject('kubeconfigPath') }));
  const sourced: SourcedObject[] = objects.map((o) => {
    const manifest = withNamespace(o) as unknown as KubeObject;
    return { object: manifest, manifest, file: 'corpus.json', line: 1 };
  });
  const outcomes = await applyObjects(api, sourced, true);
  return outcomes.map((x) => ({ accepted: x.error === null, why: x.error?.message ?? '' }));
}

/** As `apply -f` reads a namespaced object without one (kubectl's default namespace). */
function withNamespace(o: Obj): Obj {
  const info = lookupKind(o.apiVersion, o.kind);
  if (!info?.namespaced || typeof o.metadata !== 'object' || o.metadata === null || 'namespace' in o.metadata) return o;
  return { ...o, metadata: { ...o.metadata, namespace: 'default' } };
}

async function disagreements(objects: readonly Obj[]): Promise<string[]> {
  const server = await apiServer(objects);
  return objects.flatMap((o, i) => {
    const mine = ours(o);
    if (mine.accepted === server[i]!.accepted) return [];
    return [`${JSON.stringify(o)}\n  apply -f: ${mine.accepted ? 'accepted' : `refused: ${mine.why}`}\n  API server: ${server[i]!.accepted ? 'accepted' : `refused: ${server[i]!.why}`}`];
  });
}

// ---- the corpus -----------------------------------------------------------------------------

describe('apply -f refuses what the API server refuses, and accepts what it accepts', () => {
  it('the examples as they are: both accept every object', async () => {
    const objects = exampleObjects.map(withoutStatus);
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.map(ours).filter((v) => !v.accepted)).toEqual([]);
    expect(await disagreements(objects)).toEqual([]);
  });

  it('rich valid objects of every kind: both accept them', async () => {
    expect(richValid.map(ours).filter((v) => !v.accepted)).toEqual([]);
    expect(await disagreements(richValid)).toEqual([]);
  });

  it.each(faults)('%s: both refuse it', async (_what, o) => {
    const mine = ours(o);
    expect(mine.accepted, 'apply -f accepted it').toBe(false);
    const [server] = await apiServer([o]);
    expect(server!.accepted, 'the API server accepted it').toBe(false);
  });

  it('seeded random mutations of the BGP examples: the same verdict from both', { timeout: 180_000 }, async () => {
    const bases = [...exampleObjects, ...richValid].map(withoutStatus).filter((o) => o.apiVersion.startsWith('cilium.io/'));
    const seed = Number(process.env['BGPCAST_TEST_SEED'] ?? 20261206);
    const samples = fc.sample(mutation(bases), { seed, numRuns: Number(process.env['BGPCAST_MUTATIONS'] ?? 400) });
    const mutated = samples.map((m) => m.object);
    const refusedByUs = mutated.filter((o) => !ours(o).accepted).length;
    const found = await disagreements(mutated);
    expect(found, `seed ${seed}: ${found.length} of ${mutated.length} disagree`).toEqual([]);
    // The corpus holds both verdicts in number, or it would prove little.
    expect(refusedByUs).toBeGreaterThan(mutated.length / 5);
    expect(mutated.length - refusedByUs).toBeGreaterThan(mutated.length / 10);
  });
});

// ---- mutations ------------------------------------------------------------------------------

const interesting: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 3, 24, 31, 32, 127, 128, 255, 256, 1179, 4095, 4096, 65535, 65536, 2147483647, 2147483648, 4294967295, 4294967296, 1.5),
  fc.constantFrom(
    '', 'x', 'a', 'ipv4', 'ipv6', 'unicast', 'multicast', 'Service', 'PodCIDR', 'Interface', 'LoadBalancerIP', 'ClusterIP', 'In', 'Exists',
    'DefaultGateway', 'Unnumbered', '10.0.0.1', '::1', 'fd00::1', '010.0.0.1', '300.1.1.1', '::ffff:10.0.0.1', 'no-export', 'blackhole',
    '65000:100', '65535:65535', '65536:1', '1:2:3', '4294967296:1:1', 'eth0', 'UPPER', 'with space', 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(256),
  ),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom([], {}, ['a'], ['a', 'a'], [{}], { a: 'b' }, { name: 'x' }),
);

/** Every path in the object (below the root), each with the value there. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function schemaAt(s: StructuralSchema | undefined, path: readonly (string | number)[]): StructuralSchema | undefined {
  for (const step of path) {
    if (s === undefined) return undefined;
    s = typeof step === 'number' ? s.items : (s.properties?.[step] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined));
  }
  return s;
}

function getAt(o: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], o);
}

type Op = 'set' | 'delete' | 'unknown' | 'repeat' | 'declare';

function mutation(bases: readonly Obj[]): fc.Arbitrary<{ op: Op; object: Obj }> {
  return fc
    .record({
      base: fc.constantFrom(...bases),
      pick: fc.nat(),
      op: fc.constantFrom<Op>('set', 'set', 'set', 'delete', 'unknown', 'repeat', 'declare', 'declare'),
      value: interesting,
    })
    .map(({ base, pick, op, value }) => ({ op, object: mutate(base, pick, op, value) }));
}

function mutate(base: Obj, pick: number, op: Op, value: unknown): Obj {
  const o = structuredClone(base);
  // Not the identity: an object without a name cannot be addressed, and is refused before any schema.
  const identity = (p: (string | number)[]) => p[0] === 'apiVersion' || p[0] === 'kind' || (p[0] === 'metadata' && (p.length === 1 || p[1] === 'name' || p[1] === 'namespace'));
  const all = paths(o).filter((p) => !identity(p));
  const path = all[pick % all.length]!;
  const parent = getAt(o, path.slice(0, -1)) as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const here = getAt(o, path);
  switch (op) {
    case 'set':
      parent[last] = structuredClone(value);
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 'unknown':
      if (typeof here === 'object' && here !== null && !Array.isArray(here)) (here as Record<string, unknown>)['bogusField'] = value;
      else parent[last] = { bogusField: value };
      break;
    case 'repeat':
      if (Array.isArray(parent)) parent.push(structuredClone(parent[last as number]));
      else if (Array.isArray(here) && here.length > 0) here.push(structuredClone(here[0]));
      else parent[last] = [structuredClone(here), structuredClone(here)];
      break;
    case 'declare': {
      // A field the schema declares and the object lacks, given the value.
      const target = typeof here === 'object' && here !== null && !Array.isArray(here) ? path : path.slice(0, -1);
      const node = getAt(o, target) as Record<string, unknown>;
      const schema = schemaAt(kindSchema(o.apiVersion, o.kind)?.schema, target);
      const absent = Object.keys(schema?.properties ?? {}).filter((k) => !(k in node));
      if (absent.length > 0 && typeof node === 'object' && node !== null && !Array.isArray(node)) node[absent[pick % absent.length]!] = structuredClone(value);
      else parent[last] = structuredClone(value);
      break;
    }
  }
  return o;
}
