// (c) Three runner instances in one consumer group over a 6-partition topic, under a seeded
// stream of random changes, end in exactly the documents that one clean replay produces (a
// single runner, a fresh keyspace, the same topic from the beginning) — and both equal the pure
// computation over the final objects. Documents are compared as JSON, not revisions.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { ConsumedEvent } from '../../events/bus.ts';
import { envelopeKey, objectEnvelope, type EventEnvelope, type KubeObject } from '../../events/envelope.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { readEvents } from '../../events/kafka/reader.ts';
import { computeConditions } from '../../functions/cilium/conditions.ts';
import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { worldFromObjects } from '../../functions/model/world.ts';
import { conditionsDocument, nodeDocument } from '../../functions/runner/document.ts';
import { createFunctionsHandler, type BatchReport, type FunctionsHandler } from '../../functions/runner/handler.ts';
import { runFunctionsConsumer } from '../../functions/runner/kafka-runner.ts';
import type { StoreKeys } from '../../events/redis-keys.ts';
import { seededRandom } from '../support/random.ts';
import { captureLog, caughtUp, freshKeys, freshTopic, redisPool, snapshot, testKafka, waitFor } from './functions-support.ts';

const brokers = inject('kafkaBrokers');
const pool = redisPool(inject('redisUrl'));
let kafka: Kafka;
beforeAll(() => {
  kafka = testKafka(brokers);
});
afterAll(() => pool.closeAll());

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];
const SERVICES = Array.from({ length: 30 }, (_, i) => `s${i + 1}`);

/** A random but reproducible history of BGP configuration, nodes, Services and endpoints. */
function history(seed: number, length: number): EventEnvelope[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const env = (o: Record<string, unknown>, type: 'added' | 'modified' | 'deleted' = 'modified') =>
    objectEnvelope(type, o as KubeObject, 'test');
  const nodeObj = (name: string) => {
    const i = NODES.indexOf(name) + 1;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { ...(chance(0.6) ? { bgp: 'true' } : {}), zone: pick(['a', 'b']) } },
      spec: { podCIDRs: [`10.${i}.0.0/24`] },
      status: { addresses: [{ type: 'InternalIP', address: `172.16.0.${i}` }] },
    };
  };
  const cluster = (name: string, selector: unknown, created: string) => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPClusterConfig',
    metadata: { name, creationTimestamp: created },
    spec: {
      nodeSelector: selector,
      bgpInstances: [{ name: `i-${name}`, localASN: 64512, peers: [{ name: 'tor', peerASN: 65000, peerAddress: '10.255.0.1', peerConfigRef: { name: 'peer' } }] }],
    },
  });
  const peer = () => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPPeerConfig',
    metadata: { name: 'peer' },
    spec: {
      ...(chance(0.3) ? { authSecretRef: 'auth' } : {}),
      families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } }],
    },
  });
  const ads = (name: string) => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPAdvertisement',
    metadata: { name, labels: chance(0.85) ? { advertise: 'bgp' } : {} },
    spec: {
      advertisements:
        name === 'pods'
          ? [{ advertisementType: 'PodCIDR', attributes: { communities: { standard: [`65000:${1 + Math.floor(rnd() * 3)}`] } } }]
          : [
              {
                advertisementType: 'Service',
                service: { addresses: ['ClusterIP', 'LoadBalancerIP', 'ExternalIP'].filter(() => chance(0.7)) },
                selector: chance(0.5) ? { matchLabels: { app: pick(['web', 'api']) } } : { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['y'] }] },
                attributes: { localPreference: pick([100, 200]), communities: { standard: ['65000:7'] } },
              },
            ],
    },
  });
  const svc = (name: string) => {
    const i = SERVICES.indexOf(name) + 1;
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default', labels: { app: pick(['web', 'api']) } },
      spec: {
        type: pick(['LoadBalancer', 'ClusterIP']),
        clusterIPs: [`10.96.0.${i}`],
        externalTrafficPolicy: pick(['Cluster', 'Local']),
        internalTrafficPolicy: pick(['Cluster', 'Local']),
        ...(chance(0.3) ? { externalIPs: [`192.0.2.${i}`] } : {}),
      },
      status: { loadBalancer: { ingress: chance(0.8) ? [{ ip: `172.20.0.${i}` }] : [] } },
    };
  };
  const slice = (name: string) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: NODES.filter(() => chance(0.25)).map((nodeName, j) => ({
      addresses: [`10.0.${j}.1`],
      nodeName,
      conditions: { ready: chance(0.8) },
    })),
  });
  const override = (name: string) => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPNodeConfigOverride',
    metadata: { name },
    spec: { bgpInstances: [{ name: 'i-main', localASN: pick([64513, 64514]) }] },
  });
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth', namespace: 'kube-system' }, data: { password: 'cGFzcw==' } };

  const out: EventEnvelope[] = [
    env(cluster('main', { matchLabels: { bgp: 'true' } }, '2024-01-01T00:00:00Z'), 'added'),
    env(peer(), 'added'),
    env(ads('pods'), 'added'),
    env(ads('services'), 'added'),
    ...NODES.map((n) => env(nodeObj(n), 'added')),
  ];
  while (out.length < length) {
    const r = rnd();
    if (r < 0.3) {
      const s = pick(SERVICES);
      out.push(chance(0.15) ? env(svc(s), 'deleted') : env(svc(s)));
    } else if (r < 0.5) {
      const s = pick(SERVICES);
      out.push(chance(0.1) ? env(slice(s), 'deleted') : env(slice(s)));
    } else if (r < 0.68) {
      const n = pick(NODES);
      out.push(chance(0.05) ? env(nodeObj(n), 'deleted') : env(nodeObj(n)));
    } else if (r < 0.78) {
      out.push(env(ads(pick(['pods', 'services']))));
    } else if (r < 0.84) {
      out.push(chance(0.5) ? env(cluster('zone-b', { matchLabels: { zone: 'b' } }, '2024-02-01T00:00:00Z')) : env(cluster('zone-b', null, '2024-02-01T00:00:00Z'), 'deleted'));
    } else if (r < 0.9) {
      out.push(env(peer()));
    } else if (r < 0.96) {
      const n = pick(['n1', 'n2']);
      out.push(chance(0.3) ? env(override(n), 'deleted') : env(override(n)));
    } else {
      out.push(chance(0.5) ? env(secret) : env(secret, 'deleted'));
    }
  }
  return out;
}

/** Documents computed purely from the last version of every object on the topic. */
async function pureFromTopic(topic: string): Promise<Record<string, string>> {
  const events: ConsumedEvent[] = [];
  await readEvents(kafka, { topic, fromBeginning: true, follow: false, onEvent: (e) => events.push(e), onPoison: () => undefined });
  events.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  const last = new Map<string, EventEnvelope>();
  for (const e of events) last.set(envelopeKey(e.envelope), e.envelope);
  const world = worldFromObjects([...last.values()].flatMap((e) => (e.type === 'added' || e.type === 'modified' ? [e.object] : [])));
  const out: Record<string, string> = {};
  for (const n of NODES) out[n] = nodeDocument(computeDesiredNode(world, n)).text;
  out['(conditions)'] = conditionsDocument(computeConditions(world)).text;
  return out;
}

const jitter = (rnd: () => number) => () => new Promise<void>((r) => setTimeout(r, Math.floor(rnd() * 4)));

async function runGroup(
  topic: string,
  keys: StoreKeys,
  instances: number,
  publish: () => Promise<void>,
): Promise<BatchReport[][]> {
  const groupId = `functions-${randomUUID()}`;
  const reports: BatchReport[][] = Array.from({ length: instances }, () => []);
  const subs = [];
  for (let i = 0; i < instances; i++) {
    const rnd = seededRandom(1000 + i);
    const handler = createFunctionsHandler({
      redis: pool.client(),
      keys,
      log: captureLog('warn').log,
      hooks: instances > 1 ? { afterHeads: jitter(rnd), beforeWrite: jitter(rnd) } : {},
    });
    const counted: FunctionsHandler = {
      ...handler,
      onEvents: async (events) => void reports[i]!.push(await handler.process(events)),
    };
    subs.push(await runFunctionsConsumer({ kafka, topic, groupId, handler: counted, log: captureLog('warn').log, sweepEveryMs: 250 }));
  }
  try {
    await publish();
    await waitFor('the group to catch up', () => caughtUp(kafka, groupId, topic), 90_000);
    const redis = pool.client();
    await waitFor('no pending recomputation', async () => (await redis.hlen(keys.pending)) === 0, 10_000);
  } finally {
    await Promise.all(subs.map((s) => s.stop()));
  }
  return reports;
}

describe('(c) several instances against one clean replay', () => {
  it('3 runners over 6 partitions under 400 random changes end where a single replay ends', { timeout: 180_000 }, async () => {
    const seed = Number(process.env['BGPCAST_TEST_SEED'] ?? Date.now() % 100_000);
    const events = history(seed, 400);
    const topic = await freshTopic(kafka, 6);
    const rnd = seededRandom(seed + 1);
    const publisher = new KafkaEventPublisher(kafka, topic);

    const concurrent = freshKeys();
    const reports = await runGroup(topic, concurrent, 3, async () => {
      for (let i = 0; i < events.length; ) {
        const n = 1 + Math.floor(rnd() * 25);
        await publisher.publish(events.slice(i, i + n));
        i += n;
        await new Promise((r) => setTimeout(r, Math.floor(rnd() * 30)));
      }
    });
    await publisher.close();

    const replay = freshKeys();
    await runGroup(topic, replay, 1, async () => undefined);

    const redis = pool.client();
    const a = await snapshot(redis, concurrent, NODES);
    const b = await snapshot(redis, replay, NODES);
    const pure = await pureFromTopic(topic);
    expect(a, `seed ${seed}`).toEqual(b);
    expect(a, `seed ${seed}`).toEqual(pure);

    // The run was meaningful: several instances worked, and the final state is not trivial.
    const active = reports.filter((r) => r.some((x) => x.applied > 0)).length;
    expect(active, 'instances that folded events').toBeGreaterThan(1);
    const routes = NODES.reduce((n, node) => n + (a[node]!.match(/"prefix"/g)?.length ?? 0), 0);
    expect(routes).toBeGreaterThan(0);
    const totals = reports.flat().reduce(
      (t, r) => ({ batches: t.batches + 1, written: t.written + r.written, conflicts: t.conflicts + r.conflicts, covered: t.covered + r.covered }),
      { batches: 0, written: 0, conflicts: 0, covered: 0 },
    );
    process.stderr.write(`[functions-concurrency] seed ${seed}: ${JSON.stringify({ ...totals, routes, active })}\n`);
  });
});
