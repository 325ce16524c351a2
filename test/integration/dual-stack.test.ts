// Dual stack over one IPv4 session (docs/cilium-semantics.md NH-1, NH-2): a ClusterConfig whose one
// peer is reached over IPv4, its PeerConfig listing ipv4 and ipv6 unicast, as Cilium's examples
// write it. The functions compute the desired state into a real Redis, the speaker worker speaks it,
// and the router installs both families' routes with the expected next hop:
// - BIRD on loopback: a node with an IPv6 InternalIP sends it as the IPv6 next hop, which BIRD takes
//   without `extended next hop`; a node without one sends ::ffff:a.b.c.d, which BIRD takes with it;
// - GoBGP in network namespaces (it drops IPv4 routes with a 127/8 next hop): `bgpcast speaker` runs
//   in the speaker's namespace, reaching Redis through a unix socket; the IPv6 next hop is the
//   interface's address, then the node's, then the mapped form the annotation asks for.
// `bgpcast peers -o wide` shows per family the next hop sent.

import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { KubeObject } from '../../events/envelope.ts';
import { readDesiredDocument } from '../../events/desired-read.ts';
import { storeKeys } from '../../events/redis-keys.ts';
import { createFunctionsHandler, type FunctionsHandler } from '../../functions/runner/handler.ts';
import { freePort } from '../../infra/local/procs.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import { startSpeakerWorker, type SpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { runCli } from '../support/cli.ts';
import { loopbackBlock, startBird, waitFor, type RunningBird } from '../support/routers/index.ts';
import { startGobgp, type RunningGobgp } from '../support/routers/gobgp.ts';
import { createTopology, spawnInNetns, unixSocketRelay, type NetnsTopology } from '../support/routers/netns.ts';
import { testBackoff } from '../support/speaker.ts';
import { cliEntry, redisPool, sequencer } from './functions-support.ts';
import { quiet } from './pipeline-support.ts';

const redisUrl = inject('redisUrl');
const pool = redisPool(redisUrl);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface DualNode {
  readonly name: string;
  readonly ipv4: string;
  readonly ipv6?: string;
  readonly podCIDRs: readonly [string, string];
}

/** A dual-stack cluster: one IPv4 peer with both families, PodCIDR and LoadBalancer IP adverts. */
function dualStackObjects(router: string, port: number, nodes: readonly DualNode[], annotations: Record<string, string> = {}): KubeObject[] {
  const everything = { matchExpressions: [{ key: 'never', operator: 'DoesNotExist' }] };
  return [
    ...nodes.flatMap((n): KubeObject[] => [
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: n.name, labels: { bgp: 'true' } },
        spec: { podCIDRs: [...n.podCIDRs] },
        status: { addresses: [{ type: 'InternalIP', address: n.ipv4 }, ...(n.ipv6 ? [{ type: 'InternalIP', address: n.ipv6 }] : [])] },
      },
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumBGPNodeConfigOverride',
        metadata: { name: n.name },
        spec: { bgpInstances: [{ name: 'dual', peers: [{ name: 'router', localAddress: n.ipv4 }] }] },
      },
    ]),
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPClusterConfig',
      metadata: { name: 'dual' },
      spec: {
        nodeSelector: { matchLabels: { bgp: 'true' } },
        bgpInstances: [{ name: 'dual', localASN: 64000, peers: [{ name: 'router', peerASN: 65000, peerAddress: router, peerConfigRef: { name: 'dual-peer' } }] }],
      },
    },
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPPeerConfig',
      metadata: { name: 'dual-peer', annotations },
      spec: {
        transport: { peerPort: port },
        // A short ConnectRetry: GoBGP refuses connections for a few seconds after a session ends.
        timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3, connectRetryTimeSeconds: 2 },
        families: ['ipv4', 'ipv6'].map((afi) => ({ afi, safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } })),
      },
    },
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPAdvertisement',
      metadata: { name: 'dual', labels: { advertise: 'bgp' } },
      spec: {
        advertisements: [
          { advertisementType: 'PodCIDR' },
          { advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, selector: everything },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'LoadBalancer', ipFamilies: ['IPv4', 'IPv6'], clusterIPs: ['10.96.0.10', 'fd00:96::10'] },
      status: { loadBalancer: { ingress: [{ ip: '198.51.100.10' }, { ip: '2001:db8:100::10' }] } },
    },
  ];
}

/** The functions in this process, writing to a fresh keyspace of the test Redis. */
function functions(): { handler: FunctionsHandler; prefix: string; publish(objects: readonly KubeObject[]): Promise<void> } {
  const prefix = `dual-${randomUUID().slice(0, 8)}`;
  const handler = createFunctionsHandler({ redis: pool.client(), keys: storeKeys(prefix), log: quiet('functions') });
  const seq = sequencer(3);
  return { handler, prefix, publish: async (objects) => void (await handler.process(objects.map((o) => seq(o)))) };
}

/** The Next Hop column of `bgpcast peers -o wide` on the lines of one family, in node order. */
async function wideNextHops(prefix: string, family: string): Promise<string[]> {
  const r = await runCli(['peers', '-o', 'wide'], { BGPCAST_REDIS_URL: redisUrl, BGPCAST_REDIS_PREFIX: prefix });
  const [header = '', ...rows] = r.stdout.split('\n');
  const [from, to] = [header.indexOf('Next Hop'), header.indexOf('Not Sent')];
  return rows.filter((l) => l.includes(family)).map((l) => l.slice(from, to).trim());
}

/** Waits until `bgpcast peers -o wide` shows these next hops for the family (the status follows the sessions). */
async function expectWide(prefix: string, family: string, expected: readonly string[]): Promise<void> {
  let last: string[] = [];
  await waitFor(async () => {
    last = await wideNextHops(prefix, family);
    return JSON.stringify(last) === JSON.stringify(expected);
  }, { timeoutMs: 10_000, what: `bgpcast peers -o wide showing ${family} via ${expected.join(', ')}`, detail: () => JSON.stringify(last) });
}

describe('dual stack over an IPv4 session, BIRD as the receiver', () => {
  it('both families installed: the node\'s IPv6 InternalIP as next hop (no extended next hop needed), else ::ffff:a.b.c.d', async () => {
    ensureSockopt();
    const blk = loopbackBlock();
    const router = blk.addr(5);
    const port = await freePort();
    const nodes: DualNode[] = [
      { name: 'worker1', ipv4: blk.addr(11), ipv6: '2001:db8:1::11', podCIDRs: ['10.1.11.0/24', 'fd00:11::/64'] },
      { name: 'worker2', ipv4: blk.addr(12), podCIDRs: ['10.1.12.0/24', 'fd00:12::/64'] },
    ];
    const bird: RunningBird = await startBird({
      routerId: router,
      address: router,
      port,
      protocols: [
        // worker1's IPv6 next hop is an IPv6 address: the ipv6 channel needs nothing special.
        { name: 'worker1', localAs: 65000, neighborAddress: nodes[0]!.ipv4, neighborAs: 64000, passive: true, holdTime: 9, ipv6: { extendedNextHop: false } },
        // worker2 has no IPv6 address: its next hop is IPv4-mapped, which BIRD takes only with this.
        { name: 'worker2', localAs: 65000, neighborAddress: nodes[1]!.ipv4, neighborAs: 64000, passive: true, holdTime: 9, ipv6: { extendedNextHop: true } },
      ],
    });
    cleanups.push(() => bird.stop());
    const fn = functions();
    await fn.publish(dualStackObjects(router, port, nodes));
    const worker: SpeakerWorker = await startSpeakerWorker({
      redisUrl,
      prefix: fn.prefix,
      nodes: nodes.map((n) => ({ name: n.name })),
      log: quiet('speaker'),
      speaker: { backoff: testBackoff },
      statusCheckMs: 200,
      heartbeatMs: 1_000,
    });
    cleanups.push(() => worker.stop());

    for (const [n, expected6] of [[nodes[0]!, '2001:db8:1::11'], [nodes[1]!, `::ffff:${nodes[1]!.ipv4}`]] as const) {
      await bird.waitEstablished(n.name, 20_000);
      const v4 = await bird.waitFor(async (b) => {
        const r = await b.routes('master4', n.name);
        return r.length === 2 ? r : false;
      }, { timeoutMs: 15_000, what: `IPv4 routes from ${n.name}` });
      expect(v4.map((r) => r.prefix).sort()).toEqual([n.podCIDRs[0], '198.51.100.10/32'].sort());
      for (const r of v4) expect(r.nextHop).toBe(n.ipv4);
      const v6 = await bird.waitFor(async (b) => {
        const r = await b.routes('master6', n.name);
        return r.length === 2 ? r : false;
      }, { timeoutMs: 15_000, what: `IPv6 routes from ${n.name}` });
      expect(v6.map((r) => r.prefix).sort()).toEqual([n.podCIDRs[1], '2001:db8:100::10/128'].sort());
      for (const r of v6) {
        // BIRD prints an IPv4-mapped next hop as the IPv4 address.
        expect(r.nextHop === expected6 || `::ffff:${r.nextHop}` === expected6, `${r.prefix} via ${r.nextHop}`).toBe(true);
        expect(r.asPath).toEqual([64000]);
      }
    }

    await expectWide(fn.prefix, 'ipv6/unicast', ['2001:db8:1::11', `::ffff:${nodes[1]!.ipv4}`]);
    await expectWide(fn.prefix, 'ipv4/unicast', [nodes[0]!.ipv4, nodes[1]!.ipv4]);
  });
});

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe('dual stack over an IPv4 session, GoBGP as the receiver (network namespaces)', () => {
  it('both families installed; the IPv6 next hop is the interface\'s, the node\'s InternalIP once it has one, the mapped form on request', async () => {
    ensureSockopt();
    const topo: NetnsTopology = await createTopology();
    cleanups.push(() => topo.destroy());
    const gobgp: RunningGobgp = await startGobgp({
      netns: topo.ns('router'),
      as: 65000,
      routerId: '192.0.2.1',
      port: 179,
      addresses: ['192.0.2.1'],
      neighbors: [{ address: '192.0.2.2', peerAs: 64000, localAddress: '192.0.2.1', passive: true, holdTime: 9, keepaliveInterval: 3 }],
    });
    cleanups.push(() => gobgp.stop());
    const fn = functions();
    const node: DualNode = { name: 'worker1', ipv4: '192.0.2.2', podCIDRs: ['10.1.11.0/24', 'fd00:11::/64'] };
    await fn.publish(dualStackObjects('192.0.2.1', 179, [node]));
    const desired = await readDesiredDocument(pool.client(), fn.prefix, 'worker1');
    expect(desired?.document.instances[0]?.peers[0]?.config.nextHop).toEqual({ ipv4: 'auto', ipv6: 'auto', nodeIPv4: '192.0.2.2', nodeIPv6: null });

    const { port: redisPort, hostname } = new URL(redisUrl);
    const relay = await unixSocketRelay(hostname, Number(redisPort));
    cleanups.push(() => relay.close());
    const socket = relay.path;
    let stderr = '';
    const speaker = spawnInNetns(topo.ns('speaker'), [process.execPath, cliEntry(), 'speaker', '--node', 'worker1', '--telemetry', '127.0.0.1:0'], {
      env: { ...process.env, BGPCAST_REDIS_URL: socket, BGPCAST_REDIS_PREFIX: fn.prefix, BGPCAST_LOG_LEVEL: 'warn' },
    });
    speaker.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    cleanups.push(() => stopChild(speaker));

    // GoBGP prints an IPv4-mapped next hop as the IPv4 address: `shown` is what it prints.
    const installed = async (afi: 'ipv4' | 'ipv6', nextHop: string, what: string, shown = nextHop) =>
      gobgp
        .waitFor(async (g) => {
          const rib = await g.rib(afi);
          return rib.length === 2 && rib.every((p) => p.best && p.nextHop === shown) ? rib : false;
        }, { timeoutMs: 40_000, what: `${what}: two ${afi} routes installed at GoBGP via ${nextHop}` })
        .catch(async (e: Error) => {
          const rib = await gobgp.rib(afi).catch(() => []);
          const doc = await readDesiredDocument(pool.client(), fn.prefix, 'worker1');
          const peers = await runCli(['peers', '-o', 'wide'], { BGPCAST_REDIS_URL: redisUrl, BGPCAST_REDIS_PREFIX: fn.prefix });
          throw new Error(`${e.message}\nGoBGP: ${JSON.stringify(rib.map((p) => [p.prefix, p.nextHop, p.best]))}\ndesired: ${JSON.stringify(doc?.document.instances[0]?.peers[0]?.config)} r${doc?.revision}\npeers:\n${peers.stdout}${peers.stderr}\nspeaker stderr:\n${stderr}`);
        });

    // 1. The node has no IPv6 InternalIP: the IPv6 address of the interface the session leaves by.
    const v4 = await installed('ipv4', '192.0.2.2', 'IPv4');
    expect(v4.map((p) => p.prefix).sort()).toEqual(['10.1.11.0/24', '198.51.100.10/32']);
    const v6 = await installed('ipv6', '2001:db8::2', 'interface address');
    expect(v6.map((p) => p.prefix).sort()).toEqual(['2001:db8:100::10/128', 'fd00:11::/64']);
    for (const p of [...v4, ...v6]) expect(p.asPath).toEqual([64000]);
    await expectWide(fn.prefix, 'ipv6/unicast', ['2001:db8::2']);

    // 2. The node gets an IPv6 InternalIP (another address of the host): it comes first.
    await topo.exec('speaker', ['ip', '-6', 'addr', 'add', '2001:db8::22/64', 'dev', 'eth0', 'nodad']);
    await fn.publish(dualStackObjects('192.0.2.1', 179, [{ ...node, ipv6: '2001:db8::22' }]));
    await installed('ipv6', '2001:db8::22', 'node InternalIP');
    await expectWide(fn.prefix, 'ipv6/unicast', ['2001:db8::22']);

    // 3. bgpcast.io/next-hop-ipv6: mapped — the IPv4-mapped form, which GoBGP accepts.
    await fn.publish(dualStackObjects('192.0.2.1', 179, [{ ...node, ipv6: '2001:db8::22' }], { 'bgpcast.io/next-hop-ipv6': 'mapped' }));
    await installed('ipv6', '::ffff:192.0.2.2', 'mapped', '192.0.2.2');
    await installed('ipv4', '192.0.2.2', 'IPv4 still');
    await expectWide(fn.prefix, 'ipv6/unicast', ['::ffff:192.0.2.2']);
  }, 150_000);
});
