// The router harness (test/support/routers) against the real daemons: BIRD and GoBGP peering with
// each other on loopback (eBGP and iBGP), the raw peer against BIRD, and network namespaces.
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/procs.ts';
import type { RunningBird, StartBirdOptions } from '../support/routers/bird.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock, run } from '../support/routers/common.ts';
import type { RunningGobgp } from '../support/routers/gobgp.ts';
import { startGobgp } from '../support/routers/gobgp.ts';
import type { MrtRoute } from '../support/routers/mrt.ts';
import { writeTableDump } from '../support/routers/mrt.ts';
import type { NetnsTopology } from '../support/routers/netns.ts';
import { createTopology, runNodeInNetns, spawnInNetns } from '../support/routers/netns.ts';
import { parseRouteCount, parseRoutes } from '../support/routers/bird-parse.ts';
import type { RawListener, RawPeer } from '../support/routers/raw-peer.ts';
import { connectRawPeer, listenRawPeer, rawMessage } from '../support/routers/raw-peer.ts';
import type { UpdateMessage } from '../../speaker/codec/types.ts';

describe('BIRD and GoBGP peering on loopback', () => {
  const blk = loopbackBlock();
  const birdE = blk.addr(1); // BIRD, eBGP side (AS 65001)
  const birdI = blk.addr(2); // BIRD, iBGP side (AS 65002)
  const gobgpAddr = blk.addr(3);
  // A second GoBGP address for the iBGP session: BIRD cannot run two protocols to one neighbour address and port.
  const gobgpAddrI = blk.addr(4);
  let bird: RunningBird;
  let gobgp: RunningGobgp;

  beforeAll(async () => {
    const [birdPort, gobgpPort] = [await freePort(), await freePort()];
    bird = await startBird({
      routerId: '10.255.0.1', address: birdE, port: birdPort,
      staticRoutes: [{ prefix: '198.51.100.0/24', communities: ['65000:99'], largeCommunities: ['65000:1:2'] }],
      protocols: [
        // GoBGP drops IPv4 routes with a 127/8 next hop: export with a documentation-range one.
        { name: 'gobgp_e', localAs: 65001, neighborAddress: gobgpAddr, neighborPort: gobgpPort, neighborAs: 65002,
          holdTime: 9, keepaliveTime: 3, ipv4: { nextHopAddress: '192.0.2.10' } },
        { name: 'gobgp_i', localAddress: birdI, localAs: 65002, neighborAddress: gobgpAddrI, neighborPort: gobgpPort,
          neighborAs: 65002, ipv4: { export: 'none' }, ipv6: { export: 'none' } },
      ],
    });
    gobgp = await startGobgp({
      as: 65002, routerId: '10.255.0.3', port: gobgpPort, addresses: [gobgpAddr, gobgpAddrI],
      neighbors: [
        { address: birdE, peerAs: 65001, localAddress: gobgpAddr, remotePort: birdPort },
        { address: birdI, peerAs: 65002, localAddress: gobgpAddrI, remotePort: birdPort },
      ],
    });
  });

  afterAll(async () => {
    await gobgp?.stop();
    await bird?.stop();
  });

  it('reaches Established on both sessions, both sides, with the negotiated timers', async () => {
    const e = await bird.waitEstablished('gobgp_e', 25_000);
    const i = await bird.waitEstablished('gobgp_i', 25_000);
    await gobgp.waitEstablished(birdE, 10_000);
    await gobgp.waitEstablished(birdI, 10_000);
    expect(e).toMatchObject({ state: 'up', neighborAs: 65002, localAs: 65001, neighborAddress: gobgpAddr, holdTime: 9, keepaliveTime: 3 });
    expect(e.session).toContain('external');
    expect(i.session).toContain('internal');
    expect(e.neighborCapabilities).toHaveProperty('4-octet AS numbers');
    expect(e.channels.ipv4?.state).toBe('UP');
    expect(e.uptimeSec).toBeGreaterThanOrEqual(0);
  });

  it("shows BIRD's static route in GoBGP's adj-in with its communities", async () => {
    const paths = await gobgp.waitFor(async (g) => {
      const p = await g.adjIn(birdE, 'ipv4');
      return p.length > 0 ? p : undefined;
    }, { timeoutMs: 10_000, what: 'route in GoBGP adj-in' });
    expect(paths).toHaveLength(1);
    expect(paths[0]).toMatchObject({
      prefix: '198.51.100.0/24', nextHop: '192.0.2.10', asPath: [65001],
      communities: ['65000:99'], largeCommunities: ['65000:1:2'], origin: 'igp',
    });
  });

  it("parses GoBGP's routes from BIRD's tables (eBGP and iBGP, IPv4 and IPv6)", async () => {
    await gobgp.addRoute('203.0.113.0/24', {
      nextHop: '192.0.2.1', origin: 'egp', asPath: [64512, 4200000001], med: 10, localPref: 200,
      communities: ['65002:7', '65002:8'], largeCommunities: ['65002:1:2', '4200000001:3:4'],
    });
    await gobgp.addRoute('2001:db8:200::/48', { nextHop: '2001:db8::1', communities: ['65002:9'] });
    const v4 = await bird.waitFor(async (b) => {
      const r = await b.routes('master4');
      return r.filter((x) => x.prefix === '203.0.113.0/24').length === 2 ? r : undefined;
    }, { timeoutMs: 10_000, what: '203.0.113.0/24 from both sessions' });
    const ebgp = v4.find((r) => r.protocol === 'gobgp_e' && r.prefix === '203.0.113.0/24');
    const ibgp = v4.find((r) => r.protocol === 'gobgp_i' && r.prefix === '203.0.113.0/24');
    expect(ebgp).toMatchObject({
      dest: 'unicast', from: gobgpAddr, nextHop: '192.0.2.1', asPath: [65002, 64512, 4200000001], origin: 'egp', med: 10,
      communities: ['65002:7', '65002:8'], largeCommunities: ['65002:1:2', '4200000001:3:4'], stale: false,
    });
    expect(ebgp?.localPref).toBe(100); // LOCAL_PREF is not carried over eBGP; BIRD sets its default
    expect(ibgp).toMatchObject({ from: gobgpAddrI, asPath: [64512, 4200000001], localPref: 200, nextHop: '192.0.2.1' });
    expect(v4.filter((r) => r.primary && r.prefix === '203.0.113.0/24')).toHaveLength(1);
    expect(await bird.routeCount('master4', 'gobgp_i')).toBe(1);
    expect((await bird.routesFor('203.0.113.0/24', 'gobgp_i')).map((r) => r.localPref)).toEqual([200]);
    expect(await bird.routesFor('203.0.113.0/25')).toEqual([]);

    const v6 = await bird.waitFor(async (b) => {
      const r = await b.routes('master6', 'gobgp_e');
      return r.length > 0 ? r : undefined;
    }, { timeoutMs: 10_000, what: 'IPv6 route at BIRD' });
    expect(v6[0]).toMatchObject({ prefix: '2001:db8:200::/48', nextHop: '2001:db8::1', communities: ['65002:9'], asPath: [65002] });
  });

  it('bulk-loads GoBGP from an MRT file that BIRD then holds whole', async () => {
    const routes: MrtRoute[] = [
      ...Array.from({ length: 1000 }, (_, i) => ({ prefix: `10.200.${i >> 8}.${i & 255}/32`, nextHop: '192.0.2.1', communities: ['65002:42'] })),
      ...Array.from({ length: 100 }, (_, i) => ({ prefix: `2001:db8:300::${(i + 1).toString(16)}/128`, nextHop: '2001:db8::1', asPath: [64600] })),
    ];
    const file = join(gobgp.dir, 'harness.mrt');
    writeTableDump(file, routes, { bgpId: '10.255.0.3', address: gobgpAddr, asn: 65002 });
    const [v4, v6] = [await gobgp.ribCount('ipv4'), await gobgp.ribCount('ipv6')];
    await gobgp.injectMrt(file, { ipv4: v4 + 1000, ipv6: v6 + 100 }, 30_000);
    await bird.waitFor(async (b) => (await b.routeCount('master4', 'gobgp_e')) >= 1001 && (await b.routeCount('master6', 'gobgp_e')) >= 101, {
      timeoutMs: 20_000, what: 'MRT routes at BIRD',
    });
    expect((await bird.routesFor('10.200.3.231/32', 'gobgp_e'))[0]).toMatchObject({ communities: ['65002:42'], asPath: [65002] });
    expect((await bird.routesFor('2001:db8:300::64/128', 'gobgp_e'))[0]).toMatchObject({ nextHop: '2001:db8::1', asPath: [65002, 64600] });
  });

  it('reconfigures BIRD without resetting the session, and restarts it', async () => {
    const before = await bird.protocol('gobgp_e');
    await bird.configure({
      ...bird.options,
      staticRoutes: [...(bird.options.staticRoutes ?? []), { prefix: '198.51.100.128/25', communities: ['65000:100'] }],
    });
    await gobgp.waitFor(async (g) => (await g.adjIn(birdE, 'ipv4')).some((p) => p.prefix === '198.51.100.128/25'), {
      timeoutMs: 10_000, what: 'new static route at GoBGP',
    });
    expect((await bird.protocol('gobgp_e')).since).toBe(before.since);
    await expect(bird.configure('this is not a config')).rejects.toThrow(/syntax error/);

    const pid = bird.pid;
    await bird.restart({ hard: true });
    expect(bird.pid).not.toBe(pid);
    // GoBGP stays Idle ~5 s after a drop (peers.md).
    const again = await bird.waitEstablished('gobgp_e', 30_000);
    expect(again.since).toBeGreaterThanOrEqual(before.since);
  });
});

describe('raw peer against BIRD', () => {
  const blk = loopbackBlock();
  const birdAddr = blk.addr(1);
  let bird: RunningBird;
  let listener: RawListener;
  const peers: RawPeer[] = [];

  beforeAll(async () => {
    listener = await listenRawPeer({ host: blk.addr(13) });
    bird = await startBird({
      routerId: '10.255.1.1', address: birdAddr, port: await freePort(),
      staticRoutes: [{ prefix: '198.51.100.0/24', communities: ['65000:99'] }],
      protocols: [
        ...[1, 2].map((n) => ({
          name: `raw${n}`, localAs: 65001, neighborAddress: blk.addr(10 + n), neighborAs: 65010, passive: true, holdTime: 30,
        })),
        // Active: BIRD connects to the listener.
        { name: 'raw3', localAs: 65001, neighborAddress: listener.host, neighborPort: listener.port, neighborAs: 4200000010 },
      ],
    });
  });

  afterAll(async () => {
    for (const p of peers) p.close();
    await listener?.close();
    await bird?.stop();
  });

  async function established(n: number): Promise<RawPeer> {
    // BIRD is passive; it may still be in its 1 s startup delay: retry the connect, bounded.
    const peer = await bird.waitFor(async () => {
      const p = await connectRawPeer({ host: birdAddr, port: bird.options.port, localAddress: blk.addr(10 + n) });
      peers.push(p);
      const open = await p.establish({ asn: 65010, bgpId: `10.255.1.${10 + n}`, holdTime: 90, timeoutMs: 3000 }).catch(() => null);
      if (open) return p;
      p.close();
      return undefined;
    }, { timeoutMs: 15_000, what: `raw${n} OPEN exchange`, intervalMs: 500 });
    await bird.waitEstablished(`raw${n}`, 5000);
    return peer;
  }

  it('exchanges OPEN and KEEPALIVE to Established and receives the exported route', async () => {
    const peer = await established(1);
    const p = await bird.protocol('raw1');
    expect(p).toMatchObject({ neighborAs: 65010, holdTime: 30, neighborId: '10.255.1.11' });
    const update = await peer.next((f) => f.message?.type === 'update' && f.message.nlri.length > 0, 5000);
    const msg = update.message as UpdateMessage;
    expect(msg.nlri.map((n) => n.prefix)).toEqual(['198.51.100.0/24']);
    expect(msg.attributes.communities).toEqual([65000 * 65536 + 99]);
    expect(msg.attributes.asPath).toEqual([{ type: 'sequence', asns: [65001] }]);
  });

  it('gets NOTIFICATION 1/1 from BIRD for a bad marker, then BIRD closes', async () => {
    const peer = await established(2);
    await peer.sendRaw(rawMessage(4, new Uint8Array(0), { marker: new Uint8Array(16).fill(0xfe) }));
    const n = await peer.next('notification', 5000);
    expect(n.message).toMatchObject({ type: 'notification', code: 1, subcode: 1 });
    await peer.waitClosed(5000);
    const p = await bird.waitFor(async (b) => {
      const x = await b.protocol('raw2');
      return x.bgpState !== 'Established' ? x : undefined;
    }, { timeoutMs: 5000, what: 'raw2 down' });
    expect(p.lastError ?? '').toMatch(/synchroni/i);
  });

  it('accepts a connection from BIRD, with a 4-octet AS, and BIRD records our Cease', async () => {
    const peer = await listener.accept(10_000);
    peers.push(peer);
    const open = await peer.establish({ asn: 4200000010, bgpId: '10.255.1.13' });
    expect(open).toMatchObject({ asn: 65001, bgpId: '10.255.1.1' });
    await bird.waitEstablished('raw3', 5000);
    expect((await bird.protocol('raw3')).neighborAs).toBe(4200000010);
    // Cease / Administrative Shutdown (RFC 4486), with a shutdown communication (RFC 9003).
    const text = new TextEncoder().encode('harness bye');
    await peer.send({ type: 'notification', code: 6, subcode: 2, data: new Uint8Array([text.length, ...text]) });
    const p = await bird.waitFor(async (b) => {
      const x = await b.protocol('raw3');
      return x.lastError ? x : undefined;
    }, { timeoutMs: 5000, what: 'raw3 last error' });
    expect(p.lastError).toMatch(/Administrative shutdown/i);
    expect(bird.logTail(10)).toContain('harness bye'); // the RFC 9003 text is logged, not in "Last error"
  });
});

describe('BIRD options: MD5 and graceful restart', () => {
  const started: RunningBird[] = [];
  const start = async (o: StartBirdOptions) => {
    const b = await startBird(o);
    started.push(b);
    return b;
  };
  afterEach(async () => {
    for (const b of started.splice(0)) await b.stop().catch(() => {});
  });

  function pair(password: { a: string; b: string }) {
    const blk = loopbackBlock();
    const [a, b] = [blk.addr(1), blk.addr(2)];
    return freePort().then(async (port) => ({
      restarting: await start({
        routerId: '10.255.2.1', address: a, port, staticRoutes: [{ prefix: '198.51.100.0/24' }],
        protocols: [{ name: 'helper', localAs: 65001, neighborAddress: b, neighborPort: port, neighborAs: 65002, password: password.a, extra: ['graceful restart on;'] }],
      }),
      helper: await start({
        routerId: '10.255.2.2', address: b, port,
        protocols: [{ name: 'restarting', localAs: 65002, neighborAddress: a, neighborPort: port, neighborAs: 65001, password: password.b, gracefulRestartAware: true, gracefulRestartTime: 30 }],
      }),
    }));
  }

  it('peers with MD5 and keeps the routes while a graceful-restart peer is away', async () => {
    const { restarting, helper } = await pair({ a: 'k3y', b: 'k3y' });
    const up = await helper.waitEstablished('restarting', 15_000);
    expect(up.neighborCapabilities).toHaveProperty('Graceful restart');
    await helper.waitFor(async (h) => (await h.routeCount('master4', 'restarting')) === 1, { timeoutMs: 5000, what: 'route at helper' });
    const route = (await helper.routes('master4', 'restarting'))[0]!;

    await restarting.stop({ hard: true }); // a crash: no Cease
    const gap = await helper.waitFor(async (h) => {
      const p = await h.protocol('restarting');
      return p.bgpState !== 'Established' ? p : undefined;
    }, { timeoutMs: 5000, what: 'session down at helper' });
    expect(gap.gracefulRestartActive).toBe(true);
    const kept = await helper.routes('master4', 'restarting');
    expect(kept.map((r) => [r.prefix, r.since])).toEqual([[route.prefix, route.since]]);
  });

  it('stays down with a wrong MD5 password and comes up once it matches', async () => {
    const { helper } = await pair({ a: 'k3y', b: 'wrong' });
    // The kernel drops the segments: no error, the session just never comes up.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await helper.protocol('restarting')).bgpState).not.toBe('Established');
    await helper.configure({ ...helper.options, protocols: [{ ...helper.options.protocols[0]!, password: 'k3y' }] });
    await helper.waitEstablished('restarting', 15_000);
  });
});

describe('BIRD text parsers on edge cases', () => {
  it('reads several paths per prefix, continuation lines, LLGR-stale flags and via lines', () => {
    const lines = [
      'Table master4:',
      '203.0.113.0/24       unicast [p1 1795765000 from 127.1.1.2] * (100/?) [AS65002i]',
      '\tvia 192.0.2.1 on eth0',
      '\tType: BGP univ',
      '\tBGP.as_path: 65002 {64512 64513}',
      '\tBGP.next_hop: 192.0.2.1',
      '\tBGP.community: (65002,1) (65002,2)',
      '\t\t(65002,3)',
      '                     unicast [p2 1795765001 from 127.1.1.3] (100s/?) [AS65003i]',
      '\tdev lo',
      '\tBGP.next_hop: 2001:db8::1 fe80::1',
      '\tBGP.large_community: (1, 2, 3) (4200000000, 5, 6)',
      '\tBGP.ext_community: (rt, 65000, 1)',
    ];
    const [a, b] = parseRoutes(lines);
    expect(a).toMatchObject({ prefix: '203.0.113.0/24', protocol: 'p1', primary: true, stale: false, nextHop: '192.0.2.1',
      asPath: [65002, 64512, 64513], communities: ['65002:1', '65002:2', '65002:3'] });
    expect(b).toMatchObject({ prefix: '203.0.113.0/24', protocol: 'p2', primary: false, stale: true, since: 1795765001,
      nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1', largeCommunities: ['1:2:3', '4200000000:5:6'], extCommunities: ['rt, 65000, 1'] });
    expect(parseRouteCount(['1 of 2 routes for 2 networks in table master4'])).toBe(1);
  });
});

describe('network namespaces', () => {
  let topo: NetnsTopology | undefined;
  const probe = resolve(import.meta.dirname, '../support/routers/netns-probe.ts');

  afterAll(async () => {
    await topo?.destroy();
  });

  it('creates a two-host topology, carries TCP across the veth both ways, and removes it all', async () => {
    topo = await createTopology();
    const names = (await run('ip', ['netns', 'list'])).stdout;
    expect(names).toContain(topo.ns('router'));
    expect(names).toContain(topo.ns('speaker'));
    const addr = await topo.exec('router', ['ip', '-o', 'addr', 'show', 'dev', 'eth0']);
    expect(addr.stdout).toContain('192.0.2.1/24');
    expect(addr.stdout).toContain('2001:db8::1/64');

    const port = 4179;
    const server = spawnInNetns(topo.ns('router'), [process.execPath, probe, 'listen', '::', String(port)]);
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('probe listener not ready')), 10_000);
        server.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && (clearTimeout(timer), ok()));
        server.once('exit', (code) => fail(new Error(`probe listener exited ${code}`)));
      });
      for (const [target, from] of [['192.0.2.1', '192.0.2.2'], ['2001:db8::1', '2001:db8::2']] as const) {
        const r = await runNodeInNetns(topo.ns('speaker'), probe, ['connect', target, String(port), '5']);
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, reply: 'ping', localAddress: expect.stringContaining(from) });
      }
      // No such host on the link: the probe fails (and the traffic stays in the namespaces).
      const miss = await runNodeInNetns(topo.ns('speaker'), probe, ['connect', '192.0.2.99', String(port), '1']);
      expect(miss.code).toBe(1);
    } finally {
      server.stdin!.end();
    }

    const ns = [topo.ns('router'), topo.ns('speaker')];
    await topo.destroy();
    topo = undefined;
    const after = (await run('ip', ['netns', 'list'])).stdout;
    for (const n of ns) expect(after).not.toContain(n);
  });

  it('runs GoBGP and BIRD in namespaces: a direct eBGP session and a route with a non-loopback next hop', async () => {
    topo = await createTopology();
    const gobgp = await startGobgp({
      netns: topo.ns('router'), as: 65002, routerId: '192.0.2.1', port: 179, addresses: ['192.0.2.1'],
      neighbors: [{ address: '192.0.2.2', peerAs: 65001, localAddress: '192.0.2.1' }],
    });
    const bird = await startBird({
      netns: topo.ns('speaker'), routerId: '192.0.2.2', address: '192.0.2.2', port: 179,
      staticRoutes: [{ prefix: '198.51.100.0/24', communities: ['65000:99'] }],
      protocols: [{ name: 'gobgp', localAs: 65001, neighborAddress: '192.0.2.1', neighborAs: 65002, multihop: false }],
    });
    try {
      await bird.waitEstablished('gobgp', 25_000);
      // Next hop self = 192.0.2.2, which GoBGP keeps (a 127/8 one it would drop).
      const paths = await gobgp.waitFor(async (g) => {
        const p = await g.adjIn('192.0.2.2', 'ipv4');
        return p.length ? p : undefined;
      }, { timeoutMs: 10_000, what: 'route at GoBGP' });
      expect(paths[0]).toMatchObject({ prefix: '198.51.100.0/24', nextHop: '192.0.2.2', communities: ['65000:99'] });
    } finally {
      await bird.stop();
      await gobgp.stop();
      await topo.destroy();
      topo = undefined;
    }
  });
});
