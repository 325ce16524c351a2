// NodeWorker.applyDelta: route changes reach the session of their slot without touching the rest;
// a new sessions part is reconciled by the same rules as a whole document (a peer whose settings
// changed is replaced and starts with its current routes, a new peer or instance starts with the
// routes the delta brings, a peer kept in place keeps its session and routes); the whole document
// is put together on demand. Sessions connect through a Connect action that fails at once without
// a network (test/support/speaker.ts refusedConnect): nothing is ever established.

import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredDelta, DesiredRouteChange } from '../../../events/desired-delta.ts';
import type { DesiredInstance, DesiredNodeState, DesiredPeer, DesiredRoute } from '../../../events/desired-state.ts';
import { createLogger } from '../../../events/log.ts';
import { NodeWorker } from '../../../speaker/worker/node-worker.ts';
import { peerConfig, refusedConnect, route } from '../../support/speaker.ts';

const log = createLogger('test', 'silent');

function peer(name: string, routes: DesiredRoute[] = [], holdTimeSeconds = 9): DesiredPeer {
  return {
    name,
    peerAddress: '127.0.0.1',
    peerASN: 65000,
    localAddress: null,
    config: peerConfig({ peerPort: 1 /* closed: connecting fails at once */, holdTimeSeconds, keepAliveTimeSeconds: 3 }),
    families: [{ afi: 'ipv4', safi: 'unicast', routes }],
  };
}

const instance = (name: string, peers: DesiredPeer[]): DesiredInstance => ({ name, localASN: 64000, routerID: '10.0.0.1', localPort: null, peers });
const doc = (instances: DesiredInstance[]): DesiredNodeState => ({ node: 'n1', instances });
const sessionsOnly = (d: DesiredNodeState): DesiredNodeState => ({
  ...d,
  instances: d.instances.map((i) => ({ ...i, peers: i.peers.map((p) => ({ ...p, families: p.families.map((f) => ({ ...f, routes: [] })) })) })),
});
const change = (inst: string, p: string, prefix: string, r: DesiredRoute | null = route(prefix)): DesiredRouteChange => ({
  instance: inst,
  peer: p,
  afi: 'ipv4',
  prefix,
  route: r,
});
const delta = (revision: number, routes: DesiredRouteChange[], sessions: DesiredNodeState | null = null): DesiredDelta => ({
  node: 'n1',
  epoch: 'e1',
  revision,
  previous: revision - 1,
  sessions,
  routes,
  truncated: false,
});

let worker: NodeWorker | null = null;
afterEach(async () => {
  await worker?.stop();
  worker = null;
});

function start(): NodeWorker {
  worker = new NodeWorker({ node: 'n1', log, passwords: () => null, speaker: { backoff: { baseMs: 60_000, factor: 2, maxMs: 60_000, stableMs: 60_000 }, connect: refusedConnect } });
  return worker;
}

const session = (w: NodeWorker, inst: string, p: string) => w.instances().find((i) => i.instance.name === inst)!.speaker.session(p)!;
const prefixes = (w: NodeWorker, inst: string, p: string) => session(w, inst, p).routes('1/1').map((r) => r.prefix).sort();

describe('NodeWorker.applyDelta', () => {
  it('route changes reach their session; the document is the same as a whole read would give', async () => {
    const w = start();
    await w.apply(doc([instance('i1', [peer('r1', [route('10.0.0.0/24'), route('10.0.1.0/24')])])]), 1);
    const s = session(w, 'i1', 'r1');
    await w.applyDelta(delta(2, [change('i1', 'r1', '10.0.2.0/24'), change('i1', 'r1', '10.0.0.0/24', null), change('i1', 'r1', '10.9.9.9/32', null)]));
    expect(session(w, 'i1', 'r1')).toBe(s);
    expect(prefixes(w, 'i1', 'r1')).toEqual(['10.0.1.0/24', '10.0.2.0/24']);
    expect(w.revision).toBe(2);
    expect(w.desired).toEqual({ ...doc([instance('i1', [peer('r1', [route('10.0.1.0/24'), route('10.0.2.0/24')])])]), revision: 2 });
    expect([...w.routes('i1', 'r1', 'ipv4').keys()]).toEqual(['10.0.1.0/24', '10.0.2.0/24']);
  });

  it('a route naming no peer family is left out', async () => {
    const w = start();
    await w.apply(doc([instance('i1', [peer('r1')])]), 1);
    await w.applyDelta(delta(2, [change('i1', 'nobody', '10.0.0.0/24'), change('i1', 'r1', '10.0.1.0/24')]));
    expect(prefixes(w, 'i1', 'r1')).toEqual(['10.0.1.0/24']);
    expect(w.desired!.instances[0]!.peers.map((p) => p.name)).toEqual(['r1']);
  });

  it('a new sessions part: changed peer replaced with its routes, new peer and instance with theirs, the rest kept', async () => {
    const w = start();
    const routes1 = [route('10.0.0.0/24'), route('10.0.1.0/24')];
    await w.apply(doc([instance('i1', [peer('keep', routes1), peer('timers', routes1), peer('gone', routes1)])]), 1);
    const kept = session(w, 'i1', 'keep');
    const before = session(w, 'i1', 'timers');
    const next = doc([
      instance('i1', [peer('keep'), peer('new'), peer('timers', [], 30)]),
      instance('i2', [peer('r2')]),
    ]);
    await w.applyDelta(
      delta(
        2,
        [
          change('i1', 'keep', '10.0.2.0/24'),
          change('i1', 'new', '10.1.0.0/24'),
          change('i2', 'r2', '10.2.0.0/24'),
          change('i1', 'gone', '10.0.0.0/24', null),
          change('i1', 'gone', '10.0.1.0/24', null),
        ],
        sessionsOnly(next),
      ),
    );
    expect(session(w, 'i1', 'keep')).toBe(kept);
    expect(prefixes(w, 'i1', 'keep')).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
    const after = session(w, 'i1', 'timers');
    expect(after).not.toBe(before);
    expect(after.config.holdTimeS).toBe(30);
    expect(prefixes(w, 'i1', 'timers')).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
    expect(prefixes(w, 'i1', 'new')).toEqual(['10.1.0.0/24']);
    expect(prefixes(w, 'i2', 'r2')).toEqual(['10.2.0.0/24']);
    expect(w.instances()[0]!.speaker.session('gone')).toBeUndefined();
    // The status sees the sessions part; the routes come from the table.
    expect(w.instances()[0]!.instance.peers.map((p) => p.name)).toEqual(['keep', 'new', 'timers']);
    expect(w.desired!.instances[0]!.peers[0]!.families[0]!.routes.map((r) => r.prefix)).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
  });

  it('an instance whose router ID changed is replaced, its sessions starting with their routes', async () => {
    const w = start();
    await w.apply(doc([instance('i1', [peer('r1', [route('10.0.0.0/24')])])]), 1);
    const old = w.instances()[0]!.speaker;
    const next = doc([{ ...instance('i1', [peer('r1')]), routerID: '10.0.0.2' }]);
    await w.applyDelta(delta(2, [], next));
    expect(w.instances()[0]!.speaker).not.toBe(old);
    expect(prefixes(w, 'i1', 'r1')).toEqual(['10.0.0.0/24']);
  });

  it('a whole document after deltas replaces the table', async () => {
    const w = start();
    await w.apply(doc([instance('i1', [peer('r1', [route('10.0.0.0/24')])])]), 1);
    await w.applyDelta(delta(2, [change('i1', 'r1', '10.0.1.0/24')]));
    await w.apply(doc([instance('i1', [peer('r1', [route('10.0.5.0/24')])])]), 7);
    expect(prefixes(w, 'i1', 'r1')).toEqual(['10.0.5.0/24']);
    expect([...w.routes('i1', 'r1', 'ipv4').keys()]).toEqual(['10.0.5.0/24']);
    expect(w.revision).toBe(7);
  });
});
