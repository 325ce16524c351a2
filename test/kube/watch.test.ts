// `bgpcast watch` against a real kube-apiserver, a real Kafka topic and a real Redis: what each
// kind's changes put on the topic, what noise does not, what a restart publishes and what the
// functions' fold makes of a delete the watcher missed, a relist after 410, a CRD installed late.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { ConsumedEvent } from '../../events/bus.ts';
import { compactEtcd } from '../../infra/local/kube.ts';
import { installCrds, CRDS_WITHOUT_CILIUM_DIR } from '../../infra/local/kube-crds.ts';
import { freshKeys, freshTopic, redisPool, testKafka } from '../integration/functions-support.ts';
import { adminConfig } from '../support/kube.ts';
import {
  adminApi, awaitRecord, create, foldAll, mergePatch, namespace, newRecords, objectRecords, paths, records, remove, startWatcher, synced, unique, until,
} from './watch-support.ts';

const kafka = testKafka(inject('kafkaBrokers'));
const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());
const api = adminApi();

const node = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
});

async function fresh() {
  const topic = await freshTopic(kafka);
  return { kafka, topic, redis: pool.client(), prefix: `w-${randomUUID().slice(0, 8)}`, source: `kube:${randomUUID().slice(0, 6)}` };
}

describe('bgpcast watch against a real API server', () => {
  it('publishes each kind created, changed and deleted, with resourceVersion, uid, source and time; Secrets of the BGP namespace only, as references', async () => {
    const ctx = await fresh();
    const w = await startWatcher(ctx);
    try {
      await synced(w);
      const ns = await namespace(api, unique('ns'));
      const n = unique('node');
      const objects: [string, string, Record<string, unknown>, unknown][] = [
        [`Node/${n}`, paths.nodes, node(n), { metadata: { labels: { bgp: 'true' } } }],
        [`Service/${ns}/web`, paths.services(ns), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } }, { spec: { externalIPs: ['192.0.2.7'] } }],
        [
          `EndpointSlice.discovery.k8s.io/${ns}/web-1`,
          paths.slices(ns),
          { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], nodeName: n, conditions: { ready: true } }] },
          { endpoints: [{ addresses: ['10.0.0.1'], nodeName: n, conditions: { ready: false } }] },
        ],
        [`Secret/kube-system/${n}`, paths.secrets('kube-system'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: n }, stringData: { password: 'hunter2' } }, { stringData: { other: 'x' } }],
        [`CiliumNode.cilium.io/${n}`, paths.cilium('ciliumnodes'), { apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: n }, spec: { ipam: { podCIDRs: ['10.1.0.0/24'] } } }, { spec: { ipam: { podCIDRs: ['10.2.0.0/24'] } } }],
        [`CiliumPodIPPool.cilium.io/${n}`, paths.cilium('ciliumpodippools', 'v2alpha1'), { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumPodIPPool', metadata: { name: n }, spec: { ipv4: { cidrs: ['10.9.0.0/16'], maskSize: 24 } } }, { metadata: { labels: { pool: 'x' } } }],
        [`CiliumBGPClusterConfig.cilium.io/${n}`, paths.cilium('ciliumbgpclusterconfigs'), { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: n }, spec: { bgpInstances: [{ name: 'i', localASN: 65001 }] } }, { spec: { bgpInstances: [{ name: 'i', localASN: 65002 }] } }],
        [`CiliumBGPPeerConfig.cilium.io/${n}`, paths.cilium('ciliumbgppeerconfigs'), { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: n }, spec: {} }, { spec: { ebgpMultihop: 2 } }],
        [`CiliumBGPAdvertisement.cilium.io/${n}`, paths.cilium('ciliumbgpadvertisements'), { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPAdvertisement', metadata: { name: n }, spec: { advertisements: [{ advertisementType: 'PodCIDR' }] } }, { metadata: { labels: { advertise: 'bgp' } } }],
        [`CiliumBGPNodeConfigOverride.cilium.io/${n}`, paths.cilium('ciliumbgpnodeconfigoverrides'), { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPNodeConfigOverride', metadata: { name: n }, spec: { bgpInstances: [{ name: 'i', localPort: 1790 }] } }, { spec: { bgpInstances: [{ name: 'i', localPort: 1791 }] } }],
      ];
      const elsewhere = await create(api, paths.secrets(ns), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-bgp' }, stringData: { password: 'x' } });
      const uids = new Map<string, string>();
      for (const [key, collection, body] of objects) uids.set(key, (await create(api, collection, body)).metadata['uid'] as string);
      for (const [, collection, body, patch] of objects) await mergePatch(api, `${collection}/${(body['metadata'] as { name: string }).name}`, patch);
      for (const [, collection, body] of objects) await remove(api, `${collection}/${(body['metadata'] as { name: string }).name}`);

      const all = await until('every delete on the topic', async () => {
        const got = await records(kafka, ctx.topic);
        return objects.every(([key]) => objectRecords(got, key).at(-1)?.type === 'deleted') ? got : undefined;
      });
      for (const [key] of objects) {
        const seen = objectRecords(all, key);
        expect(seen.map((e) => e.type), key).toEqual(['added', 'modified', 'deleted']);
        for (const e of seen) {
          expect(e).toMatchObject({ schema: 'bgpcast.event/v2', source: ctx.source, uid: uids.get(key) });
          expect(Number(e.resourceVersion)).toBeGreaterThan(0);
          expect(Date.parse(e.observedAt)).toBeGreaterThan(Date.now() - 120_000);
        }
        expect(Number(seen[1]!.resourceVersion)).toBeGreaterThan(Number(seen[0]!.resourceVersion));
      }
      const secret = objectRecords(all, `Secret/kube-system/${n}`);
      expect(secret[0]!.object).toMatchObject({ dataKeys: ['password'] });
      expect(JSON.stringify(secret)).not.toMatch(/hunter2|aHVudGVyMg/);
      expect(objectRecords(all, `Secret/${ns}/not-bgp`)).toEqual([]);
      expect(elsewhere.metadata['uid']).toBeTruthy();
      // The listing's markers: every kind, on every partition.
      const markers = all.filter((r) => r.envelope.type === 'synced');
      expect(new Set(markers.map((r) => r.envelope.kind)).size).toBe(11);
      expect(new Set(markers.map((r) => r.partition)).size).toBe(6);
    } finally {
      await w.stop();
    }
  });

  it('filters noise: 1,000 updates that change nothing the functions read put no record on the topic', async () => {
    const ctx = await fresh();
    const ns = await namespace(api, unique('noise'));
    const n = unique('node');
    await create(api, paths.nodes, { ...node(n), status: { addresses: [{ type: 'InternalIP', address: '172.16.9.1' }] } });
    await create(api, paths.services(ns), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
    await create(api, paths.slices(ns), { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], nodeName: n, conditions: { ready: true } }] });
    const filtered = new Map<string, number>();
    const metrics = { published: () => undefined, filtered: (kind: string, n: number) => void filtered.set(kind, (filtered.get(kind) ?? 0) + n) };
    const w = await startWatcher({ ...ctx, extra: { metrics } });
    try {
      await synced(w);
      const before = await records(kafka, ctx.topic);
      const filteredBefore = [...filtered.values()].reduce((a, b) => a + b, 0);
      // Heartbeats and conditions (status subresource), annotations and their managedFields entries,
      // endpoint addresses that move while every endpoint keeps its node and readiness.
      const updates: (() => Promise<unknown>)[] = [];
      for (let i = 0; i < 1_000; i++) {
        const t = new Date(Date.now() + i * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        switch (i % 4) {
          case 0:
            updates.push(() => mergePatch(api, `${paths.nodes}/${n}/status`, { status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: t, lastTransitionTime: t, reason: 'KubeletReady', message: `beat ${i}` }] } }));
            break;
          case 1:
            updates.push(() => mergePatch(api, `${paths.nodes}/${n}`, { metadata: { annotations: { 'example.com/seen': String(i) } } }));
            break;
          case 2:
            updates.push(() => mergePatch(api, `${paths.services(ns)}/web`, { metadata: { annotations: { 'example.com/rev': String(i) } } }));
            break;
          default:
            updates.push(() => mergePatch(api, `${paths.slices(ns)}/web-1`, { endpoints: [{ addresses: [`10.0.${(i >> 8) & 255}.${i & 255}`], nodeName: n, conditions: { ready: true } }] }));
        }
      }
      const t0 = performance.now();
      for (let i = 0; i < updates.length; i += 8) await Promise.all(updates.slice(i, i + 8).map((u) => u()));
      const ms = performance.now() - t0;
      // A relevant change after them all is the fence: once it is on the topic, so is anything before.
      await mergePatch(api, `${paths.nodes}/${n}`, { metadata: { labels: { bgp: 'true' } } });
      const all = await awaitRecord(kafka, ctx.topic, 'the fence', (e) => e.type === 'modified' && e.name === n);
      const during = newRecords(before, all);
      process.stderr.write(`[noise] 1,000 irrelevant updates in ${Math.round(ms)} ms → ${during.length - 1} records (plus the fence)\n`);
      expect(during.map((r) => `${r.envelope.type} ${r.envelope.kind}`)).toEqual(['modified Node']);
      // Each of the 1,000 reached the watcher as a watch event and was counted as filtered.
      expect([...filtered.values()].reduce((a, b) => a + b, 0) - filteredBefore).toBe(1_000);
    } finally {
      await w.stop();
    }
  });

  it('a restart publishes only what changed while it was away; a delete it missed is swept by the markers in the fold', async () => {
    const ctx = await fresh();
    const [kept, changed, deleted] = [unique('kept'), unique('changed'), unique('deleted')];
    for (const n of [kept, changed, deleted]) await create(api, paths.nodes, node(n));
    let w = await startWatcher(ctx);
    await synced(w);
    await w.stop();
    const first = await records(kafka, ctx.topic);
    for (const n of [kept, changed, deleted]) expect(objectRecords(first, `Node/${n}`).map((e) => e.type)).toEqual(['added']);

    await mergePatch(api, `${paths.nodes}/${changed}`, { metadata: { labels: { rack: 'r2' } } });
    await remove(api, `${paths.nodes}/${deleted}`);
    w = await startWatcher(ctx);
    try {
      await synced(w);
      const all = await records(kafka, ctx.topic);
      const since = newRecords(first, all).filter((r) => r.envelope.type !== 'synced');
      expect(since.map((r) => `${r.envelope.type} ${(r.envelope as { name: string }).name}`)).toEqual([`modified ${changed}`]);
      expect(w.lines().some((l) => l['msg'] === 'checkpoint loaded')).toBe(true);

      // The functions' fold of the whole topic: the missed delete is gone, nothing else is.
      const keys = freshKeys();
      const { swept } = await foldAll(ctx.redis, keys, all);
      const world = await ctx.redis.hkeys(keys.objects);
      expect(world).toContain(`Node/${kept}`);
      expect(world).toContain(`Node/${changed}`);
      expect(world).not.toContain(`Node/${deleted}`);
      expect(swept).toBeGreaterThanOrEqual(1);
    } finally {
      await w.stop();
    }
  });

  it('after 410 Gone (etcd compacted past its resourceVersion) it lists again and goes on, republishing nothing unchanged', async () => {
    const ctx = await fresh();
    const n = unique('gone');
    await create(api, paths.nodes, node(n));
    const w = await startWatcher({ ...ctx, extra: { watchTimeoutSeconds: 2 } });
    try {
      await synced(w);
      const before = await records(kafka, ctx.topic);
      // Move etcd's revision on (other objects), then compact: the Node watch resumes at an older one.
      const ns = await namespace(api, unique('churn'));
      for (let i = 0; i < 5; i++) await create(api, `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } });
      await compactEtcd(inject('etcdUrl'));
      await until('a relist after 410', () => w.lines().some((l) => String(l['msg']).includes('410 Gone') && l['kind'] === 'Node'));
      await mergePatch(api, `${paths.nodes}/${n}`, { metadata: { labels: { after: 'relist' } } });
      // The change (through the relist's listing or the watch after it), and two complete Node
      // listings, each on all 6 partitions: the first one and the relist.
      const completeListings = (all: readonly ConsumedEvent[]) => {
        const listings = new Map<string, Set<number>>();
        for (const r of all) if (r.envelope.type === 'synced' && r.envelope.kind === 'Node') listings.set(r.envelope.syncId, (listings.get(r.envelope.syncId) ?? new Set()).add(r.partition));
        return [...listings.values()].filter((partitions) => partitions.size === 6).length;
      };
      const all = await until('the change and the relist on the topic', async () => {
        const got = await records(kafka, ctx.topic);
        return objectRecords(got, `Node/${n}`).some((e) => e.type === 'modified') && completeListings(got) >= 2 ? got : undefined;
      });
      const since = newRecords(before, all);
      expect(since.filter((r) => r.envelope.type !== 'synced').map((r) => (r.envelope as { name: string }).name)).toEqual([n]);
    } finally {
      await w.stop();
    }
  });

  it('picks up a kind whose CRD is installed after it started, without a restart', async () => {
    const kc = adminConfig();
    const crd = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ciliumpodippools.cilium.io';
    await remove(api, crd);
    await until('the CRD gone', async () => api.get(crd).then(() => false, () => true));
    const ctx = await fresh();
    const w = await startWatcher(ctx);
    try {
      await synced(w);
      expect(w.watcher.status().kinds.find((k) => k.kind === 'CiliumPodIPPool')).toMatchObject({ served: false });
      await installCrds(kc, [CRDS_WITHOUT_CILIUM_DIR]);
      const name = unique('pool');
      await until('the pool created', async () =>
        create(api, paths.cilium('ciliumpodippools', 'v2alpha1'), { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumPodIPPool', metadata: { name }, spec: { ipv4: { cidrs: ['10.8.0.0/16'], maskSize: 24 } } }).then(() => true, () => false),
      );
      await awaitRecord(kafka, ctx.topic, 'the pool', (e) => e.type !== 'synced' && e.kind === 'CiliumPodIPPool' && e.name === name);
      await until('synced again', () => w.watcher.status().synced);
      expect(w.watcher.status().kinds.find((k) => k.kind === 'CiliumPodIPPool')).toMatchObject({ served: true, synced: true });
    } finally {
      await w.stop();
    }
  });
});
