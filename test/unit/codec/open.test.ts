import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../speaker/codec/errors.ts';
import { toHex } from '../../../speaker/codec/hex.ts';
import type { OpenEncodeOptions } from '../../../speaker/codec/open.ts';
import { AsTrans, buildOpen, decodeOpen, encodeOpen } from '../../../speaker/codec/open.ts';
import type { OpenMessage } from '../../../speaker/codec/types.ts';
import { openArb } from './open-arbitraries.ts';
import { bytesOf, expectBgpError, expectedMessage, loadVectors } from './message-vectors.ts';

const vectors = loadVectors('open');

describe('OPEN golden vectors, three ways', () => {
  for (const v of vectors.filter((x) => x.expected)) {
    describe(`${v.file}: ${v.description}`, () => {
      const expected = expectedMessage(v) as OpenMessage;
      const options = (v.encodeOptions ?? {}) as OpenEncodeOptions;
      it('decodes', () => expect(decodeOpen(bytesOf(v))).toEqual(expected));
      it('encodes', () => expect(toHex(encodeOpen(expected, options))).toBe(v.hex));
      it('decode∘encode', () => expect(decodeOpen(encodeOpen(expected, options))).toEqual(expected));
    });
  }
});

describe('malformed OPEN vectors (RFC 4271 §6.2, RFC 5492, RFC 9072)', () => {
  for (const v of vectors.filter((x) => x.error)) {
    it(`${v.file}: ${v.description}`, () => void expectBgpError(() => decodeOpen(bytesOf(v)), v.error!));
  }
});

describe('encodeOpen', () => {
  const base = buildOpen({ asn: 65001, holdTime: 90, bgpId: '192.0.2.1', capabilities: [] });

  it('switches to the RFC 9072 format when the parameters pass 255 octets', () => {
    const caps = Array.from({ length: 50 }, (_, i) => ({ code: 1 as const, name: 'multiprotocol' as const, afi: i, safi: 1 }));
    const msg = { ...base, capabilities: caps };
    const bytes = encodeOpen(msg);
    expect([bytes[28], bytes[29]]).toEqual([0xff, 0xff]);
    expect(decodeOpen(bytes)).toEqual(msg);
    // Per capability: 50 parameters of 8 octets = 400 > 255 as well.
    expect(decodeOpen(encodeOpen(msg, { parameters: 'per-capability' }))).toEqual(msg);
  });

  it('stays in the plain format at exactly 255 octets', () => {
    // 2 (parameter header) + 253 octets of one unknown capability (2 + 251).
    const msg = { ...base, capabilities: [{ code: 200, name: 'unknown' as const, hex: '00'.repeat(251) }] };
    const bytes = encodeOpen(msg);
    expect(bytes[28]).toBe(255);
    expect(bytes[29]).toBe(2);
    expect(decodeOpen(bytes)).toEqual(msg);
  });

  it('refuses out-of-range fields and an OPEN above 4096 octets', () => {
    expect(() => encodeOpen({ ...base, myAs: 70000 })).toThrow(EncodeError);
    expect(() => encodeOpen({ ...base, holdTime: -1 })).toThrow(EncodeError);
    expect(() => encodeOpen({ ...base, version: 256 })).toThrow(EncodeError);
    expect(() => encodeOpen({ ...base, bgpId: '1.2.3' })).toThrow(EncodeError);
    const caps = Array.from({ length: 20 }, () => ({ code: 200, name: 'unknown' as const, hex: '00'.repeat(250) }));
    expect(() => encodeOpen({ ...base, capabilities: caps })).toThrow(EncodeError);
  });

  it('buildOpen puts AS_TRANS in My AS for a 4-octet AS (RFC 6793 §4.1)', () => {
    expect(buildOpen({ ...base, asn: 4200000001 })).toMatchObject({ version: 4, myAs: AsTrans, asn: 4200000001 });
    expect(buildOpen({ ...base, asn: 65535 }).myAs).toBe(65535);
  });
});

describe('OPEN properties', () => {
  it('decode(encode(x)) = x, in both parameter layouts', () => {
    fc.assert(
      fc.property(openArb, fc.boolean(), fc.boolean(), (msg, perCap, ext) => {
        const options: OpenEncodeOptions = { parameters: perCap ? 'per-capability' : 'single', extendedLength: ext };
        expect(decodeOpen(encodeOpen(msg, options))).toEqual(msg);
      }),
      { numRuns: 500 },
    );
  });
});
