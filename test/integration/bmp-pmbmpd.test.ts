// BMP export against a real station, pmacct's pmbmpd, with a real router, BIRD: what pmbmpd logs of
// the post-policy Adj-RIB-Out (RFC 8671) equals what BIRD received — after the first table and
// after a change; each way a session ends gets its Peer Down reason (RFC 7854 §4.9); a station
// restarted mid-run is reconnected and resynchronised while BGP goes on untouched.

import { DEFAULT_NEXT_HOP } from '../../events/desired-state.ts';
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DesiredDelta } from '../../events/desired-delta.ts';
import { routeField, routeValue, sessionsOf } from '../../events/desired-delta.ts';
import type { DesiredNodeState, DesiredRoute } from '../../events/desired-state.ts';
import { nodeKeys } from '../../events/redis-keys.ts';
import { freePort } from '../../infra/local/procs.ts';
import { BmpClient } from '../../speaker/bmp/client.ts';
import { decodeMessage } from '../../speaker/codec/message.ts';
import { defaultContext } from '../../speaker/codec/context.ts';
import type { Speaker } from '../../speaker/speaker.ts';
import type { SessionDownEvent, SessionUpEvent, WireEvent } from '../../speaker/tap/wire-events.ts';
import { WireTaps } from '../../speaker/tap/wire-taps.ts';
import { repoRoot } from '../support/cli.ts';
import type { BirdRoute, RunningBird } from '../support/routers/bird.ts';
import { startBird } from '../support/routers/bird.ts';
import { loopbackBlock, runOk } from '../support/routers/common.ts';
import type { PmbmpdRecord, PmbmpdRoute, RunningPmbmpd } from '../support/routers/pmbmpd.ts';
import { pmbmpdConnections, pmbmpdRoutes, startPmbmpd } from '../support/routers/pmbmpd.ts';
import { established, peer, route, startSpeaker, waitSession } from '../support/speaker.ts';
import { quiet } from './pipeline-support.ts';

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => {});
});

/** BIRD's routes of a protocol in the form pmbmpd's are folded to. */
async function birdView(bird: RunningBird, protocol: string): Promise<Map<string, PmbmpdRoute>> {
  const routes: BirdRoute[] = await bird.routes('master4', protocol);
  return new Map(
    routes.map((r) => [
      r.prefix,
      { prefix: r.prefix, nextHop: r.nextHop ?? '', asPath: r.asPath, communities: [...r.communities].sort(), largeCommunities: [...r.largeCommunities].sort(), origin: r.origin ?? 'igp' },
    ]),
  );
}

/** Our local port of the established TCP connection to `remote`:`remotePort`, as the kernel has it. */
async function localPortTo(local: string, remote: string, remotePort: number): Promise<number> {
  const out = await runOk('ss', ['-Htn', 'state', 'established', 'src', local, 'dst', `${remote}:${remotePort}`]);
  const m = /\s\S+:(\d+)\s+\S+:\d+\s*$/m.exec(out.trim());
  if (!m) throw new Error(`no established connection ${local} → ${remote}:${remotePort}:\n${out}`);
  return Number(m[1]);
}

const sorted = (rib: Map<string, PmbmpdRoute>) =>
  new Map([...rib].map(([k, r]) => [k, { ...r, communities: [...r.communities].sort(), largeCommunities: [...r.largeCommunities].sort() }]));

const lastConnection = (records: PmbmpdRecord[]) => pmbmpdConnections(records).at(-1) ?? [];
const ofType = (records: readonly PmbmpdRecord[], type: string) => records.filter((r) => r.bmp_msg_type === type);

/**
 * Once BIRD's routes from us are `expected` (prefix → communities), pmbmpd's view of the peer's
 * Adj-RIB-Out in its last connection equals them, attribute for attribute.
 */
async function sameAsBird(station: RunningPmbmpd, bird: RunningBird, protocol: string, peerIp: string, expected: Record<string, readonly string[]>, what: string) {
  const want = await bird.waitFor(
    async () => {
      const view = await birdView(bird, protocol);
      const seen = Object.fromEntries([...view].map(([k, r]) => [k, r.communities]));
      return JSON.stringify(Object.entries(seen).sort()) === JSON.stringify(Object.entries(expected).sort()) ? view : false;
    },
    { timeoutMs: 15_000, what: `BIRD: ${what}` },
  );
  await station.waitFor(
    () => {
      const got = sorted(pmbmpdRoutes(lastConnection(station.records()), peerIp));
      return JSON.stringify([...got].sort()) === JSON.stringify([...want].sort());
    },
    { timeoutMs: 15_000, what: `pmbmpd: ${what}` },
  );
  return want;
}

describe('bgpcast speaker --bmp: pmbmpd logs what BIRD received', () => {
  const NODE = 'worker1';
  let redis: Redis;
  let prefix: string;
  let revision = 0;

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
    prefix = `test-${randomUUID().slice(0, 8)}`;
  });
  afterAll(async () => {
    await redis?.quit();
  });

  function desired(addr: { router: string; node: string }, port: number): DesiredNodeState {
    const config = { peerPort: port, holdTimeSeconds: 9, keepAliveTimeSeconds: 3, connectRetryTimeSeconds: 2, ebgpMultihop: 1, gracefulRestart: { enabled: true, restartTimeSeconds: 60 }, authSecretRef: null, gtsm: false, maxPrefixes: null, nextHop: DEFAULT_NEXT_HOP };
    const peers = [{ name: 'router', peerAddress: addr.router, peerASN: 65000, localAddress: addr.node, config, families: [{ afi: 'ipv4' as const, safi: 'unicast' as const, routes: [] }] }];
    return { node: NODE, instances: [{ name: 'default', localASN: 64000, routerID: addr.node, localPort: null, peers }] };
  }

  /** A write as the functions' compare-and-set script makes it (see worker-delta.test.ts). */
  async function write(routes: { prefix: string; route: DesiredRoute | null }[], sessions?: DesiredNodeState) {
    const keys = nodeKeys(prefix, NODE);
    const m = redis.multi();
    const changes = routes.map((r) => ({ instance: 'default', peer: 'router', afi: 'ipv4' as const, ...r }));
    for (const c of changes) {
      if (c.route) m.hset(keys.desiredRoutes, routeField(c, c.prefix), routeValue(c.route));
      else m.hdel(keys.desiredRoutes, routeField(c, c.prefix));
    }
    if (sessions) m.hset(keys.desired, 'sessions', JSON.stringify(sessionsOf(sessions)));
    revision += 1;
    m.hset(keys.desired, 'revision', String(revision), 'updatedAt', new Date().toISOString());
    const delta: DesiredDelta = { node: NODE, epoch: '', revision, previous: revision - 1, sessions: null, routes: changes, truncated: false };
    if (!sessions) m.publish(keys.desiredChanged, JSON.stringify(delta));
    await m.exec();
  }

  function speakerCli(station: RunningPmbmpd): { child: ChildProcess; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), 'speaker', '--node', NODE, '--bmp', `127.0.0.1:${station.port}`, '--telemetry', '127.0.0.1:0'], {
      cwd: repoRoot,
      env: { ...process.env, BGPCAST_REDIS_URL: inject('redisUrl'), BGPCAST_REDIS_PREFIX: prefix, BGPCAST_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { child, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
  }

  it('Peer Up with both ends of the session, the table and a change as Route Monitoring, Peer Down and Termination on SIGTERM', { timeout: 90_000 }, async () => {
    const block = loopbackBlock();
    const addr = { router: block.addr(5), node: block.addr(11) };
    const port = await freePort();
    const station = await startPmbmpd();
    running.push(station);
    const bird = await startBird({
      routerId: addr.router,
      address: addr.router,
      port,
      protocols: [{ name: 'node', localAs: 65000, neighborAddress: addr.node, neighborAs: 64000, passive: true, holdTime: 9, keepaliveTime: 3, gracefulRestartAware: true, ipv6: false }],
    });
    running.push(bird);
    const add = (p: string, extra: Partial<DesiredRoute> = {}) => ({ prefix: p, route: route(p, extra) });
    await write(
      [add('10.60.0.0/24', { communities: ['64000:1', '64000:100'] }), add('10.60.1.0/24', { largeCommunities: ['64000:1:2'], origin: 'incomplete' }), add('10.60.2.1/32')],
      desired(addr, port),
    );
    const s = speakerCli(station);
    try {
      await bird.waitEstablished('node', 30_000);
      const first = await sameAsBird(station, bird, 'node', addr.router, { '10.60.0.0/24': ['64000:1', '64000:100'], '10.60.1.0/24': [], '10.60.2.1/32': [] }, 'the first table');
      expect(first.get('10.60.1.0/24')).toMatchObject({ largeCommunities: ['64000:1:2'], origin: 'incomplete', asPath: [64000], nextHop: addr.node });
      const conn = lastConnection(station.records());
      expect(ofType(conn, 'init')[0]).toMatchObject({ bmp_init_info_sysname: hostname(), bmp_init_info_sysdescr: `bgpcast speaker for ${NODE}` });
      expect(ofType(conn, 'peer_up')).toEqual([
        expect.objectContaining({
          peer_ip: addr.router,
          peer_asn: 65000,
          bgp_id: addr.router,
          local_ip: addr.node,
          remote_port: port,
          local_port: await localPortTo(addr.node, addr.router, port),
          is_out: 1,
          is_post: 1,
          bmp_peer_up_info_string: `node ${NODE}, instance default, peer router`,
        }),
      ]);

      // A delta: one route withdrawn, one added, one with new communities.
      await write([{ prefix: '10.60.2.1/32', route: null }, add('10.60.3.0/24'), add('10.60.0.0/24', { communities: ['64000:2'] })]);
      await sameAsBird(station, bird, 'node', addr.router, { '10.60.0.0/24': ['64000:2'], '10.60.1.0/24': [], '10.60.3.0/24': [] }, 'the changed table');

      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      const end = await station.waitFor((r) => (ofType(lastConnection(r), 'term').length > 0 ? lastConnection(r) : false), { timeoutMs: 10_000, what: 'Termination' });
      // Graceful restart without the N-bit (BIRD 2.0.12 sends none): closed without a NOTIFICATION.
      expect(ofType(end, 'peer_down')).toEqual([expect.objectContaining({ peer_ip: addr.router, reason_type: 2 })]);
      expect(ofType(end, 'term')[0]).toMatchObject({ bmp_term_info_reason: 'Session administratively closed' });
      expect(end.at(-1)?.event_type).toBe('log_close');
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});

describe('a speaker with a BMP client, in process', () => {
  async function setup(o: { holdTime?: number; routes?: DesiredRoute[]; backoff?: { baseMs: number; factor: number; maxMs: number; stableMs: number } } = {}) {
    const block = loopbackBlock();
    const addr = { bird: block.addr(1), ours: block.addr(2) };
    const port = await freePort();
    const station = await startPmbmpd();
    running.push(station);
    const bird = await startBird({
      routerId: addr.bird,
      address: addr.bird,
      port,
      protocols: [{ name: 'speaker', localAs: 65000, neighborAddress: addr.ours, neighborPort: 1, neighborAs: 65001, passive: true, holdTime: o.holdTime ?? 9, keepaliveTime: 1, ipv6: false }],
    });
    running.push(bird);
    const taps = new WireTaps();
    const events: WireEvent[] = [];
    taps.attach({ deliver: (b) => void events.push(...b) });
    const client = new BmpClient({ host: '127.0.0.1', port: station.port, taps, log: quiet('bmp'), sysName: 'test', sysDescr: 'bgpcast test', ...(o.backoff ? { backoff: o.backoff } : {}) });
    client.start();
    running.push({ stop: () => client.stop() });
    const speaker: Speaker = await startSpeaker({ localASN: 65001, wire: { taps } });
    running.push(speaker);
    const spec = {
      peerAddress: addr.bird,
      peerPort: port,
      peerASN: 65000,
      localAddress: addr.ours,
      holdTime: o.holdTime ?? 9,
      keepalive: 1,
      ipv4: o.routes ?? [route('10.70.0.0/24', { communities: ['65001:1'] }), route('10.70.1.0/24')],
    };
    await speaker.setPeers([peer(spec)]);
    await waitSession(speaker, 'router', established, 15_000);
    return { addr, port, station, bird, taps, events, client, speaker, spec };
  }

  const downs = (events: WireEvent[]) => events.filter((e): e is SessionDownEvent => e.kind === 'down');
  const peerDowns = (station: RunningPmbmpd) => ofType(station.records(), 'peer_down');

  it('each way a session ends gets its reason: the peer\'s NOTIFICATION 3, our hold timer 1, a dead peer 4, de-configured 5', { timeout: 120_000 }, async () => {
    const l = await setup({ holdTime: 3 });
    await sameAsBird(l.station, l.bird, 'speaker', l.addr.bird, { '10.70.0.0/24': ['65001:1'], '10.70.1.0/24': [] }, 'the table');
    // The session as the wire tap saw it come up: both OPENs as they went on the wire, both ends.
    const up = l.events.find((e): e is SessionUpEvent => e.kind === 'up')!;
    expect(decodeMessage(up.sentOpen.bytes, defaultContext)).toEqual(up.sentOpen.message);
    expect(decodeMessage(up.receivedOpen.bytes, defaultContext)).toMatchObject({ type: 'open', asn: 65000, bgpId: l.addr.bird });
    expect(up.remote).toEqual({ address: l.addr.bird, port: l.port });
    expect(up.local).toEqual({ address: l.addr.ours, port: await localPortTo(l.addr.ours, l.addr.bird, l.port) });

    const nth = (n: number, what: string) => l.station.waitFor((r) => (ofType(r, 'peer_down').length >= n ? ofType(r, 'peer_down')[n - 1] : false), { timeoutMs: 20_000, what });
    const reup = (n: number) => l.station.waitFor((r) => ofType(r, 'peer_up').length >= n, { timeoutMs: 30_000, what: `Peer Up #${n}` });

    await l.bird.birdc('disable speaker'); // Cease / Administrative Shutdown from BIRD
    expect(await nth(1, 'Peer Down after BIRD disabled the session')).toMatchObject({ reason_type: 3 });
    expect(downs(l.events)[0]).toMatchObject({ cause: { by: 'remote', reason: 'notification' }, notification: { direction: 'received', message: { code: 6, subcode: 2 } } });
    await l.bird.birdc('enable speaker');
    await reup(2);

    process.kill(l.bird.pid, 'SIGSTOP'); // BIRD falls silent: our hold timer (3 s) expires
    try {
      expect(await nth(2, 'Peer Down after our hold timer')).toMatchObject({ reason_type: 1 });
    } finally {
      process.kill(l.bird.pid, 'SIGCONT');
    }
    expect(downs(l.events)[1]).toMatchObject({ cause: { by: 'local', reason: 'hold-timer-expired' }, notification: { direction: 'sent', message: { code: 4, subcode: 0 } } });
    await reup(3);

    await l.bird.restart({ hard: true }); // killed: the connection just closes
    expect(await nth(3, 'Peer Down after BIRD was killed')).toMatchObject({ reason_type: 4 });
    expect(downs(l.events)[2]).toMatchObject({ cause: { by: 'remote', reason: 'connection-closed' }, notification: null });
    await reup(4);

    await l.speaker.setPeers([]); // de-configured: Cease / Peer De-configured to BIRD, reason 5 to the station
    expect(await nth(4, 'Peer Down after the peer was de-configured')).toMatchObject({ reason_type: 5 });
    expect(downs(l.events)[3]).toMatchObject({ cause: { by: 'local', reason: 'de-configured' }, notification: { direction: 'sent', message: { code: 6, subcode: 3 } } });
    expect(peerDowns(l.station)).toHaveLength(4);
  });

  it('a station restarted mid-run: reconnected, Initiation, Peer Up and the whole Adj-RIB-Out again — BGP untouched', { timeout: 90_000 }, async () => {
    const table = Array.from({ length: 2000 }, (_, i) => route(`10.80.${i >> 8}.${i & 255}/32`, { communities: [`65001:${i % 7}`] }));
    const l = await setup({ routes: table, backoff: { baseMs: 200, factor: 2, maxMs: 2000, stableMs: 60_000 } });
    const all = Object.fromEntries(table.map((r) => [r.prefix, r.communities]));
    await sameAsBird(l.station, l.bird, 'speaker', l.addr.bird, all, 'the 2000 routes');
    const before = await l.bird.protocol('speaker');

    // The station goes away; routes change while it is gone (the BMP client has nowhere to send them).
    await l.station.kill();
    l.speaker.updateRoutes('router', 'ipv4', [route('10.81.0.0/24')], table.slice(0, 10).map((r) => r.prefix));
    await l.bird.waitFor(async (b) => (await b.routeCount('master4', 'speaker')) === 1991, { timeoutMs: 10_000, what: 'the change at BIRD' });
    const sent = l.speaker.status()[0]!.messages.sent.update;
    const bgpBefore = await l.bird.protocol('speaker');

    await l.station.start();
    const changed: Record<string, readonly string[]> = { ...all, '10.81.0.0/24': [] };
    for (const r of table.slice(0, 10)) delete changed[r.prefix];
    const resynced = await sameAsBird(l.station, l.bird, 'speaker', l.addr.bird, changed, 'the whole table again at the restarted pmbmpd');
    expect(resynced.size).toBe(1991);
    const conn = lastConnection(l.station.records());
    expect(conn.map((r) => r.bmp_msg_type ?? r.event_type).slice(0, 3)).toEqual(['log_init', 'init', 'peer_up']);
    expect(ofType(conn, 'route_monitor').filter((r) => r['log_type'] === 'update')).toHaveLength(1991);
    expect(l.client.stats.connections).toBe(2);

    // BGP saw nothing of it: the same session, not one more UPDATE to BIRD.
    const after = await l.bird.protocol('speaker');
    expect(after.bgpState).toBe('Established');
    expect(after.since).toBe(before.since);
    expect(after.channels['ipv4']!.importUpdates).toEqual(bgpBefore.channels['ipv4']!.importUpdates);
    expect(await l.bird.routeCount('master4', 'speaker')).toBe(1991);
    expect(l.speaker.status()[0]!.messages.sent.update).toBe(sent);
    expect(l.speaker.status()[0]!.establishedCount).toBe(1);
  });
});
