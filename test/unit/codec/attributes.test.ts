// The attribute table row by row: flags on the wire, Extended Length exactly above 255 octets,
// unknown attributes kept raw, values that cannot be encoded refused.

import { describe, expect, it } from 'vitest';
import { decodeAttributes, writeAttributes } from '../../../speaker/codec/attributes/list.ts';
import { AttrFlag, AttrType } from '../../../speaker/codec/attributes/row.ts';
import { attributeTable, sendOrder } from '../../../speaker/codec/attributes/table.ts';
import { EncodeError } from '../../../speaker/codec/errors.ts';
import { fromHex, toHex } from '../../../speaker/codec/hex.ts';
import { Reader } from '../../../speaker/codec/reader.ts';
import type { PathAttributes } from '../../../speaker/codec/types.ts';
import { Writer } from '../../../speaker/codec/writer.ts';
import { codecContext } from './update-support.ts';

const ctx4 = codecContext({ fourOctetAs: true });
const ctx2 = codecContext({ fourOctetAs: false });
const encode = (attrs: PathAttributes, ctx = ctx4) => {
  const w = new Writer();
  writeAttributes(w, attrs, ctx);
  return toHex(w.finish());
};
const decode = (hex: string, ctx = ctx4) => decodeAttributes(new Reader(fromHex(hex), { code: 3, subcode: 1 }), ctx);

describe('the attribute table', () => {
  it('has a row for each attribute the speaker must speak, with the RFC flags', () => {
    const flags = Object.fromEntries([...attributeTable.values()].map((r) => [r.code, r.flags]));
    expect(flags).toEqual({
      1: 0x40, 2: 0x40, 3: 0x40, 4: 0x80, 5: 0x40, 6: 0x40, 7: 0xc0, 8: 0xc0, 9: 0x80, 10: 0x80,
      14: 0x80, 15: 0x80, 16: 0xc0, 17: 0xc0, 18: 0xc0, 32: 0xc0,
    });
  });

  it('sends MP attributes first, the rest by type code (RFC 7606 §5.1, RFC 4271 §5)', () => {
    expect(sendOrder.map((r) => r.code)).toEqual([14, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 18, 32]);
  });

  it.each([
    ['ORIGIN', { origin: 'incomplete' }, '40010102'],
    ['AS_PATH empty', { asPath: [] }, '400200'],
    ['NEXT_HOP', { nextHop: '192.0.2.1' }, '400304c0000201'],
    ['MULTI_EXIT_DISC', { med: 4294967295 }, '800404ffffffff'],
    ['LOCAL_PREF', { localPref: 100 }, '40050400000064'],
    ['ATOMIC_AGGREGATE', { atomicAggregate: true }, '400600'],
    ['AGGREGATOR', { aggregator: { asn: 4200000001, address: '192.0.2.1' } }, 'c00708fa56ea01c0000201'],
    ['COMMUNITIES', { communities: [0xfde80064, 0xffffff01] }, 'c00808fde80064ffffff01'],
    ['ORIGINATOR_ID', { originatorId: '10.0.0.1' }, '8009040a000001'],
    ['CLUSTER_LIST', { clusterList: ['10.0.0.1', '10.0.0.2'] }, '800a080a0000010a000002'],
    ['EXTENDED_COMMUNITIES', { extendedCommunities: ['0002fde800000064'] }, 'c010080002fde800000064'],
    ['AS4_PATH', { as4Path: [{ type: 'sequence', asns: [4200000001] }] }, 'c011060201fa56ea01'],
    ['AS4_AGGREGATOR', { as4Aggregator: { asn: 4200000001, address: '192.0.2.1' } }, 'c01208fa56ea01c0000201'],
    ['LARGE_COMMUNITY', { largeCommunities: [[4200000001, 1, 2]] }, 'c0200cfa56ea010000000100000002'],
    ['MP_UNREACH_NLRI empty', { mpUnreach: { afi: 2, safi: 1, withdrawn: [] } }, '800f03000201'],
  ] as [string, PathAttributes, string][])('%s', (_, attrs, hex) => {
    expect(encode(attrs)).toBe(hex);
    expect(decode(hex)).toEqual({ attributes: attrs, problems: [], seen: [parseInt(hex.slice(2, 4), 16)] });
  });

  it('uses 2-octet AS numbers in AS_PATH and AGGREGATOR on a 2-octet session', () => {
    const attrs: PathAttributes = {
      asPath: [{ type: 'sequence', asns: [65001, 23456] }],
      aggregator: { asn: 65001, address: '192.0.2.1' },
    };
    expect(encode(attrs, ctx2)).toBe('4002060202fde95ba0' + 'c00706fde9c0000201');
    expect(decode('4002060202fde95ba0c00706fde9c0000201', ctx2).attributes).toEqual(attrs);
    expect(() => encode({ asPath: [{ type: 'sequence', asns: [4200000001] }] }, ctx2)).toThrow(EncodeError);
    expect(() => encode({ aggregator: { asn: 4200000001, address: '192.0.2.1' } }, ctx2)).toThrow(EncodeError);
  });

  it('sets Extended Length exactly when a value exceeds 255 octets', () => {
    const at = (n: number) => encode({ communities: Array.from({ length: n }, (_, i) => i) });
    expect(at(63).slice(0, 6)).toBe('c008fc'); // 252 octets
    expect(at(64).slice(0, 8)).toBe('d0080100'); // 256 octets
    expect(decode(at(64)).attributes.communities).toHaveLength(64);
    // Honoured on receipt even for a short value.
    expect(decode('d0080004fde80064').attributes).toEqual({ communities: [0xfde80064] });
  });

  it('splits AS sequences over 255 ASes and refuses what cannot be encoded', () => {
    const long = Array.from({ length: 300 }, (_, i) => i + 1);
    const hex = encode({ asPath: [{ type: 'sequence', asns: long }] });
    expect(decode(hex).attributes.asPath).toEqual([
      { type: 'sequence', asns: long.slice(0, 255) },
      { type: 'sequence', asns: long.slice(255) },
    ]);
    expect(() => encode({ asPath: [{ type: 'set', asns: long }] })).toThrow(EncodeError);
    expect(() => encode({ asPath: [{ type: 'sequence', asns: [] }] })).toThrow(EncodeError);
    expect(() => encode({ extendedCommunities: ['12'] })).toThrow(EncodeError);
    expect(() => encode({ nextHop: '2001:db8::1' })).toThrow(EncodeError);
    expect(() => encode({ mpReach: { afi: 1, safi: 128, nextHops: ['192.0.2.1'], nlri: [] } })).toThrow(EncodeError);
    expect(() => encode({ mpReach: { afi: 2, safi: 1, nextHops: ['192.0.2.1'], nlri: [] } })).toThrow(EncodeError);
    expect(() => encode({ unknown: [{ code: 8, flags: 0xc0, hex: '' }] })).toThrow(EncodeError);
  });

  it('encodes MP_REACH_NLRI next hops by family (RFC 2545 §3, RFC 8950 §3)', () => {
    const mp = (afi: number, nextHops: string[]) =>
      encode({ mpReach: { afi, safi: 1, nextHops, nlri: [] } }).slice(6, 14);
    expect(mp(1, ['192.0.2.1'])).toBe('00010104');
    expect(mp(1, ['2001:db8::1'])).toBe('00010110');
    expect(mp(2, ['2001:db8::1', 'fe80::1'])).toBe('00020120');
    expect(mp(2, ['::ffff:192.0.2.1'])).toBe('00020110');
  });

  it('keeps unknown optional attributes raw and drops an unknown optional non-transitive one on sending', () => {
    const got = decode('c06302abcd' + 'f0640001ee' + '806501ff');
    expect(got.problems).toEqual([]);
    expect(got.attributes.unknown).toEqual([
      { code: 99, flags: 0xc0, hex: 'abcd' },
      { code: 100, flags: 0xf0, hex: 'ee' },
      { code: 101, flags: 0x80, hex: 'ff' },
    ]);
    expect(encode(got.attributes)).toBe('e06302abcd' + 'e06401ee');
  });

  it('records problems instead of throwing, with the attribute as NOTIFICATION data', () => {
    const got = decode('400102ffff' + '40010100' + 'c00803000000');
    expect(got.attributes).toEqual({});
    expect(got.seen).toEqual([AttrType.Origin, AttrType.Origin, AttrType.Communities]);
    expect(got.problems.map((p) => [p.kind, p.code, p.subcode, toHex(p.data)])).toEqual([
      ['malformed', 1, 5, '400102ffff'],
      ['duplicate', 1, 1, ''],
      ['malformed', 8, 5, 'c00803000000'],
    ]);
    expect(AttrFlag.ExtendedLength).toBe(0x10);
  });
});
