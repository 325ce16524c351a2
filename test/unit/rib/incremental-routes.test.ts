// Session.setRoutes is incremental (route-check.ts RouteChecker, adj-rib-out.ts): these tests hold
// it to the full re-check and rebuild it replaced — the same Adj-RIB-Out, the same UPDATE octets,
// the same rejected routes — over random sequences of revisions, graceful shutdown toggles and
// route refreshes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredRoute } from '../../../events/desired-state.ts';
import { toTwoOctetPeer } from '../../../speaker/codec/as4.ts';
import type { FamilyKey } from '../../../speaker/codec/context.ts';
import { negotiatedContext } from '../../support/speaker.ts';
import type { Negotiated } from '../../../speaker/codec/negotiate.ts';
import { packUpdates } from '../../../speaker/codec/update-builder.ts';
import type { RouteAttributes, RouteChanges } from '../../../speaker/codec/update-plan.ts';
import { AdjRibOut, diffTables } from '../../../speaker/rib/adj-rib-out.ts';
import type { NextHopResult } from '../../../speaker/rib/next-hop.ts';
import { nextHopFor } from '../../../speaker/rib/next-hop.ts';
import { AttributeFactory } from '../../../speaker/rib/route-attributes.ts';
import { checkRoutes, RouteChecker } from '../../../speaker/rib/route-check.ts';
import { RouteSender } from '../../../speaker/session/session-routes.ts';

const ctx: Negotiated = negotiatedContext([1, 2]);

const families: FamilyKey[] = ['1/1', '2/1'];
const nextHops = (): Map<FamilyKey, NextHopResult> =>
  new Map([
    ['1/1', nextHopFor(1, { localAddress: '10.0.0.1', extendedNextHop: () => false })],
    ['2/1', nextHopFor(2, { localAddress: '10.0.0.1', extendedNextHop: () => true })],
  ]);

interface Facts {
  readonly localAsn: number;
  readonly internal: boolean;
  readonly twoOctetPeer: boolean;
}

/** The Adj-RIB-Out as it was: every route checked, attributed and tabled again on every set. */
class FullRebuild {
  readonly tables = new Map<FamilyKey, Map<string, RouteAttributes>>();
  readonly #desired = new Map<FamilyKey, readonly DesiredRoute[]>();
  readonly #factory: AttributeFactory;
  readonly #facts: Facts;
  readonly #nextHops = nextHops();
  readonly #converted = new WeakMap<RouteAttributes, RouteAttributes>();
  #gracefulShutdown = false;

  constructor(facts: Facts) {
    this.#facts = facts;
    this.#factory = new AttributeFactory(facts);
  }

  set(family: FamilyKey, routes: readonly DesiredRoute[]): RouteChanges {
    this.#desired.set(family, routes);
    const next = new Map<string, RouteAttributes>();
    const nh = this.#nextHops.get(family)!;
    if (!('unsent' in nh)) {
      for (const r of routes) {
        const a = this.#factory.build(r, nh.hop, { gracefulShutdown: this.#gracefulShutdown });
        next.set(r.prefix, this.#convert(a));
      }
    }
    const prev = this.tables.get(family) ?? new Map();
    this.tables.set(family, next);
    return diffTables(prev, next);
  }

  // Converted once per attribute object, as adj-rib-out.ts does.
  #convert(a: RouteAttributes): RouteAttributes {
    if (!this.#facts.twoOctetPeer) return a;
    if (!this.#converted.has(a)) this.#converted.set(a, toTwoOctetPeer(a) as RouteAttributes);
    return this.#converted.get(a)!;
  }

  gracefulShutdown(on: boolean): RouteChanges[] {
    this.#gracefulShutdown = on;
    return [...this.#desired].map(([f, routes]) => this.set(f, routes));
  }
}

const prefixes = [
  '10.0.0.0/24',
  '10.0.1.0/24',
  '10.0.2.1/32',
  '192.168.0.0/16',
  '2001:db8::/64',
  '2001:0db8:0:0::/64', // not canonical: the same route as the one above
  '2001:db8:1::/48',
  'bogus',
  '10.0.0.0/33',
];

const attrFields = {
  communities: fc.subarray(['1:2', '65000:1', '70000:1']),
  largeCommunities: fc.subarray(['1:2:3', '65000:1:2', '1:2']),
  localPreference: fc.constantFrom(null, 100, 200),
  origin: fc.constantFrom('igp' as const, 'incomplete' as const),
};
const attrsArb = fc.record(attrFields);
const routeArb = fc.tuple(fc.constantFrom(...prefixes), attrsArb).map(([prefix, a]): DesiredRoute => ({ prefix, ...a }));

type Op =
  | { op: 'set'; family: FamilyKey; routes: DesiredRoute[] }
  | { op: 'tweak'; family: FamilyKey; at: number; attrs: Partial<Omit<DesiredRoute, 'prefix'>> }
  | { op: 'same'; family: FamilyKey }
  | { op: 'gshut'; on: boolean }
  | { op: 'refresh'; family: FamilyKey };

const familyArb = fc.constantFrom(...families);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), family: familyArb, routes: fc.array(routeArb, { maxLength: 10 }) }),
  fc.record({ op: fc.constant('tweak' as const), family: familyArb, at: fc.nat(), attrs: fc.record(attrFields, { requiredKeys: [] }) }),
  fc.record({ op: fc.constant('same' as const), family: familyArb }),
  fc.record({ op: fc.constant('gshut' as const), on: fc.boolean() }),
  fc.record({ op: fc.constant('refresh' as const), family: familyArb }),
);

const hex = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('hex'));
// Desired state arrives decoded afresh: new objects with the same content.
const fresh = (routes: readonly DesiredRoute[]) => routes.map((r) => structuredClone(r) as DesiredRoute);

describe('incremental setRoutes against a full rebuild', () => {
  it('same Adj-RIB-Out, same UPDATEs, same rejected routes', () => {
    fc.assert(
      fc.property(
        fc.record({ localAsn: fc.constantFrom(65001, 4200000001), internal: fc.boolean(), twoOctetPeer: fc.boolean() }),
        fc.array(opArb, { maxLength: 25 }),
        (facts, ops) => {
          const sent: Uint8Array[] = [];
          const rib = new AdjRibOut({ ...facts, nextHops: nextHops() });
          const sender = new RouteSender(rib, ctx, (bytes) => sent.push(bytes));
          const checkers = new Map(families.map((f) => [f, new RouteChecker(f)]));
          const full = new FullRebuild(facts);
          const lists = new Map<FamilyKey, DesiredRoute[]>(families.map((f) => [f, []]));

          const setRoutes = (family: FamilyKey, routes: DesiredRoute[]) => {
            lists.set(family, routes);
            const { valid, rejected } = checkers.get(family)!.check(fresh(routes));
            const expected = checkRoutes(family, routes);
            expect(valid).toEqual(expected.valid);
            expect(rejected).toEqual(expected.rejected);
            sender.set(family, valid);
            return [full.set(family, expected.valid)];
          };

          for (const o of ops) {
            sent.length = 0;
            let want: RouteChanges[];
            if (o.op === 'set') want = setRoutes(o.family, o.routes);
            else if (o.op === 'same') want = setRoutes(o.family, lists.get(o.family)!);
            else if (o.op === 'tweak') {
              const routes = [...lists.get(o.family)!];
              if (routes.length > 0) {
                const i = o.at % routes.length;
                routes[i] = { ...routes[i]!, ...o.attrs };
              }
              want = setRoutes(o.family, routes);
            } else if (o.op === 'gshut') {
              sender.gracefulShutdown(o.on);
              want = full.gracefulShutdown(o.on);
            } else {
              sender.refresh(o.family);
              want = [{ announce: [...(full.tables.get(o.family) ?? new Map())].map(([prefix, attributes]) => ({ prefix, attributes })) }];
            }
            expect(hex(sent)).toEqual(hex(want.flatMap((c) => packUpdates(c, ctx))));
            for (const f of families) expect([...rib.table(f)]).toEqual([...(full.tables.get(f) ?? new Map())]);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('RouteChecker', () => {
  const r = (prefix: string, communities: string[] = []): DesiredRoute => ({
    prefix,
    communities,
    largeCommunities: [],
    localPreference: null,
    origin: 'igp',
  });

  it('hands back the object of an unchanged route, a new one for a changed route', () => {
    const c = new RouteChecker('1/1');
    const first = c.check([r('10.0.0.0/24'), r('10.0.1.0/24')]).valid;
    const second = c.check([r('10.0.0.0/24'), r('10.0.1.0/24', ['1:2'])]).valid;
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]!.communities).toEqual(['1:2']);
  });

  it('matches by prefix when the order changed', () => {
    const c = new RouteChecker('2/1');
    const first = c.check([r('2001:0db8::/64'), r('2001:db8:1::/64')]).valid;
    const second = c.check([r('2001:db8:2::/64'), r('2001:db8:1::/64'), r('2001:0db8::/64')]).valid;
    expect(second.map((x) => x.prefix)).toEqual(['2001:db8:2::/64', '2001:db8:1::/64', '2001:db8::/64']);
    expect(second[1]).toBe(first[1]);
    expect(second[2]).toBe(first[0]);
  });

  it('reports a bad route on every revision that still has it', () => {
    const c = new RouteChecker('1/1');
    const list = () => [r('10.0.0.0/24'), r('10.0.1.0/24', ['70000:1'])];
    const first = c.check(list());
    const second = c.check(list());
    expect(first.rejected).toHaveLength(1);
    expect(second.rejected).toEqual(first.rejected);
    expect(second.valid.map((x) => x.prefix)).toEqual(['10.0.0.0/24']);
  });
});
