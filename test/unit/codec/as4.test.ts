import { describe, expect, it } from 'vitest';
import { asPathCount, AsTrans, fromTwoOctetPeer, toTwoOctetPeer } from '../../../speaker/codec/as4.ts';
import type { AsPathSegment } from '../../../speaker/codec/types.ts';

const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 'set', asns });
const cseq = (...asns: number[]): AsPathSegment => ({ type: 'confed-sequence', asns });

describe('RFC 6793 toward a 2-octet peer (§4.2.2)', () => {
  it('substitutes AS_TRANS and carries the real path in AS4_PATH, without confederation segments', () => {
    const out = toTwoOctetPeer({ origin: 'igp', asPath: [cseq(4200000009), seq(4200000001, 65001), set(65002, 4200000002)] });
    expect(out.asPath).toEqual([cseq(AsTrans), seq(AsTrans, 65001), set(65002, AsTrans)]);
    expect(out.as4Path).toEqual([seq(4200000001, 65001), set(65002, 4200000002)]);
    expect(out.origin).toBe('igp');
  });

  it('sends no AS4_PATH when every AS fits in two octets', () => {
    const out = toTwoOctetPeer({ asPath: [seq(65001, 65002)], as4Path: [seq(1)] });
    expect(out.asPath).toEqual([seq(65001, 65002)]);
    expect(out.as4Path).toBeUndefined();
  });

  it('moves a 4-octet aggregator to AS4_AGGREGATOR', () => {
    const out = toTwoOctetPeer({ aggregator: { asn: 4200000001, address: '192.0.2.1' } });
    expect(out.aggregator).toEqual({ asn: AsTrans, address: '192.0.2.1' });
    expect(out.as4Aggregator).toEqual({ asn: 4200000001, address: '192.0.2.1' });
    expect(toTwoOctetPeer({ aggregator: { asn: 65001, address: '192.0.2.1' } }).as4Aggregator).toBeUndefined();
  });
});

describe('RFC 6793 from a 2-octet peer (§4.2.3)', () => {
  it('counts an AS_SET as 1 and confederation segments as 0', () => {
    expect(asPathCount([cseq(1, 2), seq(3, 4, 5), set(6, 7, 8), { type: 'confed-set', asns: [9] }])).toBe(4);
  });

  it('prepends the leading ASes of AS_PATH to AS4_PATH so the count matches AS_PATH', () => {
    const out = fromTwoOctetPeer({
      asPath: [seq(65010, 65011, AsTrans, AsTrans)],
      as4Path: [seq(4200000001, 4200000002)],
    });
    expect(out.asPath).toEqual([seq(65010, 65011, 4200000001, 4200000002)]);
    expect(out.as4Path).toBeUndefined();
  });

  it('is the round trip of toTwoOctetPeer', () => {
    const path = [seq(4200000001, 65001, 4200000002), set(65002, 4200000003)];
    expect(fromTwoOctetPeer(toTwoOctetPeer({ asPath: path })).asPath).toEqual(path);
  });

  it('keeps leading and adjacent confederation segments of AS_PATH', () => {
    const out = fromTwoOctetPeer({ asPath: [cseq(65100), seq(65010, AsTrans)], as4Path: [seq(4200000001)] });
    expect(out.asPath).toEqual([cseq(65100), seq(65010, 4200000001)]);
    const after = fromTwoOctetPeer({ asPath: [seq(65010), cseq(65100), seq(AsTrans)], as4Path: [seq(4200000001)] });
    expect(after.asPath).toEqual([seq(65010), cseq(65100), seq(4200000001)]);
  });

  it('ignores an AS4_PATH longer than AS_PATH', () => {
    const out = fromTwoOctetPeer({ asPath: [seq(AsTrans)], as4Path: [seq(4200000001, 4200000002)] });
    expect(out.asPath).toEqual([seq(AsTrans)]);
  });

  it('drops confederation segments of AS4_PATH (§6)', () => {
    const out = fromTwoOctetPeer({ asPath: [seq(65010, AsTrans)], as4Path: [cseq(1), seq(4200000001)] });
    expect(out.asPath).toEqual([seq(65010, 4200000001)]);
  });

  it('uses AS4_AGGREGATOR when AGGREGATOR holds AS_TRANS', () => {
    const out = fromTwoOctetPeer({
      asPath: [seq(AsTrans)],
      as4Path: [seq(4200000001)],
      aggregator: { asn: AsTrans, address: '192.0.2.1' },
      as4Aggregator: { asn: 4200000001, address: '192.0.2.1' },
    });
    expect(out.aggregator).toEqual({ asn: 4200000001, address: '192.0.2.1' });
    expect(out.asPath).toEqual([seq(4200000001)]);
    expect(out.as4Aggregator).toBeUndefined();
  });

  it('ignores AS4_AGGREGATOR and AS4_PATH when AGGREGATOR holds a real AS', () => {
    const out = fromTwoOctetPeer({
      asPath: [seq(AsTrans)],
      as4Path: [seq(4200000001)],
      aggregator: { asn: 65001, address: '192.0.2.1' },
      as4Aggregator: { asn: 4200000001, address: '192.0.2.1' },
    });
    expect(out.aggregator).toEqual({ asn: 65001, address: '192.0.2.1' });
    expect(out.asPath).toEqual([seq(AsTrans)]);
    expect(out.as4Path).toBeUndefined();
  });

  it('merges the BIRD capture: AS_PATH 23456 23456 65010 with AS4_PATH of three', () => {
    const out = fromTwoOctetPeer({ asPath: [seq(23456, 23456, 65010)], as4Path: [seq(4200000002, 4200000099, 65010)] });
    expect(out.asPath).toEqual([seq(4200000002, 4200000099, 65010)]);
  });

  it('merges the GoBGP capture with AS4_AGGREGATOR', () => {
    const out = fromTwoOctetPeer({
      asPath: [seq(23456, 65020, 23456)],
      aggregator: { asn: 23456, address: '192.0.2.9' },
      as4Path: [seq(4200000003, 65020, 4200000020)],
      as4Aggregator: { asn: 4200000009, address: '192.0.2.9' },
    });
    expect(out).toEqual({ asPath: [seq(4200000003, 65020, 4200000020)], aggregator: { asn: 4200000009, address: '192.0.2.9' } });
  });
});
