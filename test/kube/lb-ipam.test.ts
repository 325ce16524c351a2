// LB IPAM against a real kube-apiserver and a real Redis: pools and Services are created through
// the API server, the world is folded by the functions' own handler from the objects as the API
// server returns them (what the watcher would deliver), and the status writer's writes are read
// back from the API server.
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { LB_IPAM_MANAGER } from '../../functions/status-writer/lb-ipam-writes.ts';
import { redisPool } from '../integration/functions-support.ts';
import { adminApi, create, mergePatch, namespace, paths, remove, unique, until } from './watch-support.ts';
import { freshWorld, startWriter } from './status-writer-support.ts';

const pool = redisPool(inject('redisUrl'));
afterAll(() => pool.closeAll());
const api = adminApi();
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; managedFields?: { manager: string; subresource?: string }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] }; conditions?: Condition[] };
}

const ipPool = (name: string, spec: Record<string, unknown>) =>
  create(api, paths.cilium('ciliumloadbalancerippools'), { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name }, spec }) as Promise<unknown> as Promise<Obj>;

const service = (ns: string, name: string, spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}) =>
  create(api, paths.services(ns), { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, annotations }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec } }) as Promise<unknown> as Promise<Obj>;

const read = (path: string) => api.get<Obj>(path);
const servicePath = (ns: string, name: string) => `${paths.services(ns)}/${name}`;
const poolPath = (name: string) => `${paths.cilium('ciliumloadbalancerippools')}/${name}`;
const ingress = (o: Obj) => (o.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
const condition = (o: Obj, type: string) => o.status?.conditions?.find((c) => c.type === type);

describe('LB IPAM through the status writer', () => {
  it('assigns addresses in creation order, reports exhaustion on the Service and the pool, and hands a deleted Service\'s address to the next', async () => {
    const redis = pool.client();
    const world = freshWorld(redis);
    const ns = await namespace(api, unique('lbipam'));
    const poolName = unique('pool');
    const p = await ipPool(poolName, { blocks: [{ start: '198.51.100.10', stop: '198.51.100.11' }] });
    // Created one after the other: by creationTimestamp, then by name, a before b before c.
    const [a, b, c] = [await service(ns, 'a'), await service(ns, 'b'), await service(ns, 'c')];
    await world.fold(p, a, b, c);
    const w = startWriter(api, redis, world.prefix);
    stops.push(w.stop);

    const full = await until('c to be told the pool ran out', async () => {
      const got = await read(servicePath(ns, 'c'));
      return condition(got, 'cilium.io/IPAMRequestSatisfied')?.status === 'False' ? got : undefined;
    });
    expect(ingress(await read(servicePath(ns, 'a')))).toEqual(['198.51.100.10']);
    expect(ingress(await read(servicePath(ns, 'b')))).toEqual(['198.51.100.11']);
    expect(ingress(full)).toEqual([]);
    expect(condition(full, 'cilium.io/IPAMRequestSatisfied')).toMatchObject({
      status: 'False',
      reason: 'out_of_ips',
      message: 'All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs',
    });
    const served = await read(servicePath(ns, 'a'));
    expect(condition(served, 'cilium.io/IPAMRequestSatisfied')).toMatchObject({ status: 'True', reason: 'satisfied', message: '' });
    // Written through the status subresource, under a field manager of its own.
    expect(served.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: LB_IPAM_MANAGER, subresource: 'status' }));

    const poolStatus = await until('the pool\'s counts', async () => {
      const got = await read(poolPath(poolName));
      return condition(got, 'cilium.io/IPsUsed')?.message === '2' ? got : undefined;
    });
    expect(Object.fromEntries((poolStatus.status?.conditions ?? []).map((x) => [x.type, [x.status, x.reason, x.message]]))).toEqual({
      'cilium.io/PoolConflict': ['False', 'resolved', ''],
      'cilium.io/IPsTotal': ['Unknown', 'noreason', '2'],
      'cilium.io/IPsAvailable': ['Unknown', 'noreason', '0'],
      'cilium.io/IPsUsed': ['Unknown', 'noreason', '2'],
    });

    // a goes: its address is c's now, and b keeps its own.
    await remove(api, servicePath(ns, 'a'));
    await world.remove(a);
    const next = await until('c to get a\'s address', async () => {
      const got = await read(servicePath(ns, 'c'));
      return ingress(got).length > 0 ? got : undefined;
    });
    expect(ingress(next)).toEqual(['198.51.100.10']);
    expect(condition(next, 'cilium.io/IPAMRequestSatisfied')).toMatchObject({ status: 'True', reason: 'satisfied' });
    expect(ingress(await read(servicePath(ns, 'b')))).toEqual(['198.51.100.11']);
    expect(w.metrics.total((k) => k.startsWith('Service apply-status'))).toBe(w.metrics.total((k) => k === 'Service apply-status ok'));
    expect(w.metrics.total((k) => k === 'CiliumLoadBalancerIPPool apply-status ok')).toBeGreaterThan(0);
  });

  it('honours a requested address, says why another cannot be had, replaces an address no pool gives, and reports overlapping pools', async () => {
    const redis = pool.client();
    const world = freshWorld(redis);
    const ns = await namespace(api, unique('lbipam'));
    // Created within one second, maybe: then the names decide which is older.
    const older = await ipPool(unique('first'), { blocks: [{ cidr: '203.0.113.0/30' }] });
    const newer = await ipPool(unique('second'), { blocks: [{ cidr: '203.0.113.2/31' }] });
    const wanted = await service(ns, 'wanted', { loadBalancerIP: '203.0.113.3' });
    const outside = await service(ns, 'outside', {}, { 'lbipam.cilium.io/ips': '192.0.2.99' });
    // Another controller wrote an address no pool holds: LB IPAM takes the list over.
    await service(ns, 'foreign');
    const foreign = await mergePatch(api, `${servicePath(ns, 'foreign')}/status`, { status: { loadBalancer: { ingress: [{ ip: '192.0.2.50' }] } } });
    await world.fold(older, newer, wanted, outside, foreign);
    const w = startWriter(api, redis, world.prefix);
    stops.push(w.stop);

    const got = await until('the requested address', async () => {
      const s = await read(servicePath(ns, 'wanted'));
      return ingress(s).length > 0 ? s : undefined;
    });
    expect(ingress(got)).toEqual(['203.0.113.3']);
    const refused = await until('the refusal', async () => {
      const s = await read(servicePath(ns, 'outside'));
      return condition(s, 'cilium.io/IPAMRequestSatisfied') ? s : undefined;
    });
    expect(condition(refused, 'cilium.io/IPAMRequestSatisfied')).toMatchObject({ status: 'False', reason: 'no_pool', message: "No pool exists with a CIDR containing '192.0.2.99'" });
    expect(ingress(refused)).toEqual([]);
    const replaced = await until('the foreign address replaced', async () => {
      const s = await read(servicePath(ns, 'foreign'));
      return ingress(s)[0] !== '192.0.2.50' ? s : undefined;
    });
    expect(ingress(replaced)).toEqual(['203.0.113.0']);
    const conflicted = await until('the newer pool marked', async () => {
      const s = await read(poolPath(newer.metadata.name));
      return condition(s, 'cilium.io/PoolConflict')?.status === 'True' ? s : undefined;
    });
    expect(condition(conflicted, 'cilium.io/PoolConflict')).toMatchObject({
      reason: 'cidr_overlap',
      message: `Pool conflicts since range '203.0.113.2 - 203.0.113.3' overlaps range '203.0.113.0 - 203.0.113.3' from IP Pool '${older.metadata.name}'`,
    });
    expect(condition(await until('the older pool\'s status', async () => {
      const s = await read(poolPath(older.metadata.name));
      return condition(s, 'cilium.io/PoolConflict') ? s : undefined;
    }), 'cilium.io/PoolConflict')).toMatchObject({ status: 'False', reason: 'resolved' });
  });

  it('writes nothing more once the world shows what it wrote, resyncs included', async () => {
    const redis = pool.client();
    const world = freshWorld(redis);
    const ns = await namespace(api, unique('lbipam'));
    const poolName = unique('pool');
    const p = await ipPool(poolName, { blocks: [{ cidr: '198.18.1.0/30' }] });
    const s = await service(ns, 'steady', { ipFamilyPolicy: 'SingleStack' });
    await world.fold(p, s);
    const w = startWriter(api, redis, world.prefix, { resyncMs: 500 });
    stops.push(w.stop);
    await until('the pool\'s counts', async () => condition(await read(poolPath(poolName)), 'cilium.io/IPsUsed')?.message === '1' || undefined);
    // What the watcher would deliver: both objects as the API server holds them now.
    await world.fold(await read(poolPath(poolName)), await read(servicePath(ns, 'steady')));
    const lbWrites = () => w.metrics.total((k) => k.startsWith('Service ') || k.startsWith('CiliumLoadBalancerIPPool '));
    const roundAfter = async (at: string | null) => until('a later round', () => (w.writer.status().lastRoundAt ?? '') > (at ?? '') || undefined);
    await roundAfter(w.writer.status().lastRoundAt);
    const settled = lbWrites();
    for (let i = 0; i < 3; i++) await roundAfter(w.writer.status().lastRoundAt);
    expect(lbWrites()).toBe(settled);
    expect(ingress(await read(servicePath(ns, 'steady')))).toEqual(['198.18.1.0']);
  });

  it('with --enable-lb-ipam=false writes nothing to Services or pools', async () => {
    const redis = pool.client();
    const world = freshWorld(redis);
    const ns = await namespace(api, unique('lbipam'));
    const poolName = unique('pool');
    const p = await ipPool(poolName, { blocks: [{ cidr: '198.18.0.0/30' }] });
    const s = await service(ns, 'quiet');
    await world.fold(p, s);
    const w = startWriter(api, redis, world.prefix, { enableLbIpam: false });
    stops.push(w.stop);
    // A full round has run once the writer is synced: everything was read and written.
    await until('a full round', () => w.writer.status().synced);
    expect((await read(servicePath(ns, 'quiet'))).status).toEqual({ loadBalancer: {} });
    expect((await read(poolPath(poolName))).status).toBeUndefined();
    expect(w.metrics.total((k) => k.startsWith('Service') || k.startsWith('CiliumLoadBalancerIPPool'))).toBe(0);
  });
});
