// What the API server does with bgpcast's CRDs before anything reaches bgpcast: Cilium's defaults
// filled in, and invalid objects refused with errors that name the field (schema types, ranges,
// patterns, enums, required fields, list-map keys, CEL rules). Server-side dry-run: nothing is
// stored, so each case stands alone. Most cases go through server-side apply, as bgpcast writes;
// a wrong type and a repeated list-map key are refused by server-side apply before validation
// runs (500, "failed to create typed patch object", the field path in the message), so those are
// also shown through a create (422 with the field as a cause, as kubectl create/apply report it).
import type { KubernetesObject } from '@kubernetes/client-node';
import { PatchStrategy } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { objectApi, refusal } from '../support/kube.ts';

type Obj = KubernetesObject & { spec: Record<string, unknown> };

function dryRunApply<T extends KubernetesObject>(obj: T): Promise<T> {
  return objectApi().patch(obj, undefined, 'All', 'bgpcast-test', true, PatchStrategy.ServerSideApply);
}

function dryRunCreate<T extends KubernetesObject>(obj: T): Promise<T> {
  return objectApi().create(obj, undefined, 'All', 'bgpcast-test');
}

const cluster = (peer: Record<string, unknown>, instance: Record<string, unknown> = {}): Obj => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPClusterConfig',
  metadata: { name: 'validation' },
  spec: { bgpInstances: [{ name: 'i', localASN: 64000, peers: [{ name: 'p', peerAddress: '10.0.0.1', ...peer }], ...instance }] },
});

const peerConfig = (spec: Record<string, unknown>): Obj => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPPeerConfig',
  metadata: { name: 'validation' },
  spec,
});

const advertisement = (entry: Record<string, unknown>, version = 'v2'): Obj => ({
  apiVersion: `cilium.io/${version}`,
  kind: 'CiliumBGPAdvertisement',
  metadata: { name: 'validation' },
  spec: { advertisements: [entry] },
});

describe('defaults', () => {
  it("fills in a PeerConfig's transport, timers, graceful restart and multihop as Cilium's CRD does", async () => {
    const stored = await dryRunApply(peerConfig({ transport: {}, timers: {}, gracefulRestart: { enabled: true } }));
    expect(stored.spec).toEqual({
      transport: { peerPort: 179 },
      timers: { connectRetryTimeSeconds: 120, holdTimeSeconds: 90, keepAliveTimeSeconds: 30 },
      gracefulRestart: { enabled: true, restartTimeSeconds: 120 },
      ebgpMultihop: 1,
    });
  });

  it('leaves absent objects absent (the agent defaults them), and keeps what was written', async () => {
    const stored = await dryRunApply(peerConfig({ timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3 } }));
    expect(stored.spec).toEqual({
      timers: { connectRetryTimeSeconds: 120, holdTimeSeconds: 9, keepAliveTimeSeconds: 3 },
      ebgpMultihop: 1,
    });
  });

  it("sets a ClusterConfig peer's peerASN to 0 (accept any AS)", async () => {
    const stored = await dryRunApply(cluster({ peerASN: undefined }));
    expect(stored.spec).toMatchObject({ bgpInstances: [{ peers: [{ name: 'p', peerASN: 0 }] }] });
  });
});

describe('refusals name the field', () => {
  const refusedCluster = (peer: Record<string, unknown>, instance?: Record<string, unknown>) =>
    refusal(() => dryRunApply(cluster(peer, instance)));

  it('localASN: "abc" is not an integer', async () => {
    const created = await refusal(() => dryRunCreate(cluster({}, { localASN: 'abc' })));
    expect(created.code).toBe(422);
    expect(created.causes).toContainEqual(
      expect.objectContaining({ field: 'spec.bgpInstances[0].localASN', reason: 'FieldValueTypeInvalid' }),
    );
    expect(created.message).toMatch(/spec\.bgpInstances\[0\]\.localASN in body must be of type integer/);
    const applied = await refusedCluster({}, { localASN: 'abc' });
    expect(applied.code).toBe(500);
    expect(applied.message).toContain('failed to create typed patch object');
    expect(applied.message).toContain('.spec.bgpInstances[name="i"].localASN: expected numeric (int or float), got string');
  });

  it('localASN 0 and 4294967296 are outside 1..4294967295', async () => {
    for (const localASN of [0, 4294967296]) {
      const r = await refusedCluster({}, { localASN });
      expect(r.causes).toContainEqual(expect.objectContaining({ field: 'spec.bgpInstances[0].localASN' }));
    }
  });

  it('peerASN 4294967296 is out of range, -1 too', async () => {
    for (const peerASN of [4294967296, -1]) {
      const r = await refusedCluster({ peerASN });
      expect(r.causes).toContainEqual(expect.objectContaining({ field: 'spec.bgpInstances[0].peers[0].peerASN' }));
    }
  });

  it('a peerAddress that is not an IP address', async () => {
    for (const peerAddress of ['5.5.5', '256.0.0.1', 'router1', '1::2::3']) {
      const r = await refusedCluster({ peerAddress });
      expect(r.causes, peerAddress).toContainEqual(expect.objectContaining({ field: 'spec.bgpInstances[0].peers[0].peerAddress' }));
    }
  });

  it('accepts the IPv4 and IPv6 forms Cilium accepts', async () => {
    for (const peerAddress of ['5.5.5.5', '2001:db8::1', '::ffff:10.0.0.1', 'fe80::1%eth0', '::']) {
      await expect(dryRunApply(cluster({ peerAddress })), peerAddress).resolves.toBeDefined();
    }
  });

  it('CEL: autoDiscovery mode DefaultGateway needs defaultGateway', async () => {
    const r = await refusedCluster({ peerAddress: undefined, autoDiscovery: { mode: 'DefaultGateway' } });
    expect(r.causes).toContainEqual(
      expect.objectContaining({
        field: 'spec.bgpInstances[0].peers[0].autoDiscovery.defaultGateway',
        message: expect.stringContaining('defaultGateway must be set when mode is DefaultGateway'),
      }),
    );
  });

  it('CEL: advertisementType Service needs service', async () => {
    const r = await refusal(() => dryRunApply(advertisement({ advertisementType: 'Service' })));
    expect(r.causes).toContainEqual(
      expect.objectContaining({
        field: 'spec.advertisements[0].service',
        message: expect.stringContaining("service field is required for the 'Service' advertisementType"),
      }),
    );
  });

  it('CEL: keepAliveTimeSeconds may not exceed holdTimeSeconds, even through the default hold time', async () => {
    const r = await refusal(() => dryRunApply(peerConfig({ timers: { keepAliveTimeSeconds: 100 } })));
    expect(r.causes).toContainEqual(
      expect.objectContaining({
        field: 'spec.timers.keepAliveTimeSeconds',
        message: expect.stringContaining('keepAliveTimeSeconds can not be larger than holdTimeSeconds'),
      }),
    );
  });

  it('unknown enum values: advertisementType, afi, safi, service address, well-known community', async () => {
    const cases: [Obj, string][] = [
      [advertisement({ advertisementType: 'Everything' }), 'spec.advertisements[0].advertisementType'],
      [advertisement({ advertisementType: 'Service', service: { addresses: ['NodeIP'] } }), 'spec.advertisements[0].service.addresses[0]'],
      [
        advertisement({ advertisementType: 'PodCIDR', attributes: { communities: { wellKnown: ['no-such'] } } }),
        'spec.advertisements[0].attributes.communities.wellKnown[0]',
      ],
      [peerConfig({ families: [{ afi: 'ipv5', safi: 'unicast' }] }), 'spec.families[0].afi'],
      [peerConfig({ families: [{ afi: 'ipv4', safi: 'anycast' }] }), 'spec.families[0].safi'],
    ];
    for (const [obj, field] of cases) {
      const r = await refusal(() => dryRunApply(obj));
      expect(r.causes, field).toContainEqual(expect.objectContaining({ field, reason: 'FieldValueNotSupported' }));
    }
  });

  it('communities outside their ranges', async () => {
    const entry = (communities: Record<string, string[]>) => advertisement({ advertisementType: 'PodCIDR', attributes: { communities } });
    for (const [communities, field] of [
      [{ standard: ['65536:1'] }, 'standard[0]'],
      [{ standard: ['4294967296'] }, 'standard[0]'],
      [{ large: ['1:2'] }, 'large[0]'],
      [{ large: ['4294967296:0:0'] }, 'large[0]'],
    ] as const) {
      const r = await refusal(() => dryRunApply(entry(communities as unknown as Record<string, string[]>)));
      expect(r.causes).toContainEqual(expect.objectContaining({ field: `spec.advertisements[0].attributes.communities.${field}` }));
    }
    await expect(dryRunApply(entry({ standard: ['65000:99', '4294967295', '0:0'], large: ['4294967295:0:65535'] }))).resolves.toBeDefined();
  });

  it('required fields, bounds and list-map keys', async () => {
    const noInstances: Obj = { ...cluster({}), spec: { bgpInstances: [] } };
    expect((await refusal(() => dryRunApply(noInstances))).causes).toContainEqual(
      expect.objectContaining({ field: 'spec.bgpInstances' }),
    );
    const noSpec = { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: 'validation' } };
    expect((await refusal(() => dryRunApply(noSpec))).causes).toContainEqual(expect.objectContaining({ field: 'spec' }));
    const twice = cluster({}, { peers: [{ name: 'p', peerAddress: '10.0.0.1' }, { name: 'p', peerAddress: '10.0.0.2' }] });
    expect((await refusal(() => dryRunCreate(twice))).causes).toContainEqual(
      expect.objectContaining({ field: 'spec.bgpInstances[0].peers[1]', reason: 'FieldValueDuplicate' }),
    );
    expect((await refusal(() => dryRunApply(twice))).message).toContain(
      '.spec.bgpInstances[name="i"].peers: duplicate entries for key [name="p"]',
    );
    const hold = peerConfig({ timers: { holdTimeSeconds: 2, keepAliveTimeSeconds: 1 } });
    expect((await refusal(() => dryRunApply(hold))).causes).toContainEqual(
      expect.objectContaining({ field: 'spec.timers.holdTimeSeconds' }),
    );
    const noEnabled = peerConfig({ gracefulRestart: { restartTimeSeconds: 30 } });
    expect((await refusal(() => dryRunApply(noEnabled))).causes).toContainEqual(
      expect.objectContaining({ field: 'spec.gracefulRestart.enabled' }),
    );
  });

  it('v2alpha1 is validated by the same schema', async () => {
    const r = await refusal(() => dryRunApply(advertisement({ advertisementType: 'Service' }, 'v2alpha1')));
    expect(r.causes).toContainEqual(expect.objectContaining({ field: 'spec.advertisements[0].service' }));
  });
});
