// Route changes applied one batch at a time (a desired-state delta): RouteChecker.update →
// AdjRibOut.update → UPDATE frames (RouteSender.update), and Session.updateRoutes before the
// session is up. Held to the full path: after any sequence of batches the Adj-RIB-Out is the one
// a full set of the resulting routes gives, and what went on the wire is the difference.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredRoute } from '../../../events/desired-state.ts';
import { createLogger } from '../../../events/log.ts';
import type { FamilyKey } from '../../../speaker/codec/context.ts';
import { decodeMessage } from '../../../speaker/codec/message.ts';
import type { Negotiated } from '../../../speaker/codec/negotiate.ts';
import type { UpdateMessage } from '../../../speaker/codec/types.ts';
import { AdjRibOut } from '../../../speaker/rib/adj-rib-out.ts';
import type { NextHopResult } from '../../../speaker/rib/next-hop.ts';
import { nextHopFor } from '../../../speaker/rib/next-hop.ts';
import { checkRoutes, RouteChecker } from '../../../speaker/rib/route-check.ts';
import { Session } from '../../../speaker/session/session.ts';
import { RouteSender } from '../../../speaker/session/session-routes.ts';
import { negotiatedContext, route } from '../../support/speaker.ts';

const ctx: Negotiated = negotiatedContext([1]);

const nextHops = (): Map<FamilyKey, NextHopResult> => new Map([['1/1', nextHopFor(1, { localAddress: '10.0.0.1', extendedNextHop: () => false })]]);

function pipeline() {
  const frames: Uint8Array[] = [];
  const rib = new AdjRibOut({ localAsn: 65001, internal: false, twoOctetPeer: false, nextHops: nextHops() });
  const sender = new RouteSender(rib, ctx, (bytes) => frames.push(bytes));
  const checker = new RouteChecker('1/1');
  const update = (upserts: DesiredRoute[], withdrawn: string[] = []) => {
    const c = checker.update(upserts, withdrawn);
    sender.update('1/1', c.upserts, c.withdrawn);
    return c;
  };
  return { frames, rib, sender, checker, update };
}

const decoded = (frames: Uint8Array[]) => frames.map((f) => decodeMessage(f, ctx) as UpdateMessage);
const announced = (frames: Uint8Array[]) => decoded(frames).flatMap((u) => u.nlri.map((n) => n.prefix));
const withdrawnOf = (frames: Uint8Array[]) => decoded(frames).flatMap((u) => u.withdrawn.map((n) => n.prefix));

describe('a batch of route changes', () => {
  const table = Array.from({ length: 1000 }, (_, i) => route(`10.${i >> 8}.${i & 255}.0/24`));

  it('encodes only the changed prefixes', () => {
    const p = pipeline();
    p.sender.set('1/1', p.checker.check(table).valid);
    p.frames.length = 0;
    p.update([route('10.200.0.0/24'), route('10.0.5.0/24', { communities: ['65000:1'] })], ['10.0.7.0/24']);
    expect(p.frames).toHaveLength(2); // one attribute set per UPDATE, the withdrawal rides with one of them
    expect(announced(p.frames).sort()).toEqual(['10.0.5.0/24', '10.200.0.0/24']);
    expect(withdrawnOf(p.frames)).toEqual(['10.0.7.0/24']);
    expect(p.rib.count('1/1')).toBe(1000);
  });

  it('an unchanged route and the withdrawal of an unknown prefix send nothing', () => {
    const p = pipeline();
    p.sender.set('1/1', p.checker.check(table).valid);
    p.frames.length = 0;
    const c = p.update([route('10.0.1.0/24')], ['192.0.2.0/24']);
    expect(c).toEqual({ upserts: [], withdrawn: [], rejected: [] });
    expect(p.frames).toEqual([]);
    expect(p.rib.count('1/1')).toBe(1000);
  });

  it('a bad route is reported and not sent; a good route turned bad is withdrawn', () => {
    const p = pipeline();
    p.sender.set('1/1', p.checker.check(table).valid);
    p.frames.length = 0;
    const c = p.update([route('10.0.0.0/33'), route('10.0.3.0/24', { communities: ['70000:1'] })]);
    expect(c.rejected.map((r) => r.prefix)).toEqual(['10.0.0.0/33', '10.0.3.0/24']);
    expect(announced(p.frames)).toEqual([]);
    expect(withdrawnOf(p.frames)).toEqual(['10.0.3.0/24']);
    expect(p.rib.count('1/1')).toBe(999);
    // Still held as bad: reported again when set again unchanged; withdrawing it is quiet.
    expect(p.update([route('10.0.0.0/33')]).rejected).toHaveLength(1);
    p.frames.length = 0;
    expect(p.update([], ['10.0.0.0/33'])).toEqual({ upserts: [], withdrawn: [], rejected: [] });
    expect(p.frames).toEqual([]);
  });

  it('the prefix is canonicalised on the way in and out (RFC 5952)', () => {
    const checker = new RouteChecker('2/1');
    expect(checker.update([route('2001:DB8::/32')], []).upserts.map((r) => r.prefix)).toEqual(['2001:db8::/32']);
    expect(checker.update([], ['2001:DB8::/32']).withdrawn).toEqual(['2001:db8::/32']);
  });

  it('routes changed before the session is up are in its first table', () => {
    const p = pipeline();
    p.checker.check(table.slice(0, 3));
    p.checker.update([route('10.9.9.0/24')], ['10.0.1.0/24']);
    p.sender.initial(new Map([['1/1', p.checker.valid()]]), false);
    expect(announced(p.frames).sort()).toEqual(['10.0.0.0/24', '10.0.2.0/24', '10.9.9.0/24']);
  });
});

describe('Session.updateRoutes', () => {
  it('holds the routes for the session to come and returns the bad ones', () => {
    const s = new Session(
      {
        name: 'r1',
        localAsn: 65001,
        routerId: '10.0.0.1',
        peerAddress: '192.0.2.1',
        peerPort: 179,
        peerAsn: 65000,
        localAddress: null,
        holdTimeS: 90,
        keepaliveS: 30,
        connectRetryS: 120,
        ebgpMultihop: 1,
        gtsm: false,
        families: [{ afi: 1, safi: 1 }],
        gracefulRestart: { enabled: false, restartTimeS: 120 },
      },
      { log: createLogger('test', 'silent') },
    );
    s.setRoutes('1/1', [route('10.0.0.0/24'), route('10.0.1.0/24')]);
    const rejected = s.updateRoutes('1/1', [route('10.0.2.0/24'), route('bogus')], ['10.0.0.0/24', '10.7.0.0/24']);
    expect(rejected.map((r) => r.prefix)).toEqual(['bogus']);
    expect(s.routes('1/1').map((r) => r.prefix)).toEqual(['10.0.1.0/24', '10.0.2.0/24']);
    expect(s.adjRibOut).toBeNull();
  });
});

// Canonical prefixes only (desired state is written canonical), plus two that are rejected.
const prefixes = ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.1/32', '192.168.0.0/16', '10.1.0.0/16', 'bogus', '10.0.0.0/33'];
const routeArb = fc
  .record({
    prefix: fc.constantFrom(...prefixes),
    communities: fc.subarray(['1:2', '65000:1', '70000:1']),
    largeCommunities: fc.subarray(['1:2:3', '65000:1:2']),
    localPreference: fc.constantFrom(null, 100),
    origin: fc.constantFrom('igp' as const, 'incomplete' as const),
  })
  .map((r): DesiredRoute => r);
type Op = { op: 'batch'; upserts: DesiredRoute[]; withdrawn: string[] } | { op: 'gshut'; on: boolean } | { op: 'full'; routes: DesiredRoute[] };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('batch' as const),
      upserts: fc.uniqueArray(routeArb, { maxLength: 4, selector: (r) => r.prefix }),
      withdrawn: fc.uniqueArray(fc.constantFrom(...prefixes), { maxLength: 3 }),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ op: fc.constant('gshut' as const), on: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('full' as const), routes: fc.uniqueArray(routeArb, { maxLength: 6, selector: (r) => r.prefix }) }), weight: 1 },
);

describe('batches against full sets of the same routes', () => {
  it('same Adj-RIB-Out; the wire carries exactly the difference', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const p = pipeline();
        const full = new AdjRibOut({ localAsn: 65001, internal: false, twoOctetPeer: false, nextHops: nextHops() });
        const model = new Map<string, DesiredRoute>();
        for (const o of ops) {
          const before = new Map(p.rib.table('1/1'));
          p.frames.length = 0;
          if (o.op === 'gshut') {
            p.sender.gracefulShutdown(o.on);
            full.setGracefulShutdown(o.on);
            continue;
          }
          if (o.op === 'full') {
            model.clear();
            for (const r of o.routes) model.set(r.prefix, r);
            p.sender.set('1/1', p.checker.check(o.routes).valid);
          } else {
            // Withdrawals first, then upserts: the order the batch is applied in.
            for (const w of o.withdrawn) model.delete(w);
            for (const r of o.upserts) model.set(r.prefix, r);
            const withdrawn = o.withdrawn.filter((w) => !o.upserts.some((r) => r.prefix === w));
            p.update(o.upserts.map((r) => structuredClone(r)), withdrawn);
          }
          full.set('1/1', checkRoutes('1/1', [...model.values()]).valid);
          const sorted = (m: ReadonlyMap<string, unknown>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
          expect(sorted(p.rib.table('1/1'))).toEqual(sorted(full.table('1/1')));
          const after = p.rib.table('1/1');
          const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k).sort();
          const gone = [...before.keys()].filter((k) => !after.has(k)).sort();
          expect(announced(p.frames).sort()).toEqual(changed);
          expect(withdrawnOf(p.frames).sort()).toEqual(gone);
        }
      }),
      { numRuns: 500 },
    );
  });
});
