// The contract's pieces of events/desired-delta.ts that readers rely on: route fields and values
// round-trip, and defaults are left out of values. (The prefix order of assembled documents:
// ip.test.ts.)

import { describe, expect, it } from 'vitest';
import { parseRouteField, parseRouteValue, routeField, routeValue } from '../../../events/desired-delta.ts';

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
