// The ordering arguments of functions/runner/handler.ts, each forced as an exact interleaving of
// two instances (two handlers with their own mirrors on one Redis keyspace), against a real Redis.
// Each scenario ends with the stored documents compared to the pure computation of the final
// world; each would end wrong if the step it exercises were missing.

import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Redis } from 'ioredis';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { worldFromObjects } from '../../functions/model/world.ts';
import { createFunctionsHandler, type HandlerHooks } from '../../functions/runner/handler.ts';
import { nodeDocument } from '../../functions/runner/document.ts';
import { isRedisUnavailable } from '../../events/redis-client.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import { advertisement, advertisingPeerConfig, node, service, serviceEntry, simpleCluster } from '../unit/functions/builders.ts';
import { captureLog, effectiveDoc, freshKeys, redisPool, sequencer, waitFor } from './functions-support.ts';

const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Pauses the first time the hook runs: `reached` resolves then, `release()` lets it go on. */
function pauseOnce(): { hook: () => Promise<void>; reached: Promise<void>; release: () => void } {
  const reached = deferred();
  const gate = deferred();
  let first = true;
  return {
    hook: async () => {
      if (!first) return;
      first = false;
      reached.resolve();
      await gate.promise;
    },
    reached: reached.promise,
    release: gate.resolve,
  };
}

function instance(keys: StoreKeys, hooks: HandlerHooks = {}) {
  return createFunctionsHandler({ redis: pool.client(), keys, log: captureLog().log, hooks });
}

/** The stored documents must equal the pure computation over the final objects. */
async function expectMatchesPure(redis: Redis, keys: StoreKeys, objects: unknown[], nodes: string[]): Promise<void> {
  const world = worldFromObjects(objects);
  for (const n of nodes) expect(await effectiveDoc(redis, keys, n), n).toBe(nodeDocument(computeDesiredNode(world, n)).text);
}

const bgp = { matchLabels: { bgp: 'true' } };
const peer = advertisingPeerConfig('peer-config', 'bgp', ['ipv4']);
const w1 = node('w1', { bgp: 'true' }, { ips: ['172.16.1.1'], podCIDRs: ['10.1.0.0/24'] });
const w2 = node('w2', {}, { ips: ['172.16.2.1'], podCIDRs: ['10.2.0.0/24'] });
const ads = advertisement('ads', [{ advertisementType: 'PodCIDR' }, serviceEntry(['ClusterIP'])]);
const svc = service('s', { clusterIPs: ['10.96.0.1'] });

describe('two instances, forced interleavings', () => {
  it('a confirmation invalidates a writer that read the world before it (seq counts confirmations)', async () => {
    const keys = freshKeys();
    const at = sequencer();
    const base = [w1, simpleCluster('c', { nodeSelector: bgp }), peer, ads];
    await instance(keys).process(base.map((o) => at(o)));
    const redis = pool.client();
    const rev0 = (await redis.hget(keys.desired('w1'), 'revision'))!;

    // X: the Service alone would add a route. It computes from a world without H's change and waits.
    const xWrite = pauseOnce();
    const x = instance(keys, { beforeWrite: xWrite.hook });
    const xDone = x.process([at(svc)]);
    await xWrite.reached;
    // H: the advertisement stops advertising Services: together with X's Service, w1's document
    // is what it already is, so H only confirms it.
    const adsWithoutServices = advertisement('ads', [{ advertisementType: 'PodCIDR' }]);
    const h = await instance(keys).process([at(adsWithoutServices)]);
    expect(h).toMatchObject({ written: 0 });
    xWrite.release();
    const xReport = await xDone;
    // X's stale document (with the Service route) was refused, and nothing needed writing.
    expect(xReport.conflicts).toBeGreaterThan(0);
    expect(xReport.written).toBe(0);
    expect(await redis.hget(keys.desired('w1'), 'revision')).toBe(rev0);
    await expectMatchesPure(redis, keys, [w1, simpleCluster('c', { nodeSelector: bgp }), peer, adsWithoutServices, svc], ['w1']);
  });

  it("the window after the fold catches another instance's concurrent fold (a ClusterConfig now selecting more nodes)", async () => {
    const keys = freshKeys();
    const at = sequencer();
    await instance(keys).process([w1, w2, simpleCluster('c', { nodeSelector: bgp }), peer, ads].map((o) => at(o)));
    const redis = pool.client();

    // X syncs its mirror (w2 is not a BGP node) and is held before folding its Service.
    const xFold = pauseOnce();
    const xAfterFold = pauseOnce();
    const x = instance(keys, { beforeFold: xFold.hook, afterFold: xAfterFold.hook });
    const xDone = x.process([at(svc)]);
    await xFold.reached;
    // H folds the widened ClusterConfig and computes w2 from a world without the Service.
    const hWrite = pauseOnce();
    const hDone = instance(keys, { beforeWrite: hWrite.hook }).process([at(simpleCluster('c'))]);
    await hWrite.reached;
    // X folds; then H writes w2 without the Service and settles its own pending entry.
    xFold.release();
    await xAfterFold.reached;
    hWrite.release();
    expect(await hDone).toMatchObject({ conflicts: 0 });
    expect(await redis.hlen(keys.pending)).toBe(1); // X's entry: w1 and the conditions only
    // X's recomputation must include w2, known only from the window read after its fold.
    xAfterFold.release();
    await xDone;
    await expectMatchesPure(redis, keys, [w1, w2, simpleCluster('c'), peer, ads, svc], ['w1', 'w2']);
    expect(await redis.hlen(keys.pending)).toBe(0);
  });

  it('a crash between fold and recomputation: the pending entry is settled by a sweep, or by the redelivery elsewhere', async () => {
    for (const recovery of ['sweep', 'redelivery'] as const) {
      const keys = freshKeys();
      const at = sequencer();
      await instance(keys).process([w1, simpleCluster('c', { nodeSelector: bgp }), peer, ads].map((o) => at(o)));
      const redis = pool.client();
      const batch = [at(svc)];
      const crashing = instance(keys, {
        afterFold: () => {
          throw new Error('killed');
        },
      });
      await expect(crashing.process(batch)).rejects.toThrow('killed');
      expect(await redis.hlen(keys.pending)).toBe(1);
      const other = instance(keys);
      const report = recovery === 'sweep' ? await other.sweep() : await other.process(batch);
      expect(report).toMatchObject({ applied: 0, written: 1 });
      await expectMatchesPure(redis, keys, [w1, simpleCluster('c', { nodeSelector: bgp }), peer, ads, svc], ['w1']);
      expect(await redis.hlen(keys.pending)).toBe(0);
      // And the redelivery after a completed recovery changes nothing.
      expect(await other.process(batch)).toMatchObject({ applied: 0, written: 0 });
    }
  });

  it('a spent recompute budget leaves the rest to a continuation sweep that settles it', async () => {
    const keys = freshKeys();
    const at = sequencer();
    // More nodes than one write chunk (32): the first chunk is written, the rest deferred.
    const many = Array.from({ length: 40 }, (_, i) => node(`n${i}`, {}, { ips: [`172.16.9.${i + 1}`], podCIDRs: [`10.9.${i}.0/24`] }));
    const objects = [...many, simpleCluster('c'), peer, ads, svc];
    const hurried = createFunctionsHandler({ redis: pool.client(), keys, log: captureLog().log, recomputeBudgetMs: 0 });
    const report = await hurried.process(objects.map((o) => at(o)));
    expect(report.deferred).toBeGreaterThan(0);
    const redis = pool.client();
    await waitFor('the continuation sweep', async () => (await redis.hlen(keys.pending)) === 0);
    await hurried.idle();
    await expectMatchesPure(redis, keys, objects, many.map((_, i) => `n${i}`));
  });

  it('Redis unreachable: the batch fails with an error that says so, nothing crashes', async () => {
    const down = createFunctionsHandler({
      redis: (await import('../../functions/store/redis.ts')).createStoreRedis({ url: 'redis://127.0.0.1:1', role: 'service' }),
      keys: freshKeys(),
      log: captureLog().log,
    });
    const error = await down.process([sequencer()(w1)]).catch((e: unknown) => e);
    expect(isRedisUnavailable(error)).toBe(true);
  });
});
