import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../speaker/codec/errors.ts';
import { toHex } from '../../../speaker/codec/hex.ts';
import { decodeMessage } from '../../../speaker/codec/message.ts';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { decodeRouteRefresh, encodeRouteRefresh, RouteRefreshSubtype } from '../../../speaker/codec/route-refresh.ts';
import type { RouteRefreshMessage } from '../../../speaker/codec/types.ts';
import { bytesOf, expectBgpError, expectedMessage, loadVectors } from './message-vectors.ts';

const vectors = loadVectors('route-refresh');

describe('ROUTE-REFRESH golden vectors, three ways', () => {
  for (const v of vectors.filter((x) => x.expected)) {
    describe(`${v.file}: ${v.description}`, () => {
      const expected = expectedMessage(v) as RouteRefreshMessage;
      it('decodes', () => expect(decodeRouteRefresh(bytesOf(v))).toEqual(expected));
      it('encodes', () => expect(toHex(encodeRouteRefresh(expected))).toBe(v.hex));
      it('decode∘encode', () => expect(decodeRouteRefresh(encodeRouteRefresh(expected))).toEqual(expected));
    });
  }
});

describe('malformed ROUTE-REFRESH (RFC 7313 §5: code 7 subcode 1, the message as data)', () => {
  for (const v of vectors.filter((x) => x.error)) {
    it(`${v.file}: ${v.description}`, () => {
      expectBgpError(() => decodeRouteRefresh(bytesOf(v)), v.error!);
      expectBgpError(() => decodeMessage(bytesOf(v), defaultContext), v.error!);
    });
  }
});

describe('encodeRouteRefresh', () => {
  it('writes the RFC 7313 subtypes', () => {
    const eorr = { type: 'route-refresh' as const, afi: 2, safi: 1, subtype: RouteRefreshSubtype.EndOfRouteRefresh };
    expect(toHex(encodeRouteRefresh(eorr))).toBe(`${'ff'.repeat(16)}001705` + '00020201');
  });

  it('refuses fields that do not fit', () => {
    expect(() => encodeRouteRefresh({ type: 'route-refresh', afi: 65536, safi: 1, subtype: 0 })).toThrow(EncodeError);
    expect(() => encodeRouteRefresh({ type: 'route-refresh', afi: 1, safi: 256, subtype: 0 })).toThrow(EncodeError);
    expect(() => encodeRouteRefresh({ type: 'route-refresh', afi: 1, safi: 1, subtype: 1.5 })).toThrow(EncodeError);
  });
});
