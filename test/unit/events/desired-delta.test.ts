// The contract's pieces of events/desired-delta.ts that readers rely on: route fields and values
// round-trip, defaults are left out of values, and the prefix order of assembled documents is the
// order the functions sort by (functions/model/ip.ts comparePrefixes).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePrefixText, parseRouteField, parseRouteValue, routeField, routeValue, sortByPrefix } from '../../../events/desired-delta.ts';
import { comparePrefixes, formatPrefix, maskTo, type IpAddress } from '../../../events/ip.ts';

const v4 = fc.integer({ min: 0, max: 0xffffffff }).map((n): IpAddress => ({ family: 4, value: BigInt(n) }));
const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value): IpAddress => ({ family: 6, value }));
const prefix = fc.oneof(
  fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, l]) => maskTo(a, l)),
  fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([a, l]) => maskTo(a, l)),
  // IPv4-mapped IPv6 addresses print with a dotted tail.
  fc.tuple(v4, fc.integer({ min: 96, max: 128 })).map(([a, l]) => maskTo({ family: 6, value: 0xffff00000000n | a.value }, l)),
);

describe('prefix order', () => {
  it('comparePrefixText orders canonical prefix texts as comparePrefixes orders the prefixes', () => {
    fc.assert(
      fc.property(prefix, prefix, (a, b) => {
        expect(Math.sign(comparePrefixText(formatPrefix(a), formatPrefix(b)))).toBe(Math.sign(comparePrefixes(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('sortByPrefix sorts like comparePrefixes and keeps the items', () => {
    fc.assert(
      fc.property(fc.array(prefix, { maxLength: 40 }), (list) => {
        const sorted = sortByPrefix(list, formatPrefix);
        expect(sorted).toEqual([...list].sort(comparePrefixes));
      }),
    );
  });
});

describe('route fields and values', () => {
  it('a field names its slot and prefix, whatever the names hold', () => {
    const slot = { instance: 'a "b"/c', peer: 'p|q', afi: 'ipv6' } as const;
    expect(parseRouteField(routeField(slot, '2001:db8::/64'))).toEqual({ slot, prefix: '2001:db8::/64' });
    expect(parseRouteField('not json')).toBeNull();
    expect(parseRouteField(JSON.stringify(['i', 'p', 'ipv5', '10.0.0.0/8']))).toBeNull();
  });

  it('a value leaves defaults out and reads back the same route', () => {
    const plain = { prefix: '10.0.0.0/24', communities: [], largeCommunities: [], localPreference: null, origin: 'igp' } as const;
    expect(routeValue(plain)).toBe('{}');
    const full = { prefix: '10.0.0.0/24', communities: ['65000:1'], largeCommunities: ['1:2:3'], localPreference: 200, origin: 'incomplete' } as const;
    expect(parseRouteValue(full.prefix, routeValue(full))).toEqual(full);
    expect(parseRouteValue(plain.prefix, routeValue(plain))).toEqual(plain);
  });
});
