import { describe, expect, it } from 'vitest';
import { parseIp } from '../../../events/ip.ts';
import { DEFAULT_PEER_SETTINGS, peerSettings } from '../../../functions/cilium/peer-settings.ts';
import { normaliseObject, type NormaliseResult } from '../../../functions/model/normalise.ts';
import { advertisement, clusterConfig, ciliumNode, endpointSlice, node, peerConfig, secret, service } from './builders.ts';

function ok(raw: unknown) {
  const result = normaliseObject(raw);
  if (result.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.record as never;
}

function issues(raw: unknown): { path: string; message: string }[] {
  const result: NormaliseResult = normaliseObject(raw);
  if (result.status !== 'invalid') throw new Error(`expected invalid, got ${result.status}`);
  return [...result.error.issues];
}

const oneInstance = { bgpInstances: [{ name: 'i', localASN: 64000, peers: [{ name: 'p', peerAddress: '5.5.5.5', peerConfigRef: { name: 'pc' } }] }] };

describe('normalisation: both API versions give one record', () => {
  it.each(['CiliumBGPClusterConfig', 'CiliumBGPPeerConfig', 'CiliumBGPAdvertisement', 'CiliumBGPNodeConfigOverride'])(
    '%s in cilium.io/v2alpha1 equals cilium.io/v2',
    (kind) => {
      const specs: Record<string, unknown> = {
        CiliumBGPClusterConfig: oneInstance,
        CiliumBGPPeerConfig: { timers: { holdTimeSeconds: 9 } },
        CiliumBGPAdvertisement: { advertisements: [{ advertisementType: 'PodCIDR' }] },
        CiliumBGPNodeConfigOverride: { bgpInstances: [{ name: 'i', routerID: '1.2.3.4' }] },
      };
      const make = (v: string) => ({ apiVersion: `cilium.io/${v}`, kind, metadata: { name: 'x' }, spec: specs[kind] });
      expect(ok(make('v2alpha1'))).toEqual(ok(make('v2')));
    },
  );

  it.each([
    ['cilium.io/v3', 'CiliumBGPClusterConfig'],
    ['v1', 'ConfigMap'],
    ['cilium.io/v2alpha1', 'CiliumNode'],
    ['apps/v1', 'Service'],
  ])('%s %s is unsupported, not an error', (apiVersion, kind) => {
    expect(normaliseObject({ apiVersion, kind, metadata: { name: 'x' } }).status).toBe('unsupported');
  });

  it.each([null, 42, 'text', []])('a non-object (%j) is unsupported, never a throw', (raw) => {
    expect(normaliseObject(raw).status).toBe('unsupported');
  });
});

describe('CiliumBGPClusterConfig', () => {
  it('defaults peerASN to 0 and keeps a nil nodeSelector as nil', () => {
    const rec = ok(clusterConfig('c', { bgpInstances: [{ name: 'i', peers: [{ name: 'p', peerAddress: '5.5.5.5' }] }] }));
    expect(rec).toMatchObject({ nodeSelector: null, instances: [{ localASN: null, localPort: null, peers: [{ peerASN: 0, peerConfigRef: null }] }] });
  });

  it('an empty peerConfigRef.name counts as no ref: the peer uses default settings (INST-5)', () => {
    const rec = ok(clusterConfig('c', { bgpInstances: [{ name: 'i', peers: [{ name: 'p', peerConfigRef: { name: '' } }] }] }));
    expect(rec).toMatchObject({ instances: [{ peers: [{ peerConfigRef: null }] }] });
  });

  it('normalises the peer address and accepts the v2alpha1 group/kind in peerConfigRef', () => {
    const rec = ok(
      clusterConfig('c', {
        bgpInstances: [{ name: 'i', peers: [{ name: 'p', peerAddress: ' 2001:DB8::0:1 ', peerConfigRef: { name: 'pc', group: 'cilium.io', kind: 'CiliumBGPPeerConfig' } }] }],
      }, {}, 'v2alpha1'),
    );
    expect(rec).toMatchObject({ instances: [{ peers: [{ peerAddress: '2001:db8::1', peerConfigRef: 'pc' }] }] });
  });

  it.each([
    [{ bgpInstances: [] }, 'spec.bgpInstances', 'at least one'],
    [{}, 'spec.bgpInstances', 'required'],
    [{ bgpInstances: Array.from({ length: 17 }, (_, i) => ({ name: `i${i}` })) }, 'spec.bgpInstances', 'at most 16'],
    [{ bgpInstances: [{ name: 'i' }, { name: 'i' }] }, 'spec.bgpInstances[1].name', 'duplicate'],
    [{ bgpInstances: [{ name: 'i', localASN: 0 }] }, 'spec.bgpInstances[0].localASN', 'between 1 and 4294967295'],
    [{ bgpInstances: [{ name: 'i', localASN: 4294967296 }] }, 'spec.bgpInstances[0].localASN', 'between'],
    [{ bgpInstances: [{ name: 'i', localPort: 70000 }] }, 'spec.bgpInstances[0].localPort', 'between 1 and 65535'],
    [{ bgpInstances: [{ name: 'i', peers: [{ name: 'p', peerAddress: '5.5.5' }] }] }, 'spec.bgpInstances[0].peers[0].peerAddress', 'not an IP address'],
    [{ bgpInstances: [{ name: 'i', peers: [{ name: 'p', peerASN: -1 }] }] }, 'spec.bgpInstances[0].peers[0].peerASN', 'between 0'],
    [{ bgpInstances: [{ name: 'i', peers: [{ name: 'p' }, { name: 'p' }] }] }, 'spec.bgpInstances[0].peers[1].name', 'duplicate'],
    [{ bgpInstances: [{ name: 'i', peers: [{ name: 'p', autoDiscovery: { mode: 'DefaultGateway' } }] }] }, 'spec.bgpInstances[0].peers[0].autoDiscovery.defaultGateway', 'required'],
    [{ nodeSelector: { matchLabels: { bgp: true } }, bgpInstances: [{ name: 'i' }] }, 'spec.nodeSelector.matchLabels.bgp', ''],
  ])('invalid spec %j names the field', (spec, path, message) => {
    const found = issues(clusterConfig('c', spec));
    expect(found).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
  });

  it('an invalid object carries its identity for the caller to report', () => {
    const result = normaliseObject(clusterConfig('broken', { bgpInstances: [] }));
    expect(result).toMatchObject({ status: 'invalid', error: { kind: 'CiliumBGPClusterConfig', name: 'broken', namespace: null } });
  });

  it('a missing metadata.name is reported as a field problem', () => {
    expect(issues({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: {}, spec: oneInstance })).toContainEqual(
      expect.objectContaining({ path: 'metadata.name' }),
    );
  });
});

describe("CiliumBGPPeerConfig: the record as written, with the agent's defaults (PEER-1) applied by peerSettings", () => {
  it('an empty spec: every value unset in the record, every default in the settings', () => {
    expect(ok(peerConfig('pc'))).toMatchObject({ peerPort: null, holdTimeSeconds: null, gracefulRestart: null, families: [] });
    expect(peerSettings(ok(peerConfig('pc')))).toEqual({
      peerPort: 179,
      connectRetryTimeSeconds: 120,
      holdTimeSeconds: 90,
      keepAliveTimeSeconds: 30,
      ebgpMultihop: 1,
      gracefulRestart: { enabled: false, restartTimeSeconds: 120 },
      authSecretRef: null,
      families: [
        { afi: 'ipv6', safi: 'unicast', advertisements: null }, // both families, no selectors
        { afi: 'ipv4', safi: 'unicast', advertisements: null },
      ],
      gtsm: false,
      maxPrefixes: null,
      nextHop: { ipv4: 'auto', ipv6: 'auto' },
    });
    expect(peerSettings(ok(peerConfig('pc')))).toEqual(DEFAULT_PEER_SETTINGS);
  });

  it('0 counts as unset, like nil', () => {
    const rec = peerSettings(ok(
      peerConfig('pc', {
        transport: { peerPort: 0 },
        timers: { connectRetryTimeSeconds: 0, holdTimeSeconds: 0, keepAliveTimeSeconds: 0 },
        ebgpMultihop: 0,
        gracefulRestart: { enabled: true, restartTimeSeconds: 0 },
      }),
    ));
    expect(rec).toMatchObject({
      peerPort: 179,
      connectRetryTimeSeconds: 120,
      holdTimeSeconds: 90,
      keepAliveTimeSeconds: 30,
      ebgpMultihop: 1,
      gracefulRestart: { enabled: true, restartTimeSeconds: 120 }, // present, but 0: 120
    });
  });

  it('explicit values are kept', () => {
    const rec = peerSettings(ok(
      peerConfig('pc', {
        transport: { peerPort: 1790 },
        timers: { connectRetryTimeSeconds: 5, holdTimeSeconds: 9, keepAliveTimeSeconds: 3 },
        ebgpMultihop: 5,
        authSecretRef: 'bgp-auth',
        gracefulRestart: { enabled: true, restartTimeSeconds: 300 },
        families: [{ afi: 'ipv4', safi: 'unicast' }],
      }),
    ));
    expect(rec).toMatchObject({
      peerPort: 1790,
      connectRetryTimeSeconds: 5,
      holdTimeSeconds: 9,
      keepAliveTimeSeconds: 3,
      ebgpMultihop: 5,
      authSecretRef: 'bgp-auth',
      gracefulRestart: { enabled: true, restartTimeSeconds: 300 },
      families: [{ afi: 'ipv4', safi: 'unicast', advertisements: null }],
    });
  });

  it.each([
    [{ timers: { holdTimeSeconds: 2 } }, 'spec.timers.holdTimeSeconds'],
    [{ transport: { peerPort: 65536 } }, 'spec.transport.peerPort'],
    [{ ebgpMultihop: 256 }, 'spec.ebgpMultihop'],
    [{ gracefulRestart: { restartTimeSeconds: 10 } }, 'spec.gracefulRestart.enabled'],
    [{ gracefulRestart: { enabled: true, restartTimeSeconds: 4096 } }, 'spec.gracefulRestart.restartTimeSeconds'],
    [{ families: [{ afi: 'ipv5', safi: 'unicast' }] }, 'spec.families[0].afi'],
    [{ families: [{ afi: 'ipv4', safi: 'anycast' }] }, 'spec.families[0].safi'],
  ])('invalid %j names %s', (spec, path) => {
    expect(issues(peerConfig('pc', spec)).map((i) => i.path)).toContain(path);
  });
});

describe('CiliumBGPAdvertisement', () => {
  it('parses communities to values: standard and well-known merged and de-duplicated (ADV-3)', () => {
    const rec = ok(
      advertisement('a', [
        {
          advertisementType: 'PodCIDR',
          attributes: {
            communities: { standard: ['65535:65281', '65000:99', '4259840099'], wellKnown: ['no-export'], large: ['1:2:3', '1:2:3'] },
            localPreference: 150,
          },
        },
      ]),
    ) as { entries: { attributes: unknown }[] };
    expect(rec.entries[0]!.attributes).toEqual({
      communities: [65000 * 65536 + 99, 0xffffff01],
      largeCommunities: [[1, 2, 3]],
      localPreference: 150,
    });
  });

  it.each([
    [{ advertisementType: 'Service' }, 'spec.advertisements[0].service', 'required'],
    [{ advertisementType: 'Service', service: { addresses: [] } }, 'spec.advertisements[0].service.addresses', 'at least one'],
    [{ advertisementType: 'Service', service: { addresses: ['NodeIP'] } }, 'spec.advertisements[0].service.addresses[0]', ''],
    [{ advertisementType: 'Service', service: { addresses: ['ClusterIP'], aggregationLengthIPv4: 32 } }, 'spec.advertisements[0].service.aggregationLengthIPv4', 'between 0 and 31'],
    [{ advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65536:1'] } } }, 'spec.advertisements[0].attributes.communities.standard[0]', 'not a community'],
    [{ advertisementType: 'PodCIDR', attributes: { communities: { wellKnown: ['no-such'] } } }, 'spec.advertisements[0].attributes.communities.wellKnown[0]', ''],
    [{ advertisementType: 'PodCIDR', attributes: { communities: { large: ['1:2'] } } }, 'spec.advertisements[0].attributes.communities.large[0]', 'not a large community'],
    [{ advertisementType: 'PodCIDR', attributes: { localPreference: -1 } }, 'spec.advertisements[0].attributes.localPreference', 'between'],
  ])('invalid entry %j names %s', (entry, path, message) => {
    expect(issues(advertisement('a', [entry]))).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
  });

  it('keeps an advertisement type it does not know (consumers must tolerate new values)', () => {
    const rec = ok(advertisement('a', [{ advertisementType: 'Tunnel' }])) as { entries: { type: string }[] };
    expect(rec.entries[0]!.type).toBe('Tunnel');
  });

  it('Interface: the interface name is kept; without one the entry is invalid (ADV-7)', () => {
    const rec = ok(advertisement('a', [{ advertisementType: 'Interface', interface: { name: 'lo' } }])) as { entries: { interface: string | null }[] };
    expect(rec.entries[0]!.interface).toBe('lo');
    expect(issues(advertisement('a', [{ advertisementType: 'Interface' }]))).toContainEqual(
      expect.objectContaining({ path: 'spec.advertisements[0].interface', message: 'required when advertisementType is Interface' }),
    );
  });
});

describe('core kinds', () => {
  it('Node: labels, InternalIP addresses, pod CIDRs (spec.podCIDR as fallback)', () => {
    expect(ok(node('w1', { bgp: 'true' }, { ips: ['172.16.1.1', 'FD00::1'], podCIDRs: ['192.168.1.0/24'] }))).toMatchObject({
      meta: { name: 'w1', labels: { bgp: 'true' } },
      internalIPs: [parseIp('172.16.1.1'), parseIp('fd00::1')],
      podCIDRs: ['192.168.1.0/24'],
    });
    expect(ok({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.0.0.0/24' } })).toMatchObject({
      podCIDRs: ['10.0.0.0/24'],
      internalIPs: [],
    });
  });

  it('Service: clusterIP and clusterIPs are both checked; clusterIPs wins when it lists any', () => {
    expect(ok(service('s', { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1', 'fd00::1'] }))).toMatchObject({ clusterIPs: [parseIp('10.96.0.1'), parseIp('fd00::1')] });
    expect(ok(service('s', { clusterIP: '10.96.0.1', clusterIPs: [] }))).toMatchObject({ clusterIPs: [parseIp('10.96.0.1')] });
    expect(issues(service('s', { clusterIP: 'nope', clusterIPs: ['10.96.0.1', '01.2.3.4'] }))).toEqual([
      { path: 'spec.clusterIP', message: '"nope" is not an IP address' },
      { path: 'spec.clusterIPs[1]', message: '"01.2.3.4" is not an IP address' },
    ]);
  });

  it('Node: only InternalIP entries must be addresses', () => {
    const raw = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { addresses: [{ type: 'Hostname', address: 'n' }, { type: 'InternalIP', address: 'nope' }] } };
    expect(issues(raw)).toEqual([{ path: 'status.addresses[1].address', message: '"nope" is not an IP address' }]);
  });

  it('CiliumNode: IPAM pod CIDRs and pool allocations', () => {
    expect(ok(ciliumNode('w1', {}, { podCIDRs: ['10.1.0.0/24'], pools: [{ pool: 'blue', cidrs: ['10.20.1.0/24'] }] }))).toMatchObject({
      podCIDRs: ['10.1.0.0/24'],
      poolAllocations: [{ pool: 'blue', cidrs: ['10.20.1.0/24'] }],
    });
  });

  it('Service: VIPs, class and policies; headless "None" is not an address; defaults are Cluster', () => {
    const rec = ok(
      service('web', { type: 'LoadBalancer', clusterIP: 'None', externalIPs: ['172.20.0.20'], loadBalancerClass: 'x' }, { lbIPs: ['172.20.0.10'] }),
    );
    expect(rec).toMatchObject({
      meta: { name: 'web', namespace: 'default' },
      type: 'LoadBalancer',
      clusterIPs: [],
      externalIPs: [parseIp('172.20.0.20')],
      loadBalancerIPs: [parseIp('172.20.0.10')],
      loadBalancerClass: 'x',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
    });
  });

  it('Service: a policy other than Cluster or Local is invalid', () => {
    expect(issues(service('s', { externalTrafficPolicy: 'Nearest' })).map((i) => i.path)).toEqual(['spec.externalTrafficPolicy']);
  });

  it('EndpointSlice: service name from its label; ready absent means ready', () => {
    expect(ok(endpointSlice('web-abc', 'web', [{ nodeName: 'w1' }, { nodeName: 'w2', ready: false }, { ready: true }]))).toMatchObject({
      serviceName: 'web',
      endpoints: [
        { ready: true, nodeName: 'w1' },
        { ready: false, nodeName: 'w2' },
        { ready: true, nodeName: null },
      ],
    });
  });

  it('Secret: only existence and whether it has a password key are kept, never data', () => {
    const rec = ok(secret('bgp-auth'));
    expect(rec).toEqual({ kind: 'Secret', namespace: 'kube-system', name: 'bgp-auth', hasPassword: true });
    expect(JSON.stringify(rec)).not.toContain(Buffer.from('s3cret').toString('base64'));
  });
});
