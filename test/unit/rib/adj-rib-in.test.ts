import { describe, expect, it } from 'vitest';
import type { UpdateVerdict } from '../../../speaker/codec/validate-update.ts';
import { AdjRibIn } from '../../../speaker/rib/adj-rib-in.ts';

const verdict = (announced: string[], withdrawn: string[] = [], afi = 1): UpdateVerdict => ({
  action: 'accept',
  discarded: [],
  duplicates: [],
  problems: [],
  attributes: { origin: 'igp' },
  withdrawn: withdrawn.length ? [{ afi, safi: 1, nlri: withdrawn.map((prefix) => ({ prefix })) }] : [],
  announced: announced.length ? [{ afi, safi: 1, nlri: announced.map((prefix) => ({ prefix })), nextHops: ['192.0.2.1'] }] : [],
});

describe('Adj-RIB-In', () => {
  it('keeps and counts received routes per family, withdrawals remove them', () => {
    const rib = new AdjRibIn();
    rib.apply(verdict(['10.0.0.0/24', '10.0.1.0/24']));
    rib.apply(verdict(['2001:db8::/32'], [], 2));
    rib.apply(verdict([], ['10.0.0.0/24']));
    expect(rib.counts()).toEqual({ '1/1': 1, '2/1': 1 });
    expect(rib.total).toBe(2);
    expect(rib.routes('1/1').get('10.0.1.0/24')?.nextHops).toEqual(['192.0.2.1']);
  });

  it('a route announced again is counted once', () => {
    const rib = new AdjRibIn(2);
    rib.apply(verdict(['10.0.0.0/24']));
    expect(rib.apply(verdict(['10.0.0.0/24', '10.0.1.0/24']))).toBeNull();
    expect(rib.total).toBe(2);
  });

  it('past the maximum: Cease data AFI, SAFI, limit (RFC 4486 §4)', () => {
    const rib = new AdjRibIn(2);
    const over = rib.apply(verdict(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']));
    expect(over).not.toBeNull();
    expect([...over!.data]).toEqual([0, 1, 1, 0, 0, 0, 2]);
  });
});
