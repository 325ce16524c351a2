// Property: for any set of route changes, the packed UPDATEs decode back to exactly those
// changes (as a set, each route once, with its own attributes), every message within the
// session maximum and about one address family — on 2- and 4-octet sessions, with and without
// ADD-PATH and extended messages.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6 } from '../../../speaker/codec/ip.ts';
import { packUpdates } from '../../../speaker/codec/update-builder.ts';
import type { RouteAttributes } from '../../../speaker/codec/update-builder.ts';
import { pathAttributes } from './update-arbitraries.ts';
import { ctxOf, expectedAttributes, routeKey, unpack } from './update-builder-support.ts';

const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b));

/** Any attributes we can send, with MP next hops for the routes that need them. */
const routeAttributes = (fourOctetAs: boolean): fc.Arbitrary<RouteAttributes> =>
  fc.tuple(pathAttributes({ fourOctetAs, addPath: false }), fc.array(ipv6, { minLength: 1, maxLength: 2 })).map(([a, mpNextHops]) => {
    const { mpReach: _r, mpUnreach: _u, ...rest } = a;
    return { ...rest, mpNextHops };
  });

interface Route {
  afi: 1 | 2;
  /** Prefix length; host routes (/32, /128) most often, as for Services. */
  length: number;
  /** The address, modulo the scenario's pool size, so that routes repeat now and then. */
  seed: number;
  pathId: number | undefined;
  /** Which attribute set, modulo their count. */
  set: number;
}

const route: fc.Arbitrary<Route> = fc.constantFrom(1, 2).chain((afi) =>
  fc.record({
    afi: fc.constant(afi as 1 | 2),
    length: fc.oneof({ arbitrary: fc.constant(afi === 1 ? 32 : 128), weight: 3 }, { arbitrary: fc.nat({ max: afi === 1 ? 32 : 128 }), weight: 1 }),
    seed: fc.nat(),
    pathId: fc.option(fc.nat(), { nil: undefined }),
    set: fc.nat(),
  }),
);

/** A canonical prefix (host bits clear) whose address is spread from `seed`. */
function prefixOf(afi: 1 | 2, seed: number, length: number): string {
  const b = new Uint8Array(afi === 1 ? 4 : 16);
  const view = new DataView(b.buffer);
  for (let i = 0; i < b.length; i += 4) view.setUint32(i, Math.imul(seed + i + 1, 2654435761) >>> 0);
  for (let i = 0; i < b.length; i++) b[i]! &= (0xff << (8 - Math.max(0, Math.min(8, length - 8 * i)))) & 0xff;
  return `${afi === 1 ? formatIPv4(b) : formatIPv6(b)}/${length}`;
}

const scenario = fc
  .record({ fourOctetAs: fc.boolean(), addPath4: fc.boolean(), addPath6: fc.boolean(), extended: fc.constantFrom(false, false, false, true) })
  .chain((o) =>
    fc.record({
      o: fc.constant(o),
      sets: fc.array(routeAttributes(o.fourOctetAs), { minLength: 1, maxLength: 3 }),
      pool: fc.integer({ min: 1, max: 5000 }),
      announce: fc.array(route, { maxLength: 3000, size: 'max' }),
      withdraw: fc.array(route, { maxLength: 1000, size: 'max' }),
    }),
  );

describe('packUpdates: decode ∘ pack is the identity on route sets', () => {
  it('random route sets, every message within the limit', () => {
    let multiMessage = 0;
    fc.assert(
      fc.property(scenario, ({ o, sets, pool, announce, withdraw }) => {
        const ctx = ctxOf({ fourOctetAs: o.fourOctetAs, extended: o.extended, addPath: [...(o.addPath4 ? (['1/1'] as const) : []), ...(o.addPath6 ? (['2/1'] as const) : [])] });
        const addPath = { 1: o.addPath4, 2: o.addPath6 };
        const pick = (r: Route) => ({ prefix: prefixOf(r.afi, r.seed % pool, r.length), pathId: r.pathId });
        const announcements = announce.map((r) => ({ ...pick(r), attributes: sets[r.set % sets.length]! }));
        const withdrawals = withdraw.map(pick);

        // The model: a route is (family, prefix, path id where ADD-PATH is sent, 0 if not given).
        const keyOf = (afi: 1 | 2, n: { prefix: string; pathId?: number | undefined }) =>
          routeKey(afi, { prefix: n.prefix, pathId: addPath[afi] ? (n.pathId ?? 0) : undefined });
        const expected = new Map<string, string>();
        for (const a of announcements) {
          const afi = a.prefix.includes(':') ? 2 : 1;
          expected.set(keyOf(afi, a), expectedAttributes(a.prefix, a.attributes)); // the later wins
        }
        const gone = new Set(withdrawals.map((w) => keyOf(w.prefix.includes(':') ? 2 : 1, w)).filter((k) => !expected.has(k)));

        const frames = packUpdates({ announce: announcements, withdraw: withdrawals }, ctx);
        const u = unpack(frames, ctx); // checks each frame's length against the maximum
        expect(new Map([...u.announced].sort())).toEqual(new Map([...expected].sort()));
        expect(u.withdrawn).toEqual(gone);
        expect(u.messages.every((m) => m.afis.size === 1)).toBe(true);
        if (frames.length > new Set(u.messages.map((m) => `${[...m.afis]}${m.attributes}`)).size) multiMessage++;
      }),
      // Shrinking thousands of routes can take minutes: stop it after 20 s with what it has.
      { numRuns: 30, interruptAfterTimeLimit: 20_000 },
    );
    // The generator must reach groups that span several messages (about a third of the runs).
    expect(multiMessage, 'runs where a group needed several messages').toBeGreaterThan(0);
  }, 60_000);
});
