import { describe, expect, it } from 'vitest';
import { ttlSettings } from '../../../speaker/transport/socket-policy.ts';

describe('ttlSettings', () => {
  it('eBGP directly connected sends TTL 1, multihop N sends N', () => {
    expect(ttlSettings({ internal: false, ebgpMultihop: 1 })).toEqual({ ttl: 1, minTtl: 0 });
    expect(ttlSettings({ internal: false, ebgpMultihop: 4 })).toEqual({ ttl: 4, minTtl: 0 });
    expect(ttlSettings({ internal: false, ebgpMultihop: 999 })).toEqual({ ttl: 255, minTtl: 0 });
  });
  it('iBGP sends 255 whatever the multihop setting', () => {
    expect(ttlSettings({ internal: true, ebgpMultihop: 1 })).toEqual({ ttl: 255, minTtl: 0 });
  });
  it('GTSM sends 255 and requires 254 unless told otherwise (RFC 5082)', () => {
    expect(ttlSettings({ internal: false, ebgpMultihop: 1, gtsm: true })).toEqual({ ttl: 255, minTtl: 254 });
    expect(ttlSettings({ internal: true, ebgpMultihop: 1, gtsm: true, gtsmMinTtl: 255 })).toEqual({ ttl: 255, minTtl: 255 });
  });
});
