import { describe, expect, it } from 'vitest';
import { BgpError } from '../../../speaker/codec/errors.ts';
import { fromHex, toHex } from '../../../speaker/codec/hex.ts';
import { Afi } from '../../../speaker/codec/ip.ts';
import { decodeNlri, nlriWireLength, writeNlri } from '../../../speaker/codec/nlri.ts';
import { Reader } from '../../../speaker/codec/reader.ts';
import type { Nlri } from '../../../speaker/codec/types.ts';
import { Writer } from '../../../speaker/codec/writer.ts';

const decode = (hex: string, afi: Afi, addPath = false) =>
  decodeNlri(new Reader(fromHex(hex), { code: 3, subcode: 10 }), afi, addPath, 10);
const encode = (list: Nlri[], afi: Afi, addPath = false) => {
  const w = new Writer();
  writeNlri(w, afi, addPath, list);
  return toHex(w.finish());
};
const subcodeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof BgpError ? [e.code, e.subcode] : e;
  }
  return 'no error';
};

describe('NLRI (RFC 4271 §4.3, RFC 4760 §5)', () => {
  it('reads IPv4 prefixes of every octet count', () => {
    expect(decode('00 08 0a 10 0a01 18 0a0102 20 0a010203', Afi.IPv4)).toEqual([
      { prefix: '0.0.0.0/0' },
      { prefix: '10.0.0.0/8' },
      { prefix: '10.1.0.0/16' },
      { prefix: '10.1.2.0/24' },
      { prefix: '10.1.2.3/32' },
    ]);
  });

  it('reads IPv6 prefixes in RFC 5952 form', () => {
    expect(decode('30 20010db80001 80 20010db8000000000000000000000001 00', Afi.IPv6)).toEqual([
      { prefix: '2001:db8:1::/48' },
      { prefix: '2001:db8::1/128' },
      { prefix: '::/0' },
    ]);
  });

  it('clears host bits beyond the length on both sides', () => {
    expect(decode('07 0b', Afi.IPv4)).toEqual([{ prefix: '10.0.0.0/7' }]);
    expect(decode('41 20010db8000000008f', Afi.IPv6)).toEqual([{ prefix: '2001:db8:0:0:8000::/65' }]);
    expect(encode([{ prefix: '10.1.2.3/7' }], Afi.IPv4)).toBe('070a');
    expect(encode([{ prefix: '2001:db8::ffff/65' }], Afi.IPv6)).toBe('4120010db80000000000');
  });

  it('reads and writes ADD-PATH path identifiers (RFC 7911 §3)', () => {
    const list = [
      { prefix: '10.0.0.0/8', pathId: 1 },
      { prefix: '192.0.2.1/32', pathId: 0xffffffff },
    ];
    const hex = '00000001080a' + 'ffffffff20c0000201';
    expect(decode(hex, Afi.IPv4, true)).toEqual(list);
    expect(encode(list, Afi.IPv4, true)).toBe(hex);
    expect(encode([{ prefix: '10.0.0.0/8' }], Afi.IPv4, true)).toBe('00000000080a');
    expect(encode(list, Afi.IPv4, false)).toBe('080a20c0000201');
  });

  it('rejects a length above the family maximum and an overrun with the caller\'s subcode', () => {
    expect(subcodeOf(() => decode('21 0a000000 00', Afi.IPv4))).toEqual([3, 10]);
    expect(subcodeOf(() => decode('81 ' + '00'.repeat(17), Afi.IPv6))).toEqual([3, 10]);
    expect(subcodeOf(() => decode('18 0a00', Afi.IPv4))).toEqual([3, 10]);
    expect(subcodeOf(() => decode('000000', Afi.IPv4, true))).toEqual([3, 10]);
    expect(subcodeOf(() => decodeNlri(new Reader(fromHex('20'), { code: 3, subcode: 9 }), Afi.IPv4, false, 9))).toEqual([3, 9]);
  });

  it('refuses prefixes that are not of the family, or not prefixes', () => {
    expect(() => encode([{ prefix: '2001:db8::/32' }], Afi.IPv4)).toThrow(/not an AFI 1/);
    expect(() => encode([{ prefix: '10.0.0.0/8' }], Afi.IPv6)).toThrow(/not an AFI 2/);
    expect(() => encode([{ prefix: '10.0.0.0/33' }], Afi.IPv4)).toThrow(/prefix length/);
    expect(() => encode([{ prefix: '10.0.0/8' }], Afi.IPv4)).toThrow(/IPv4/);
  });

  it('accepts an address without a length as a host route', () => {
    expect(encode([{ prefix: '192.0.2.1' }], Afi.IPv4)).toBe('20c0000201');
  });

  it('knows its wire size', () => {
    expect(nlriWireLength(32, false)).toBe(5);
    expect(nlriWireLength(0, true)).toBe(5);
    expect(nlriWireLength(128, false)).toBe(17);
  });
});
