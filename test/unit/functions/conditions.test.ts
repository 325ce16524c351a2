// Conditions (docs/cilium-semantics.md COND-1 to COND-6).
import { describe, expect, it } from 'vitest';
import { computeConditions, type Condition } from '../../../functions/cilium/conditions.ts';
import { DesiredCache } from '../../../functions/incremental/desired-cache.ts';
import { worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import { applied, clusterConfig, deleted, node, peerConfig, secret, service, simpleCluster } from './builders.ts';

const of = (conditions: Condition[], kind: string, name: string, type: string) =>
  conditions.find((c) => c.kind === kind && c.name === name && c.type === type);
const cc = (conditions: Condition[], name: string, type: string) =>
  of(conditions, 'CiliumBGPClusterConfig', name, `cilium.io/${type}`);

const w1 = node('w1', { bgp: 'true' }, { ips: ['172.16.1.1'] });

describe('ClusterConfig conditions (COND-1)', () => {
  it('always carries all three, sorted by type', () => {
    const conds = computeConditions(worldFromObjects([w1, simpleCluster('c'), peerConfig('peer-config')]));
    expect(conds.filter((c) => c.kind === 'CiliumBGPClusterConfig').map((c) => [c.type, c.status])).toEqual([
      ['cilium.io/ConflictingClusterConfig', 'False'],
      ['cilium.io/MissingPeerConfigs', 'False'],
      ['cilium.io/NoMatchingNode', 'False'],
    ]);
  });

  it('NoMatchingNode: True with Cilium reason and message when the selector matches no node', () => {
    const conds = computeConditions(worldFromObjects([w1, simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'nope' } } })]));
    expect(cc(conds, 'c', 'NoMatchingNode')).toEqual({
      kind: 'CiliumBGPClusterConfig',
      name: 'c',
      type: 'cilium.io/NoMatchingNode',
      status: 'True',
      reason: 'NoMatchingNode',
      message: 'No node matches spec.nodeSelector',
    });
  });

  it('NoMatchingNode is per config: one config matching nodes does not clear it for another', () => {
    const conds = computeConditions(
      worldFromObjects([w1, simpleCluster('hit', { nodeSelector: { matchLabels: { bgp: 'true' } } }), simpleCluster('miss', { nodeSelector: { matchLabels: { bgp: 'nope' } } })]),
    );
    expect(cc(conds, 'hit', 'NoMatchingNode')?.status).toBe('False');
    expect(cc(conds, 'miss', 'NoMatchingNode')?.status).toBe('True');
  });

  it('COND-1 NoMatchingNode False says that a node matches, never that none does, and not how many (a node joining changes nothing)', () => {
    const w2 = node('w2', { bgp: 'true' }, { ips: ['172.16.1.2'] });
    const one = computeConditions(worldFromObjects([w1, simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } })]));
    expect(cc(one, 'c', 'NoMatchingNode')).toMatchObject({ status: 'False', reason: 'NoMatchingNode', message: 'At least one node matches spec.nodeSelector' });
    const two = computeConditions(worldFromObjects([w1, w2, simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } })]));
    expect(cc(two, 'c', 'NoMatchingNode')).toEqual(cc(one, 'c', 'NoMatchingNode'));
  });

  it('MissingPeerConfigs: the missing names, sorted and de-duplicated, in Go list form', () => {
    const cluster = clusterConfig('c', {
      bgpInstances: [
        { name: 'a', localASN: 1, peers: [{ name: 'p1', peerConfigRef: { name: 'zeta' } }, { name: 'p2', peerConfigRef: { name: 'alpha' } }] },
        { name: 'b', localASN: 1, peers: [{ name: 'p1', peerConfigRef: { name: 'zeta' } }, { name: 'p2', peerConfigRef: { name: 'here' } }, { name: 'p3' }] },
      ],
    });
    const conds = computeConditions(worldFromObjects([w1, cluster, peerConfig('here')]));
    expect(cc(conds, 'c', 'MissingPeerConfigs')).toMatchObject({
      status: 'True',
      reason: 'MissingPeerConfigs',
      message: 'Referenced CiliumBGPPeerConfig(s) are missing: [alpha zeta]',
    });
  });

  it('ConflictingClusterConfig (OWN-2): the later config names the owner; the owner has no conflict', () => {
    const conds = computeConditions(
      worldFromObjects([w1, simpleCluster('old', { created: '2024-01-01T00:00:00Z' }), simpleCluster('new', { created: '2024-06-01T00:00:00Z' })]),
    );
    expect(cc(conds, 'new', 'ConflictingClusterConfig')).toMatchObject({
      status: 'True',
      reason: 'ConflictingClusterConfigs',
      message: 'Selecting the same node(s) with ClusterConfig(s): [old]',
    });
    expect(cc(conds, 'old', 'ConflictingClusterConfig')).toMatchObject({ status: 'False', message: '' });
    // The loser still selects a node, so it is not NoMatchingNode (as in Cilium).
    expect(cc(conds, 'new', 'NoMatchingNode')?.status).toBe('False');
  });
});

describe('PeerConfig MissingAuthSecret (COND-2)', () => {
  const pc = peerConfig('pc', { authSecretRef: 'bgp-auth' });

  it('MissingAuthSecret: True with Cilium message when the Secret is not in the secrets namespace', () => {
    const cond = of(computeConditions(worldFromObjects([pc])), 'CiliumBGPPeerConfig', 'pc', 'cilium.io/MissingAuthSecret');
    expect(cond).toMatchObject({ status: 'True', reason: 'MissingAuthSecret' });
    expect(cond?.message).toMatch(/^Referenced Auth Secret "bgp-auth" is missing/);
    expect(cond?.message).toContain('"kube-system"');
  });

  it('MissingAuthSecret: False, and says so, when the Secret exists (cilium#38073)', () => {
    const cond = of(computeConditions(worldFromObjects([pc, secret('bgp-auth')])), 'CiliumBGPPeerConfig', 'pc', 'cilium.io/MissingAuthSecret');
    expect(cond).toMatchObject({ status: 'False', reason: 'MissingAuthSecret', message: 'Referenced Auth Secret "bgp-auth" found in namespace "kube-system"' });
  });

  it('MissingAuthSecret: a Secret in the wrong namespace is named in the message (cilium#45435)', () => {
    const cond = of(computeConditions(worldFromObjects([pc, secret('bgp-auth', 'default')])), 'CiliumBGPPeerConfig', 'pc', 'cilium.io/MissingAuthSecret');
    expect(cond?.status).toBe('True');
    expect(cond?.message).toContain('exists in "default"');
  });

  it('MissingAuthSecret: True when the Secret has no key "password" (the session would run without TCP MD5)', () => {
    const keyless = { ...secret('bgp-auth'), data: { token: 'eA==' } };
    const cond = of(computeConditions(worldFromObjects([pc, keyless])), 'CiliumBGPPeerConfig', 'pc', 'cilium.io/MissingAuthSecret');
    expect(cond).toMatchObject({ status: 'True', message: 'Referenced Auth Secret "bgp-auth" in namespace "kube-system" has no key "password"' });
    const published = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bgp-auth', namespace: 'kube-system' }, dataKeys: ['password'] };
    expect(of(computeConditions(worldFromObjects([pc, published])), 'CiliumBGPPeerConfig', 'pc', 'cilium.io/MissingAuthSecret')?.status).toBe('False');
  });

  it('honours bgp-secrets-namespace', () => {
    const world = worldFromObjects([pc, secret('bgp-auth', 'bgp')], { bgpSecretsNamespace: 'bgp' });
    expect(of(computeConditions(world), 'CiliumBGPPeerConfig', 'pc', 'cilium.io/MissingAuthSecret')?.status).toBe('False');
  });

  it('a PeerConfig without authSecretRef has the condition False with no message, as in Cilium', () => {
    const cond = of(computeConditions(worldFromObjects([peerConfig('plain')])), 'CiliumBGPPeerConfig', 'plain', 'cilium.io/MissingAuthSecret');
    expect(cond).toMatchObject({ status: 'False', message: '' });
  });
});

describe('bgpcast conditions', () => {
  it('an invalid object gets bgpcast.io/InvalidObject naming each field; the batch goes on', () => {
    const conds = computeConditions(
      worldFromObjects([w1, clusterConfig('broken', { bgpInstances: [{ name: 'i', localASN: 0, peers: [{ name: 'p', peerAddress: 'x' }] }] }), simpleCluster('fine')]),
    );
    const invalid = of(conds, 'CiliumBGPClusterConfig', 'broken', 'bgpcast.io/InvalidObject');
    expect(invalid).toMatchObject({ status: 'True', reason: 'ValidationFailed' });
    expect(invalid?.message).toBe(
      'spec.bgpInstances[0].localASN: must be between 1 and 4294967295; spec.bgpInstances[0].peers[0].peerAddress: "x" is not an IP address; the object is ignored',
    );
    expect(cc(conds, 'fine', 'NoMatchingNode')).toBeDefined();
    expect(cc(conds, 'broken', 'NoMatchingNode')).toBeUndefined();
  });

  it('an invalid update says the last valid version stays in effect', () => {
    const conds = computeConditions(worldFromObjects([simpleCluster('c'), clusterConfig('c', { bgpInstances: [] })]));
    expect(of(conds, 'CiliumBGPClusterConfig', 'c', 'bgpcast.io/InvalidObject')?.message).toMatch(/the last valid version stays in effect$/);
    expect(cc(conds, 'c', 'NoMatchingNode')).toBeDefined();
  });

  it('an invalid namespaced object carries its namespace', () => {
    const conds = computeConditions(worldFromObjects([service('web', { externalTrafficPolicy: 'Nope' }, { namespace: 'shop' })]));
    expect(conds).toEqual([expect.objectContaining({ kind: 'Service', namespace: 'shop', name: 'web', type: 'bgpcast.io/InvalidObject' })]);
  });

  it('BGPReconcileError on the node when an instance or peer is left out (COND-5 format)', () => {
    const cluster = clusterConfig('c', { bgpInstances: [{ name: 'no-asn' }, { name: 'ok', localASN: 1, peers: [{ name: 'p', peerAddress: '1.1.1.1', peerConfigRef: { name: 'gone' } }] }] });
    const cond = of(computeConditions(worldFromObjects([w1, cluster])), 'CiliumBGPNodeConfig', 'w1', 'cilium.io/BGPReconcileError');
    expect(cond).toMatchObject({ status: 'True', reason: 'BGPReconcileError' });
    expect(cond?.message).toBe('no-asn: missing ASN in desired config\nok: peer p: CiliumBGPPeerConfig "gone" not found; peer skipped\n');
  });

  it('no BGPReconcileError when everything could be configured', () => {
    const conds = computeConditions(worldFromObjects([w1, simpleCluster('c'), peerConfig('peer-config')]));
    expect(conds.some((c) => c.type === 'cilium.io/BGPReconcileError')).toBe(false);
  });

  it('is sorted by kind, namespace, name and type', () => {
    const conds = computeConditions(worldFromObjects([w1, simpleCluster('b'), simpleCluster('a'), peerConfig('z'), peerConfig('peer-config')]));
    const keys = conds.map((c) => `${c.kind}|${c.namespace ?? ''}|${c.name}|${c.type}`);
    expect(keys).toEqual([...keys].sort());
    expect(conds).toHaveLength(3 + 3 + 2);
  });
});

describe('the DesiredCache keeps the conditions while their inputs are the same objects, and follows every change', () => {
  const apply = (world: WorldView, obj: Record<string, unknown>) => applied(world, obj);
  const cold = (objects: Record<string, unknown>[]) => computeConditions(worldFromObjects(objects));
  const cache = new DesiredCache();
  const cachedConditions = (world: WorldView) => cache.conditions(world);
  const base = [w1, simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } }), peerConfig('peer-config', { authSecretRef: 'auth' })];

  it('a valid Service change returns the very same conditions', () => {
    const w0 = worldFromObjects(base);
    const before = cachedConditions(w0);
    const after = cachedConditions(apply(w0, service('web', { type: 'LoadBalancer' }, { lbIPs: ['172.20.0.1'] })));
    expect(after).toBe(before);
  });

  it('follow an invalid Service version, then its valid one, then its delete', () => {
    const w0 = worldFromObjects(base);
    const good = service('web', { type: 'LoadBalancer' });
    const w1 = apply(w0, good);
    const w2 = apply(w1, service('web', { externalTrafficPolicy: 'Nope' }));
    expect(of(cachedConditions(w2), 'Service', 'web', 'bgpcast.io/InvalidObject')?.message).toMatch(/the last valid version stays in effect$/);
    expect(of(cachedConditions(apply(w2, good)), 'Service', 'web', 'bgpcast.io/InvalidObject')).toBeUndefined();
    const w3 = apply(w0, service('web', { externalTrafficPolicy: 'Nope' })); // never valid
    expect(of(cachedConditions(w3), 'Service', 'web', 'bgpcast.io/InvalidObject')?.message).toMatch(/the object is ignored$/);
    const ref = { kind: 'Service', namespace: 'default', name: 'web' };
    expect(of(cachedConditions(deleted(w2, ref)), 'Service', 'web', 'bgpcast.io/InvalidObject')).toBeUndefined();
  });

  it.each([
    ['a Node relabelled out of the selector', node('w1', { bgp: 'false' })],
    ['the Secret created', secret('auth')],
    ['the PeerConfig without its secret', peerConfig('peer-config')],
    ['a second ClusterConfig selecting the node', simpleCluster('d', { nodeSelector: { matchLabels: { bgp: 'true' } }, created: '2099-01-01T00:00:00Z' })],
  ])('follow %s, equal to a cold computation', (_what, obj) => {
    const w0 = worldFromObjects(base);
    const before = cachedConditions(w0);
    const after = cachedConditions(apply(w0, obj));
    const objects = [...base.filter((o) => o['kind'] !== obj['kind'] || JSON.stringify(o['metadata']) !== JSON.stringify(obj['metadata'])), obj];
    expect(after).toEqual(cold(objects));
    expect(after).not.toEqual(before);
  });
});
