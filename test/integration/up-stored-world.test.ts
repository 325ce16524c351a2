// What a plain `bgpcast up` reads of the stored world in Redis before it starts: how many objects an
// earlier `up --kube` watcher published last, which it names (nothing updates them without --kube).

import { afterAll, describe, expect, inject, it } from 'vitest';
import { objectEnvelope, type KubeObject } from '../../events/envelope.ts';
import { storedObjectsFrom } from '../../bin/commands/up-nodes.ts';
import { UP_KUBE_SOURCE } from '../../bin/commands/up-kube.ts';
import { foldEvent, foldIntoWorld } from '../../functions/store/fold.ts';
import { node, service } from '../unit/functions/builders.ts';
import { freshKeys, nameStore, redisPool } from './functions-support.ts';

const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());

describe('the stored world a plain up finds', () => {
  it('counts the objects whose latest version came from the up --kube watcher, not those applied from files or deleted', async () => {
    const redis = pool.client();
    const keys = freshKeys();
    const events = [
      objectEnvelope('added', service('kubernetes', { clusterIPs: ['10.96.0.1'] }) as KubeObject, UP_KUBE_SOURCE),
      objectEnvelope('added', node('worker1') as KubeObject, UP_KUBE_SOURCE),
      objectEnvelope('added', node('worker2') as KubeObject, UP_KUBE_SOURCE),
      objectEnvelope('modified', node('worker2') as KubeObject, 'file:infra/examples/loopback/cluster.yaml'),
      objectEnvelope('added', node('gone') as KubeObject, UP_KUBE_SOURCE),
      objectEnvelope('deleted', node('gone') as KubeObject, UP_KUBE_SOURCE),
    ].map((envelope, offset) => foldEvent({ topic: 't', partition: 0, offset: String(offset), key: null, envelope })!);
    const { refused } = await foldIntoWorld(redis, keys, await nameStore(redis, keys), events, [], null);
    expect(refused).toBeNull();
    expect(await storedObjectsFrom(redis, keys.prefix, UP_KUBE_SOURCE)).toBe(2);
    expect(await storedObjectsFrom(redis, freshKeys().prefix, UP_KUBE_SOURCE)).toBe(0);
  });
});
