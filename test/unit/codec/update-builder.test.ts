// The UPDATE packer as a specification: exact message counts and byte totals, derived from the
// wire format (RFC 4271 §4.3, RFC 4760 §3–4, RFC 7911 §3, RFC 8654), then every frame decoded back.
//
// Octets used throughout:
//   fixed per UPDATE: 19 header + 2 Withdrawn Routes Length + 2 Total Path Attribute Length = 23
//   `ebgp` attributes: ORIGIN 4 (flags, type, length, value) + AS_PATH 9 (3 + segment type 1 +
//     count 1 + one 4-octet AS) + NEXT_HOP 7 (3 + 4) = 20, so 43 octets before the first prefix
//   an IPv4 /32: length octet + 4 = 5;  an IPv6 /128: 1 + 16 = 17;  ADD-PATH adds 4 to each
//   `ebgp6` (IPv6): ORIGIN 4 + AS_PATH 9 + MP_REACH_NLRI header 4 (Extended Length: the value
//     passes 255 octets) + AFI 2 + SAFI 1 + next hop length 1 + next hop 16 + reserved 1 = 38,
//     so 61 octets before the first prefix
// A message holds floor((max − fixed) / per-prefix) prefixes; n prefixes need the ceiling of
// n over that; bytes = n × per-prefix + messages × fixed, which is the least any packing can use.

import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../speaker/codec/errors.ts';
import { packUpdates, updateFrames } from '../../../speaker/codec/update-builder.ts';
import type { RouteAttributes } from '../../../speaker/codec/update-builder.ts';
import { announce, ctxOf, expectedAttributes, nlriCounts, routeKey, totalBytes, unpack, v4Hosts, v6Hosts } from './update-builder-support.ts';

const ebgp: RouteAttributes = { origin: 'igp', asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '192.0.2.1' };
const ebgp6: RouteAttributes = { origin: 'igp', asPath: [{ type: 'sequence', asns: [65001] }], mpNextHops: ['2001:db8::1'] };
const standard = ctxOf();
const extended = ctxOf({ extended: true });

/** Every announced route decoded back exactly once, with the attributes it was given. */
function expectCarried(frames: Uint8Array[], routes: { prefix: string; pathId?: number; attributes: RouteAttributes }[], ctx = standard) {
  const u = unpack(frames, ctx);
  expect(u.announced.size).toBe(routes.length);
  const wrong = routes.filter((r) => u.announced.get(routeKey(r.prefix.includes(':') ? 2 : 1, r)) !== expectedAttributes(r.prefix, r.attributes));
  expect(wrong, 'routes missing or with other attributes').toEqual([]);
  return u;
}

describe('packing identical-attribute IPv4 /32s (the wire optimum)', () => {
  it('10,000 /32s: 13 UPDATEs of ≤ 4096, 50,559 octets', () => {
    // (4096 − 43) / 5 = 810.6 → 810 per message, 4093 octets; 10,000 = 12 × 810 + 280
    // 12 × 4093 + (43 + 280 × 5) = 49,116 + 1,443 = 50,559 (one UPDATE per route: 10,000 × 48 = 480,000)
    const routes = announce(v4Hosts(10_000), ebgp);
    const frames = packUpdates({ announce: routes }, standard);
    const u = expectCarried(frames, routes);
    expect(frames).toHaveLength(13);
    expect(totalBytes(frames)).toBe(50_559);
    expect(nlriCounts(u)).toEqual([...Array(12).fill(810), 280]);
    expect(frames.slice(0, 12).every((f) => f.length === 4093)).toBe(true);
  });

  it('with one COMMUNITY as well (27 octets of attributes): 809 per message, still 13', () => {
    // COMMUNITIES 3 + 4 = 7 → 50 fixed; (4096 − 50) / 5 = 809.2 → 809; 10,000 = 12 × 809 + 292
    // 12 × (50 + 4045) + (50 + 1460) = 49,140 + 1,510 = 50,650
    const routes = announce(v4Hosts(10_000), { ...ebgp, communities: [65001 * 65536 + 100] });
    const frames = packUpdates({ announce: routes }, standard);
    expectCarried(frames, routes);
    expect(frames).toHaveLength(13);
    expect(totalBytes(frames)).toBe(50_650);
  });

  it('100,000 /32s: 124 UPDATEs, 505,332 octets', () => {
    // 100,000 = 123 × 810 + 370; 123 × 4093 + (43 + 370 × 5) = 503,439 + 1,893 = 505,332
    const routes = announce(v4Hosts(100_000), ebgp);
    const frames = packUpdates({ announce: routes }, standard);
    expectCarried(frames, routes);
    expect(frames).toHaveLength(124);
    expect(totalBytes(frames)).toBe(505_332);
  });

  it('with extended messages (RFC 8654): 10,000 in 1 UPDATE, 100,000 in 8', () => {
    // (65535 − 43) / 5 = 13,098.4 → 13,098 per message (65,533 octets)
    // 10,000: one message of 43 + 50,000 = 50,043
    // 100,000 = 7 × 13,098 + 8,314: 7 × 65,533 + (43 + 41,570) = 458,731 + 41,613 = 500,344
    const ten = packUpdates({ announce: announce(v4Hosts(10_000), ebgp) }, extended);
    expect(ten.map((f) => f.length)).toEqual([50_043]);
    const routes = announce(v4Hosts(100_000), ebgp);
    const hundred = packUpdates({ announce: routes }, extended);
    const u = expectCarried(hundred, routes, extended);
    expect(nlriCounts(u)).toEqual([...Array(7).fill(13_098), 8_314]);
    expect(totalBytes(hundred)).toBe(500_344);
  });

  it('fills a message to exactly 4096 octets and opens the next one for the 811th prefix', () => {
    // ATOMIC_AGGREGATE (3 octets) → 46 fixed; 46 + 810 × 5 = 4096 exactly
    const attrs = { ...ebgp, atomicAggregate: true };
    const full = packUpdates({ announce: announce(v4Hosts(810), attrs) }, standard);
    expect(full.map((f) => f.length)).toEqual([4096]);
    const over = packUpdates({ announce: announce(v4Hosts(811), attrs) }, standard);
    expect(over.map((f) => f.length)).toEqual([4096, 46 + 5]);
  });
});

describe('packing IPv6 through MP_REACH_NLRI', () => {
  it('20,000 /128s: 85 UPDATEs, 345,185 octets', () => {
    // (4096 − 61) / 17 = 237.4 → 237 per message, 61 + 4029 = 4090 octets; 20,000 = 84 × 237 + 92
    // 84 × 4090 + (61 + 92 × 17) = 343,560 + 1,625 = 345,185
    const routes = announce(v6Hosts(20_000), ebgp6);
    const frames = packUpdates({ announce: routes }, standard);
    const u = expectCarried(frames, routes);
    expect(frames).toHaveLength(85);
    expect(totalBytes(frames)).toBe(345_185);
    expect(nlriCounts(u)).toEqual([...Array(84).fill(237), 92]);
    expect(u.messages.every((m) => m.update.nlri.length === 0 && m.update.attributes.nextHop === undefined)).toBe(true);
  });

  it('20,000 /128s with extended messages: 6 UPDATEs, 340,366 octets', () => {
    // (65535 − 61) / 17 = 3851.4 → 3851 (65,528 octets); 20,000 = 5 × 3851 + 745
    // 5 × 65,528 + (61 + 745 × 17) = 327,640 + 12,726 = 340,366
    const routes = announce(v6Hosts(20_000), ebgp6);
    const frames = packUpdates({ announce: routes }, extended);
    expectCarried(frames, routes, extended);
    expect(frames).toHaveLength(6);
    expect(totalBytes(frames)).toBe(340_366);
  });

  it('a link-local next hop too: 32 octets of next hops, 236 per message', () => {
    // 61 + 16 = 77 fixed; (4096 − 77) / 17 = 236.4 → 236
    const attrs = { ...ebgp6, mpNextHops: ['2001:db8::1', 'fe80::1'] };
    const routes = announce(v6Hosts(500), attrs);
    const u = expectCarried(packUpdates({ announce: routes }, standard), routes);
    expect(nlriCounts(u)).toEqual([236, 236, 28]);
  });

  it('an IPv4 route with only mpNextHops goes in MP_REACH_NLRI AFI 1 (RFC 8950)', () => {
    const attrs: RouteAttributes = { origin: 'igp', asPath: [], mpNextHops: ['2001:db8::1'] };
    const routes = announce(v4Hosts(3), attrs);
    const u = expectCarried(packUpdates({ announce: routes }, standard), routes);
    expect(u.messages[0]!.update.attributes.mpReach).toMatchObject({ afi: 1, safi: 1, nextHops: ['2001:db8::1'] });
    expect(u.messages[0]!.update.nlri).toEqual([]);
  });
});

describe('grouping by attribute set', () => {
  const sets = [1, 2, 3].map((n): RouteAttributes => ({ ...ebgp, communities: [65001 * 65536 + n] }));

  it('3 attribute sets, interleaved: each set in its own messages, 809 routes each', () => {
    const routes = v4Hosts(3000).map((prefix, i) => ({ prefix, attributes: sets[i % 3]! }));
    const frames = packUpdates({ announce: routes }, standard);
    const u = expectCarried(frames, routes);
    // 1000 per set = 809 + 191: two messages per set, in the order the sets first appear
    expect(nlriCounts(u)).toEqual([809, 191, 809, 191, 809, 191]);
    expect(new Set(u.messages.map((m) => m.attributes)).size).toBe(3);
  });

  it('equal attribute sets in different objects, keys in any order, are one group', () => {
    const a = announce(v4Hosts(400), { ...ebgp });
    const b = announce(v4Hosts(400, 0x0b000000), { nextHop: '192.0.2.1', asPath: [{ type: 'sequence', asns: [65001] }], origin: 'igp' });
    const frames = packUpdates({ announce: [...a, ...b] }, standard);
    expect(nlriCounts(unpack(frames, standard))).toEqual([800]);
  });
});

describe('withdrawals', () => {
  it('IPv4 only: 814 per message, 10,000 in 13 UPDATEs, 50,299 octets', () => {
    // no attributes: (4096 − 23) / 5 = 814.6 → 814 (4093 octets); 10,000 = 12 × 814 + 232
    // 12 × 4093 + (23 + 1160) = 49,116 + 1,183 = 50,299
    const withdraw = v4Hosts(10_000).map((prefix) => ({ prefix }));
    const frames = packUpdates({ withdraw }, standard);
    const u = unpack(frames, standard);
    expect(frames).toHaveLength(13);
    expect(totalBytes(frames)).toBe(50_299);
    expect(u.withdrawn.size).toBe(10_000);
    expect(u.messages.every((m) => Object.keys(m.update.attributes).length === 0)).toBe(true);
  });

  it('IPv6 only, in MP_UNREACH_NLRI: 239 per message', () => {
    // 23 + MP_UNREACH header 4 + AFI/SAFI 3 = 30; (4096 − 30) / 17 = 239.2 → 239 (4093 octets)
    // 1,000 = 4 × 239 + 44; the last: 23 + 4 + (3 + 44 × 17 = 751) = 778
    const frames = packUpdates({ withdraw: v6Hosts(1000).map((prefix) => ({ prefix })) }, standard);
    const u = unpack(frames, standard);
    expect(frames.map((f) => f.length)).toEqual([4093, 4093, 4093, 4093, 778]);
    expect(u.withdrawn.size).toBe(1000);
    // one: 23 + MP_UNREACH_NLRI 3 + (3 + 1 + 4) = 34
    const one = packUpdates({ withdraw: [{ prefix: '2001:db8::/32' }] }, standard);
    expect(one.map((f) => f.length)).toEqual([34]);
    expect(unpack(one, standard).withdrawn).toEqual(new Set(['2|2001:db8::/32|']));
  });

  it('share the room left in announcement UPDATEs of their family', () => {
    // 43 + 300 × 5 + 100 × 5 = 2043: one message announces and withdraws
    const v4 = packUpdates({ announce: announce(v4Hosts(300), ebgp), withdraw: v4Hosts(100, 0x0b000000).map((prefix) => ({ prefix })) }, standard);
    expect(v4.map((f) => f.length)).toEqual([2043]);
    // 1000 + 100: the first message (810, 4093 octets) has 3 octets left, too few; the second
    // takes 190 announcements and the 100 withdrawals: 43 + 950 + 500 = 1493
    const more = packUpdates({ announce: announce(v4Hosts(1000), ebgp), withdraw: v4Hosts(100, 0x0b000000).map((prefix) => ({ prefix })) }, standard);
    expect(more.map((f) => f.length)).toEqual([4093, 1493]);
    // IPv6: MP_REACH_NLRI (4 + 21 + 1700) and MP_UNREACH_NLRI (4 + 3 + 850) side by side:
    // 23 + 13 + 1725 + 857 = 2618
    const v6 = packUpdates({ announce: announce(v6Hosts(100), ebgp6), withdraw: v6Hosts(50, 1000).map((prefix) => ({ prefix })) }, standard);
    expect(v6.map((f) => f.length)).toEqual([2618]);
    const u = unpack(v6, standard);
    expect(u.announced.size).toBe(100);
    expect(u.withdrawn.size).toBe(50);
  });

  it('mixed IPv4 and IPv6: one family per UPDATE', () => {
    const frames = packUpdates(
      {
        announce: [...announce(v4Hosts(100), ebgp), ...announce(v6Hosts(100), ebgp6)],
        withdraw: [...v4Hosts(10, 0x0b000000), ...v6Hosts(10, 5000)].map((prefix) => ({ prefix })),
      },
      standard,
    );
    const u = unpack(frames, standard);
    expect(u.messages.map((m) => [...m.afis])).toEqual([[1], [2]]);
    expect(u.announced.size).toBe(200);
    expect(u.withdrawn.size).toBe(20);
  });
});

describe('ADD-PATH (RFC 7911)', () => {
  it('sends path identifiers: 9 octets per /32, 450 per message, two paths of one prefix both kept', () => {
    // (4096 − 43) / 9 = 450.3 → 450; 1,000 routes = 450 + 450 + 100: 2 × 4093 + (43 + 900) = 9,129
    const ctx = ctxOf({ addPath: ['1/1', '2/1'] });
    const routes = v4Hosts(500).flatMap((prefix) => [1, 2].map((pathId) => ({ prefix, pathId, attributes: ebgp })));
    const frames = packUpdates({ announce: routes, withdraw: [{ prefix: '10.9.9.9/32', pathId: 7 }] }, ctx);
    const u = expectCarried(frames, routes, ctx);
    expect(totalBytes(frames)).toBe(9_129 + 9);
    expect(u.withdrawn).toEqual(new Set(['1|10.9.9.9/32|7']));
  });

  it('IPv6 with path identifiers: 21 octets per /128', () => {
    const ctx = ctxOf({ addPath: ['2/1'] });
    const routes = v6Hosts(10).map((prefix, i) => ({ prefix, pathId: i, attributes: ebgp6 }));
    const frames = packUpdates({ announce: routes }, ctx);
    expectCarried(frames, routes, ctx);
    // MP_REACH_NLRI value 21 + 10 × 21 = 231 ≤ 255: a 3-octet attribute header
    expect(totalBytes(frames)).toBe(23 + 13 + 3 + 231);
  });
});

describe('edge cases', () => {
  it('no changes, no frames (an empty UPDATE would be an End-of-RIB)', () => {
    expect(packUpdates({}, standard)).toEqual([]);
    expect(packUpdates({ announce: [], withdraw: [] }, standard)).toEqual([]);
  });

  it('duplicates: the later announcement wins; a withdrawal of an announced route is dropped', () => {
    const other = { ...ebgp, med: 5 };
    const frames = packUpdates(
      {
        announce: [{ prefix: '10.0.0.1/32', attributes: ebgp }, { prefix: '10.0.0.1/32', attributes: other }],
        withdraw: [{ prefix: '10.0.0.1/32' }, { prefix: '10.0.0.2/32' }, { prefix: '10.0.0.2/32' }],
      },
      standard,
    );
    const u = unpack(frames, standard);
    expect([...u.announced]).toEqual([['1|10.0.0.1/32|', expectedAttributes('10.0.0.1/32', other)]]);
    expect(u.withdrawn).toEqual(new Set(['1|10.0.0.2/32|']));
  });

  it('updateFrames yields the same frames one at a time', () => {
    const changes = { announce: announce(v4Hosts(2000), ebgp), withdraw: v6Hosts(300).map((prefix) => ({ prefix })) };
    const frames = updateFrames(changes, standard);
    const first = frames.next();
    expect(first.done).toBe(false);
    expect([first.value as Uint8Array, ...frames]).toEqual(packUpdates(changes, standard));
  });

  it('refuses what cannot be sent: EncodeError', () => {
    const bad = (changes: Parameters<typeof packUpdates>[0]) => expect(() => packUpdates(changes, standard)).toThrow(EncodeError);
    bad({ announce: [{ prefix: '2001:db8::/64', attributes: ebgp }] }); // IPv6 without mpNextHops
    bad({ announce: [{ prefix: '10.0.0.0/8', attributes: { origin: 'igp', asPath: [] } }] }); // no next hop at all
    bad({ announce: [{ prefix: '10.0.0.0/33', attributes: ebgp }] });
    bad({ announce: [{ prefix: '10.0.0.0', attributes: ebgp }] });
    bad({ withdraw: [{ prefix: 'ten/8' }] });
    // 1,100 communities = 4,403 octets of attributes: no room for any prefix
    bad({ announce: [{ prefix: '10.0.0.0/8', attributes: { ...ebgp, communities: Array(1100).fill(1) } }] });
    const withMp = { ...ebgp, mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [] } } as RouteAttributes;
    bad({ announce: [{ prefix: '10.0.0.0/8', attributes: withMp }] });
  });

  it('prefixes of mixed lengths: each message within one prefix of full', () => {
    // 3, 4, 5 and 4 octets: /16, /24, /32, /20 in turn
    const prefixes = Array.from({ length: 3000 }, (_, i) => {
      const k = i >> 2;
      return [`${1 + (k >> 8)}.${k & 255}.0.0/16`, `20.${k >> 8}.${k & 255}.0/24`, `30.0.${k >> 8}.${k & 255}/32`, `40.${k >> 4}.${(k & 15) << 4}.0/20`][i % 4]!;
    });
    const routes = prefixes.map((prefix) => ({ prefix, attributes: ebgp }));
    const frames = packUpdates({ announce: routes }, standard);
    expectCarried(frames, routes);
    expect(frames.slice(0, -1).every((f) => f.length > 4096 - 5)).toBe(true);
  });
});
