// The writer's fast path (functions/runner/view-write.ts) against a real Redis: after its first
// write of a node, a handler plans the next writes from the view it wrote, without reading the
// stored routes, and the stored state still equals the pure computation; a write by another
// instance, or an entry past its age, sends the handler back to diffing what is stored. The
// conditions, written against a predicted head, are compared with what is stored by the script.

import { afterAll, describe, expect, inject, it } from 'vitest';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { worldFromObjects } from '../../functions/model/world.ts';
import { computeConditions } from '../../functions/cilium/conditions.ts';
import { conditionsDocument, nodeDocument } from '../../functions/runner/document.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { listDesiredNodes } from '../../functions/store/desired-store.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import { advertisement, advertisingPeerConfig, node, service, serviceEntry, simpleCluster } from '../unit/functions/builders.ts';
import { captureLog, effectiveDoc, freshKeys, redisPool, sequencer } from './functions-support.ts';

const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());

const bgp = { matchLabels: { bgp: 'true' } };
const nodes = ['w1', 'w2', 'w3'].map((n, i) => node(n, { bgp: 'true' }, { ips: [`172.16.${i}.1`], podCIDRs: [`10.${i}.0.0/24`] }));
const base = [
  ...nodes,
  simpleCluster('c', { nodeSelector: bgp }),
  advertisingPeerConfig('peer-config', 'bgp', ['ipv4']),
  advertisement('ads', [{ advertisementType: 'PodCIDR' }, serviceEntry(['LoadBalancerIP'])]),
];
const lb = (name: string, ip: string) => service(name, { type: 'LoadBalancer', clusterIPs: ['10.96.0.9'] }, { lbIPs: [ip] });

const handler = (keys: StoreKeys, opts: { viewMaxAgeMs?: number } = {}) =>
  createFunctionsHandler({ redis: pool.client(), keys, log: captureLog().log, ...opts });

async function expectMatchesPure(keys: StoreKeys, objects: unknown[]): Promise<void> {
  const world = worldFromObjects(objects);
  const redis = pool.client();
  for (const n of ['w1', 'w2', 'w3']) expect(await effectiveDoc(redis, keys, n), n).toBe(nodeDocument(computeDesiredNode(world, n)).text);
}

describe('the writer plans from the view it last wrote', () => {
  it('a Service change after the first write is planned from views for every node, and stored right', async () => {
    const keys = freshKeys();
    const at = sequencer();
    const h = handler(keys);
    const first = await h.process([...base, lb('a', '172.20.0.1')].map((o) => at(o)));
    expect(first).toMatchObject({ written: 4, fastPath: 0 }); // three nodes and the conditions

    const moved = await h.process([at(lb('a', '172.20.0.2'))]);
    expect(moved).toMatchObject({ written: 3, fastPath: 3 });
    await expectMatchesPure(keys, [...base, lb('a', '172.20.0.2')]);

    const added = await h.process([at(lb('b', '172.20.0.3'))]);
    expect(added).toMatchObject({ written: 3, fastPath: 3 });
    await expectMatchesPure(keys, [...base, lb('a', '172.20.0.2'), lb('b', '172.20.0.3')]);
  });

  it('a node whose first write comes from a view (it had no BGP configuration) is listed in desired-nodes', async () => {
    const keys = freshKeys();
    const at = sequencer();
    const h = handler(keys);
    const w4 = (labels: Record<string, string>) => node('w4', labels, { ips: ['172.16.4.1'], podCIDRs: ['10.4.0.0/24'] });
    await h.process([...base, w4({}), lb('a', '172.20.0.1')].map((o) => at(o)));
    const redis = pool.client();
    expect(await listDesiredNodes(redis, keys)).toEqual(['w1', 'w2', 'w3']);
    expect(await h.process([at(w4({ bgp: 'true' }))])).toMatchObject({ written: 1, fastPath: 1 });
    expect(await listDesiredNodes(redis, keys)).toEqual(['w1', 'w2', 'w3', 'w4']);
  });

  it("another instance's write is noticed (seq and writer token) and diffed against the stored routes", async () => {
    const keys = freshKeys();
    const at = sequencer();
    const a = handler(keys);
    const b = handler(keys);
    await a.process([...base, lb('a', '172.20.0.1')].map((o) => at(o)));
    await b.process([at(lb('a', '172.20.0.2'))]);
    const after = await a.process([at(lb('a', '172.20.0.3'))]);
    // a first writes against the heads its own writes left: refused (b moved the seqs of the three
    // nodes and of the conditions), the heads are read, and the writes are planned against the
    // stored routes.
    expect(after).toMatchObject({ written: 3, fastPath: 0, conflicts: 4 });
    await expectMatchesPure(keys, [...base, lb('a', '172.20.0.3')]);
    // And from then on, a's own writes are fast again.
    expect(await a.process([at(lb('a', '172.20.0.4'))])).toMatchObject({ written: 3, fastPath: 3 });
  });

  it('the conditions are not confirmed from the head our last write left: a lost write is written again', async () => {
    const keys = freshKeys();
    const at = sequencer();
    const h = handler(keys);
    await h.process([...base, lb('a', '172.20.0.1')].map((o) => at(o)));
    const redis = pool.client();
    // The stored conditions are not what we wrote, at the seq our write left (a failover to a
    // replica that missed our write, then someone else's write of another document).
    await redis.hset(keys.conditions, 'digest', 'another', 'document', '[]');
    await h.process([at(lb('a', '172.20.0.2'))]);
    const expected = conditionsDocument(computeConditions(worldFromObjects([...base, lb('a', '172.20.0.2')])));
    expect(await redis.hmget(keys.conditions, 'digest', 'document')).toEqual([expected.digest, expected.text]);
  });

  it('a hand edit of the routes hash is repaired once the cached view has aged out', async () => {
    const keys = freshKeys();
    const at = sequencer();
    const h = handler(keys, { viewMaxAgeMs: 0 });
    await h.process([...base, lb('a', '172.20.0.1')].map((o) => at(o)));
    const redis = pool.client();
    await redis.hset(keys.desiredRoutes('w1'), JSON.stringify(['instance-1', 'peer-1', 'ipv4', '192.0.2.1/32']), '{}');
    const next = await h.process([at(lb('a', '172.20.0.2'))]);
    expect(next).toMatchObject({ written: 3, fastPath: 0 });
    await expectMatchesPure(keys, [...base, lb('a', '172.20.0.2')]);
  });
});
