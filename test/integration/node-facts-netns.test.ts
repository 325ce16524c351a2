// Node facts on a real node, in network namespaces the test creates (docs/cilium-semantics.md
// INST-4, ADV-7): the functions write a node's desired state into Redis with an auto-discovered
// peer and an Interface advertisement, and the speaker worker, a child process in the node's
// namespace, finds the peer's address and the interface's addresses there and speaks to BIRD.
//   - DefaultGateway: the node's default route points at one of two BIRDs; moving it moves the
//     session; removing it ends the session and the status says why.
//   - Interface: addresses added to and removed from a dummy device are announced and withdrawn as
//     host routes with the entry's community; the device down withdraws them all.
//   - Unnumbered: link-local addresses only on the link; BIRD sends router advertisements, the
//     speaker finds it in the neighbour table and peers with fe80::1%eth0; IPv4 routes go with an
//     IPv6 next hop (RFC 8950), IPv6 routes with the link-local one.
// Documentation addresses only, no traffic outside the namespaces; everything is removed in afterAll.

import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../events/log.ts';
import { nodeKeys, STATUS_FIELDS, type StoreKeys } from '../../events/redis-keys.ts';
import type { PeersDocument } from '../../events/speaker-status.ts';
import { createFunctionsHandler, type FunctionsHandler } from '../../functions/runner/handler.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import { bridgeRedis, type RedisBridge } from '../support/netns-redis-bridge.ts';
import { startBird, type RunningBird } from '../support/routers/bird.ts';
import { waitFor } from '../support/routers/common.ts';
import { createTopology, spawnInNetns, type NetnsTopology } from '../support/routers/netns.ts';
import { freshKeys, redisPool, sequencer } from './functions-support.ts';

const childScript = resolve(import.meta.dirname, '../support/speaker-worker-netns-child.ts');
const NODE = 'n1';
const LOCAL_AS = 64512;
const ROUTER_AS = 65000;

type Obj = Record<string, unknown>;

let bridge: RedisBridge;
const pool = redisPool(inject('redisUrl'));
let redis: Redis;

beforeAll(async () => {
  ensureSockopt();
  bridge = await bridgeRedis(inject('redisUrl'));
  redis = pool.client();
});
afterAll(async () => {
  await pool.closeAll();
  await bridge?.close();
});

// What each test starts, stopped in afterEach whatever happened.
let topo: NetnsTopology | null = null;
let birds: RunningBird[] = [];
let child: ChildProcess | null = null;

afterEach(async () => {
  if (child && child.exitCode === null) {
    const c = child;
    c.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        c.kill('SIGKILL');
        r(null);
      }, 5_000);
      c.once('exit', () => {
        clearTimeout(t);
        r(null);
      });
    });
  }
  child = null;
  await Promise.all(birds.map((b) => b.stop().catch(() => {})));
  birds = [];
  await topo?.destroy();
  topo = null;
});

/** The functions, in process, writing the node's desired state into a fresh keyspace. */
function functions(): { keys: StoreKeys; handler: FunctionsHandler; apply(objects: Obj[]): Promise<void> } {
  const keys = freshKeys();
  const handler = createFunctionsHandler({ redis: pool.client(), keys, log: createLogger('functions', 'warn') });
  const event = sequencer();
  return { keys, handler, apply: async (objects) => void (await handler.process(objects.map((o) => event(o)))) };
}

async function startSpeaker(ns: string, keys: StoreKeys): Promise<void> {
  const c = spawnInNetns(ns, [process.execPath, childScript, JSON.stringify({ redisUrl: bridge.path, prefix: keys.prefix, node: NODE })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child = c;
  let out = '';
  c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('started') || c.exitCode !== null, { timeoutMs: 20_000, what: 'the speaker worker in its namespace' });
  if (c.exitCode !== null) throw new Error(`speaker worker exited with ${c.exitCode}`);
}

async function peersStatus(keys: StoreKeys): Promise<PeersDocument | null> {
  const text = await redis.hget(nodeKeys(keys.prefix, NODE).status, STATUS_FIELDS.peers);
  return text === null ? null : (JSON.parse(text) as PeersDocument);
}

const nodeObject = (podCIDRs: string[]): Obj => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: NODE, labels: { bgp: 'yes' } },
  spec: { podCIDRs },
  // The router ID comes from the InternalIP (INST-3); it need not be on any link.
  status: { addresses: [{ type: 'InternalIP', address: '192.0.2.2' }] },
});

const clusterConfig = (autoDiscovery: Obj): Obj => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPClusterConfig',
  metadata: { name: 'bgp' },
  spec: {
    nodeSelector: { matchLabels: { bgp: 'yes' } },
    bgpInstances: [{ name: 'i', localASN: LOCAL_AS, peers: [{ name: 'tor', peerASN: ROUTER_AS, autoDiscovery, peerConfigRef: { name: 'tor' } }] }],
  },
});

const peerConfig = (afis: string[]): Obj => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPPeerConfig',
  metadata: { name: 'tor' },
  spec: { families: afis.map((afi) => ({ afi, safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } })) },
});

const advertisement = (entries: Obj[]): Obj => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPAdvertisement',
  metadata: { name: 'node', labels: { advertise: 'bgp' } },
  spec: { advertisements: entries },
});

/** A BIRD in `ns` at `address`, waiting passively for the node at 192.0.2.2. */
function routerAt(ns: string, address: string): Promise<RunningBird> {
  return startBird({
    netns: ns,
    routerId: address,
    address,
    port: 179,
    protocols: [{ name: 'node', localAs: ROUTER_AS, neighborAddress: '192.0.2.2', neighborAs: LOCAL_AS, passive: true, multihop: false, ipv6: false }],
  });
}

async function prefixes(bird: RunningBird, table: 'master4' | 'master6' = 'master4'): Promise<string[]> {
  return (await bird.routes(table, 'node')).map((r) => r.prefix).sort();
}

describe('DefaultGateway and Interface in a network namespace', () => {
  it('peers with the default gateway, follows it when it moves, and announces the dummy device’s addresses as they come and go', async () => {
    topo = await createTopology({
      hosts: [
        { name: 'left', ipv4: '192.0.2.1' },
        { name: 'right', ipv4: '192.0.2.3' },
        { name: 'node', ipv4: '192.0.2.2' },
      ],
    });
    const t = topo;
    const ip = async (...args: string[]) => {
      const r = await t.exec('node', ['ip', ...args]);
      if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    await ip('route', 'add', 'default', 'via', '192.0.2.1', 'metric', '100');
    // A bridge without ports stands for a dummy device (operstate UNKNOWN when up); not every kernel has the dummy module.
    await ip('link', 'add', 'dummy0', 'type', 'bridge');
    await ip('link', 'set', 'dummy0', 'up');
    await ip('addr', 'add', '198.51.100.7/32', 'dev', 'dummy0');
    const [left, right] = await Promise.all([routerAt(t.ns('left'), '192.0.2.1'), routerAt(t.ns('right'), '192.0.2.3')]);
    birds = [left, right];

    const fx = functions();
    await fx.apply([
      nodeObject(['10.60.0.0/24']),
      clusterConfig({ mode: 'DefaultGateway', defaultGateway: { addressFamily: 'ipv4' } }),
      peerConfig(['ipv4']),
      advertisement([
        { advertisementType: 'PodCIDR' },
        { advertisementType: 'Interface', interface: { name: 'dummy0' }, attributes: { communities: { standard: ['64512:7'] } } },
      ]),
    ]);
    await startSpeaker(t.ns('node'), fx.keys);

    // The gateway 192.0.2.1 is the peer: pod CIDR and the dummy's address, with its community.
    await left.waitEstablished('node', 30_000);
    await left.waitFor(async (b) => (await prefixes(b)).length === 2, { timeoutMs: 20_000, what: 'two routes at the gateway' });
    const [dummy] = await left.routesFor('198.51.100.7/32', 'node');
    expect(dummy?.communities).toEqual(['64512:7']);
    expect(dummy?.nextHop).toBe('192.0.2.2');
    expect(await prefixes(left)).toEqual(['10.60.0.0/24', '198.51.100.7/32']);
    const since = (await left.protocol('node')).since;

    // An address added with a /24 goes out as its host route; one removed is withdrawn.
    await ip('addr', 'add', '198.51.100.8/24', 'dev', 'dummy0');
    await left.waitFor(async (b) => (await prefixes(b)).includes('198.51.100.8/32'), { timeoutMs: 15_000, what: '198.51.100.8/32 announced' });
    await ip('addr', 'del', '198.51.100.7/32', 'dev', 'dummy0');
    await left.waitFor(async (b) => !(await prefixes(b)).includes('198.51.100.7/32'), { timeoutMs: 15_000, what: '198.51.100.7/32 withdrawn' });
    expect(await prefixes(left)).toEqual(['10.60.0.0/24', '198.51.100.8/32']);

    // The device down withdraws its addresses; up again announces them.
    await ip('link', 'set', 'dummy0', 'down');
    await left.waitFor(async (b) => (await prefixes(b)).length === 1, { timeoutMs: 15_000, what: 'the dummy routes withdrawn' });
    await ip('link', 'set', 'dummy0', 'up');
    await left.waitFor(async (b) => (await prefixes(b)).length === 2, { timeoutMs: 15_000, what: 'the dummy route back' });
    // None of this reset the session.
    expect((await left.protocol('node')).since).toBe(since);

    // The gateway moves: the session goes to the new one, with the same routes.
    await ip('route', 'replace', 'default', 'via', '192.0.2.3', 'metric', '100');
    await right.waitEstablished('node', 30_000);
    await right.waitFor(async (b) => (await prefixes(b)).length === 2, { timeoutMs: 20_000, what: 'the routes at the new gateway' });
    expect(await prefixes(right)).toEqual(['10.60.0.0/24', '198.51.100.8/32']);
    await left.waitFor(async (b) => (await b.protocol('node')).bgpState !== 'Established', { timeoutMs: 15_000, what: 'the old session closed' });
    await waitFor(async () => (await peersStatus(fx.keys))?.peers[0]?.peerAddress === '192.0.2.3', { timeoutMs: 10_000, what: 'the status naming the new gateway' });

    // No default route: no peer, and the status says why.
    await ip('route', 'del', 'default');
    await right.waitFor(async (b) => (await b.protocol('node')).bgpState !== 'Established', { timeoutMs: 15_000, what: 'the session closed' });
    const status = await waitFor(
      async () => {
        const s = await peersStatus(fx.keys);
        return s !== null && s.peers.length === 0 && s.errors.length > 0 ? s : false;
      },
      { timeoutMs: 10_000, what: 'the status saying the peer waits for a gateway' },
    );
    expect(status.errors).toEqual([
      { instance: 'i', error: 'peer tor: auto-discovery: no ipv4 default route with a gateway that is not link-local on a device that is up' },
    ]);
  });
});

describe('Unnumbered in a network namespace', () => {
  it('finds BIRD by its router advertisements and peers over link-local addresses, IPv4 routes with an IPv6 next hop (RFC 8950)', async () => {
    topo = await createTopology({ hosts: [{ name: 'router' }, { name: 'node' }] });
    const t = topo;
    // Link-local addresses only, and exactly one per side (no second, generated one).
    for (const [host, address] of [['router', 'fe80::1'], ['node', 'fe80::2']] as const) {
      for (const args of [
        ['link', 'set', 'eth0', 'addrgenmode', 'none'],
        ['-6', 'addr', 'flush', 'dev', 'eth0', 'scope', 'link'],
        ['addr', 'add', `${address}/64`, 'dev', 'eth0', 'nodad'],
      ]) {
        const r = await t.exec(host, ['ip', ...args]);
        if (r.code !== 0) throw new Error(`ip ${args.join(' ')} in ${host}: ${r.stderr}`);
      }
    }
    const bird = await startBird({
      netns: t.ns('router'),
      routerId: '192.0.2.1',
      address: 'fe80::1',
      port: 179,
      protocols: [
        {
          name: 'node',
          localAs: ROUTER_AS,
          neighborAddress: "fe80::2 % 'eth0'",
          neighborAs: LOCAL_AS,
          passive: true,
          multihop: false,
          ipv4: { extendedNextHop: true },
        },
      ],
      extraConfig: 'protocol radv { interface "eth0" { min ra interval 3; max ra interval 4; }; }',
    });
    birds = [bird];

    const fx = functions();
    await fx.apply([
      nodeObject(['10.60.0.0/24', 'fd00:60::/64']),
      clusterConfig({ mode: 'Unnumbered', unnumbered: { interface: 'eth0' } }),
      peerConfig(['ipv4', 'ipv6']),
      advertisement([{ advertisementType: 'PodCIDR' }]),
    ]);
    await startSpeaker(t.ns('node'), fx.keys);

    await bird.waitEstablished('node', 40_000);
    await bird.waitFor(async (b) => (await prefixes(b)).length === 1 && (await prefixes(b, 'master6')).length === 1, {
      timeoutMs: 20_000,
      what: 'both pod CIDRs at BIRD',
    });
    const [v4] = await bird.routesFor('10.60.0.0/24', 'node');
    const [v6] = await bird.routesFor('fd00:60::/64', 'node');
    // A link-local-only next hop: BIRD keeps it in the link-local slot, the global one '::', and
    // installs both routes through it (the IPv4 one too: RFC 8950).
    for (const r of [v4, v6]) {
      expect(r?.dest).toBe('unicast');
      expect([r?.nextHop, r?.nextHopLinkLocal]).toEqual(['::', 'fe80::2']);
      expect(r?.asPath).toEqual([LOCAL_AS]);
    }
    const status = await waitFor(
      async () => {
        const s = await peersStatus(fx.keys);
        return s?.peers[0]?.state === 'established' ? s : false;
      },
      { timeoutMs: 10_000, what: 'the status with the session established' },
    );
    expect(status.peers[0]?.peerAddress).toBe('fe80::1%eth0');
  });
});
