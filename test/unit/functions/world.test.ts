import { describe, expect, it } from 'vitest';
import { applyObject, deleteObject, emptyWorld, worldFromObjects } from '../../../functions/model/world.ts';
import { DEFAULT_SETTINGS } from '../../../functions/settings.ts';
import { clusterConfig, node, secret, service, simpleCluster } from './builders.ts';

describe('world view', () => {
  it('has the default settings (functions/settings.ts)', () => {
    expect(emptyWorld().settings).toEqual(DEFAULT_SETTINGS);
    expect(emptyWorld({ ipamMode: 'multi-pool' }).settings.ipamMode).toBe('multi-pool');
  });

  it('keys cluster-scoped records by name and namespaced ones by namespace/name', () => {
    const world = worldFromObjects([node('w1'), service('web', {}, { namespace: 'shop' }), secret('auth')]);
    expect([...world.nodes.keys()]).toEqual(['w1']);
    expect([...world.services.keys()]).toEqual(['shop/web']);
    expect([...world.secrets.keys()]).toEqual(['kube-system/auth']);
  });

  it('a later version replaces the earlier one, whatever its API version', () => {
    const v1 = simpleCluster('c', { localASN: 64000 });
    const v2 = { ...simpleCluster('c', { localASN: 64001 }), apiVersion: 'cilium.io/v2alpha1' };
    const world = worldFromObjects([v1, v2]);
    expect(world.clusterConfigs.get('c')?.instances[0]?.localASN).toBe(64001);
  });

  it('an invalid update is rejected like the API server would: the last valid version stays', () => {
    const valid = simpleCluster('c', { localASN: 64000 });
    const broken = clusterConfig('c', { bgpInstances: [{ name: 'i', localASN: -5 }] });
    const world = worldFromObjects([valid, broken]);
    expect(world.clusterConfigs.get('c')?.instances[0]?.localASN).toBe(64000);
    expect(world.invalid.get('CiliumBGPClusterConfig.cilium.io/c')?.issues).toEqual([
      { path: 'spec.bgpInstances[0].localASN', message: 'must be between 1 and 4294967295' },
    ]);
  });

  it('an invalid first version leaves the object absent; a valid one then clears the error', () => {
    const broken = clusterConfig('c', { bgpInstances: [] });
    const afterBroken = worldFromObjects([broken]);
    expect(afterBroken.clusterConfigs.size).toBe(0);
    expect(afterBroken.invalid.size).toBe(1);
    const fixed = applyObject(afterBroken, simpleCluster('c')).world;
    expect(fixed.clusterConfigs.size).toBe(1);
    expect(fixed.invalid.size).toBe(0);
  });

  it('delete removes the record and any invalid version of it', () => {
    let world = worldFromObjects([simpleCluster('c'), clusterConfig('c', { bgpInstances: [] }), service('web', {})]);
    world = deleteObject(world, { kind: 'CiliumBGPClusterConfig', name: 'c' });
    world = deleteObject(world, { kind: 'Service', name: 'web' }); // namespace defaults to "default"
    expect(world.clusterConfigs.size).toBe(0);
    expect(world.invalid.size).toBe(0);
    expect(world.services.size).toBe(0);
  });

  it('updates copy only the changed kind, so `before` stays intact', () => {
    const before = worldFromObjects([node('w1'), simpleCluster('c')]);
    const { world: after } = applyObject(before, node('w2'));
    expect(before.nodes.size).toBe(1);
    expect(after.nodes.size).toBe(2);
    expect(after.clusterConfigs).toBe(before.clusterConfigs);
  });

  it('an unsupported or nameless object changes nothing and is reported', () => {
    const before = emptyWorld();
    const unsupported = applyObject(before, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(unsupported.world).toBe(before);
    expect(unsupported.result.status).toBe('unsupported');
    const nameless = applyObject(before, { apiVersion: 'v1', kind: 'Node', metadata: {} });
    expect(nameless.world).toBe(before);
    expect(nameless.result.status).toBe('invalid');
  });
});
