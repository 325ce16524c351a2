// (f) The HTTP entry point for Knative: the seed's envelopes POSTed as CloudEvents (as a
// KafkaSource sends them, binary and structured) give the same desired state as the Kafka
// runner; bad requests are 400 with a message; an unreachable Redis is 503 so the source retries.

import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ObjectEvent } from '../../events/envelope.ts';
import { createFunctionsHandler } from '../../functions/runner/handler.ts';
import { startHttpEntry, type HttpEntry } from '../../functions/runner/http-entry.ts';
import { createStoreRedis } from '../../functions/store/redis.ts';
import { captureLog, effectiveDoc, freshKeys, redisPool, seedEvents } from './functions-support.ts';

const pool = redisPool(inject('redisUrl'));
const entries: HttpEntry[] = [];
afterAll(async () => {
  await Promise.all(entries.map((e) => e.close()));
  await pool.closeAll();
});

function binary(e: ObjectEvent, partition: number, offset: number): RequestInit {
  return {
    method: 'POST',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': `partition:${partition}/offset:${offset}`,
      'ce-source': '/apis/v1/namespaces/bgp/kafkasources/events#bgpcast.events',
      'ce-type': 'dev.knative.kafka.event',
      'ce-subject': `partition:${partition}#${offset}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(e),
  };
}

function structured(e: ObjectEvent, partition: number, offset: number): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({ specversion: '1.0', id: `${partition}-${offset}`, source: 'test', type: 't', partition, offset: String(offset), data: e }),
  };
}

describe('(f) the HTTP / CloudEvents entry point', () => {
  it('the seed POSTed as CloudEvents gives the same desired state as the Kafka runner', async () => {
    const keys = freshKeys();
    const redis = pool.client();
    const { log, lines } = captureLog();
    const entry = await startHttpEntry({ handler: createFunctionsHandler({ redis: pool.client(), keys, log }), log, port: 0 });
    entries.push(entry);
    expect(entry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${entry.url}/healthz`)).status).toBe(200);

    // Concurrently, half binary and half structured, as a source with several partitions would.
    const events = await seedEvents();
    const responses = await Promise.all(
      events.map((e, i) => fetch(entry.url, (i % 2 ? binary : structured)(e, i % 3, Math.floor(i / 3)))),
    );
    expect(responses.map((r) => r.status)).toEqual(events.map(() => 200));

    // The same documents as the pure computation that the Kafka tests check.
    const w1 = JSON.parse(await effectiveDoc(redis, keys, 'worker1'));
    expect(w1.instances[0].peers[0]).toMatchObject({ peerAddress: '5.5.5.5', peerASN: 65000 });
    expect(w1.instances[0].peers[0].families[0].routes.map((r: { prefix: string }) => r.prefix)).toEqual([
      '10.100.67.164/32',
      '10.103.112.96/32',
      '172.20.0.10/32',
      '172.20.0.20/32',
      '192.168.1.0/24',
    ]);
    expect(await effectiveDoc(redis, keys, 'worker2')).toContain('192.168.2.0/24');
    expect(JSON.parse(await effectiveDoc(redis, keys, 'control-plane'))).toEqual({ node: 'control-plane', instances: [] });

    // Delivered again (a source retrying): 200, nothing written.
    const revision = await redis.hget(keys.desired('worker1'), 'revision');
    expect((await fetch(entry.url, binary(events[1]!, 1, 0))).status).toBe(200);
    expect(await redis.hget(keys.desired('worker1'), 'revision')).toBe(revision);
    expect(lines().filter((l) => l['msg'] === 'batch processed').length).toBeGreaterThan(0);
  });

  it('bad requests are 4xx with a message, and logged', async () => {
    const { log, lines } = captureLog();
    const entry = await startHttpEntry({ handler: createFunctionsHandler({ redis: pool.client(), keys: freshKeys(), log }), log, port: 0 });
    entries.push(entry);
    const [seed] = await seedEvents();
    const notEnvelope = { ...binary(seed!, 4, 2), body: '{"hello":"world"}' };
    const r1 = await fetch(entry.url, notEnvelope);
    expect(r1.status).toBe(400);
    expect(await r1.text()).toMatch(/partition 4 offset 2: invalid event envelope/);
    const r2 = await fetch(entry.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(seed) });
    expect(r2.status).toBe(400);
    expect(await r2.text()).toMatch(/not a CloudEvent/);
    const noPosition = binary(seed!, 0, 0);
    delete (noPosition.headers as Record<string, string>)['ce-subject'];
    (noPosition.headers as Record<string, string>)['ce-id'] = 'x';
    expect((await fetch(entry.url, noPosition)).status).toBe(400);
    expect((await fetch(entry.url, { method: 'GET' })).status).toBe(405);
    expect(lines().filter((l) => l['msg'] === 'rejected an HTTP event').map((l) => l['status'])).toEqual([400, 400, 400]);
  });

  it('Redis unreachable: 503 with Retry-After, so the source delivers again', async () => {
    const { log } = captureLog();
    const redis = createStoreRedis({ url: 'redis://127.0.0.1:1', role: 'service' });
    const entry = await startHttpEntry({ handler: createFunctionsHandler({ redis, keys: freshKeys(), log }), log, port: 0 });
    entries.push(entry);
    const [seed] = await seedEvents();
    const r = await fetch(entry.url, binary(seed!, 0, 0));
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    redis.disconnect();
  });
});
