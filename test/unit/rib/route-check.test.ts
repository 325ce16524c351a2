import { describe, expect, it } from 'vitest';
import { checkRoutes } from '../../../speaker/rib/route-check.ts';
import { route } from '../../support/speaker.ts';

describe('checkRoutes', () => {
  it('keeps good routes, canonicalises IPv6 text, reports the rest', () => {
    const { valid, rejected } = checkRoutes('2/1', [
      route('2001:DB8::/32'),
      route('10.0.0.0/8'),
      route('2001:db8::/129'),
      route('2001:db8:1::/48', { communities: ['70000:1'] }),
      route('2001:db8:2::/48', { largeCommunities: ['1:2'] }),
    ]);
    expect(valid.map((r) => r.prefix)).toEqual(['2001:db8::/32']);
    expect(rejected.map((r) => r.prefix)).toEqual(['10.0.0.0/8', '2001:db8::/129', '2001:db8:1::/48', '2001:db8:2::/48']);
  });

  it('returns the same objects when nothing needs fixing', () => {
    const r = route('10.0.0.0/24', { communities: ['65535:0'], largeCommunities: ['4200000000:1:2'] });
    expect(checkRoutes('1/1', [r]).valid[0]).toBe(r);
  });
});
