import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CodecContext } from '../../../speaker/codec/context.ts';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { BgpError, EncodeError } from '../../../speaker/codec/errors.ts';
import { Framer } from '../../../speaker/codec/framer.ts';
import { fromHex, toHex } from '../../../speaker/codec/hex.ts';
import { decodeFrame, decodeMessage, encodeMessage } from '../../../speaker/codec/message.ts';
import { openArb } from './open-arbitraries.ts';
import { bytesOf, expectedMessage, loadVectors, validMessageVectors } from './message-vectors.ts';

const valid = validMessageVectors();
const eorIpv4 = fromHex(`${'ff'.repeat(16)}00170200000000`);
const eorIpv6 = fromHex(`${'ff'.repeat(16)}001d0200000006800f03000201`);
const contexts: CodecContext[] = [
  defaultContext,
  { ...defaultContext, fourOctetAs: false },
  { ...defaultContext, extendedMessages: true, addPathReceive: new Set(['1/1', '2/1']) },
];

describe('decodeMessage / encodeMessage on every valid vector', () => {
  for (const v of valid) {
    it(`${v.file}`, () => {
      const expected = expectedMessage(v);
      expect(decodeMessage(bytesOf(v), defaultContext)).toEqual(expected);
      if (!v.encodeOptions) expect(toHex(encodeMessage(expected, defaultContext))).toBe(v.hex);
      expect(decodeMessage(encodeMessage(expected, defaultContext), defaultContext)).toEqual(expected);
    });
  }

  it('KEEPALIVE is 19 octets both ways', () => {
    for (const v of loadVectors('keepalive')) {
      expect(decodeMessage(bytesOf(v), defaultContext)).toEqual({ type: 'keepalive' });
      expect(toHex(encodeMessage({ type: 'keepalive' }, defaultContext))).toBe(v.hex);
    }
  });

  it('dispatches UPDATE to the UPDATE codec (BIRD End-of-RIB captures)', () => {
    for (const eor of [eorIpv4, eorIpv6]) {
      const decoded = decodeFrame(eor, defaultContext);
      expect(decoded.message.type).toBe('update');
      expect(decoded.problems).toEqual([]);
      expect(toHex(encodeMessage(decoded.message, defaultContext))).toBe(toHex(eor));
    }
  });

  it('reports a frame shorter than its Length field as Bad Message Length', () => {
    const open = bytesOf(valid[0]!);
    try {
      decodeMessage(open.subarray(0, open.length - 1), defaultContext);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(BgpError);
      expect([(err as BgpError).code, (err as BgpError).subcode]).toEqual([1, 2]);
    }
  });

  it('refuses to encode an UPDATE beyond the session maximum', () => {
    const nlri = Array.from({ length: 1200 }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 0xff}.0/24` }));
    const msg = { type: 'update' as const, withdrawn: [], attributes: {}, nlri };
    expect(() => encodeMessage(msg, defaultContext)).toThrow(EncodeError);
    expect(encodeMessage(msg, { ...defaultContext, extendedMessages: true }).length).toBe(19 + 4 + 1200 * 4);
  });
});

/** Framer + decodeMessage over a byte stream; anything thrown must be a BgpError. */
function decodeAll(chunks: Uint8Array[], ctx: CodecContext): void {
  const framer = new Framer({ context: ctx });
  try {
    for (const chunk of chunks) for (const frame of framer.push(chunk)) decodeMessage(frame, ctx);
  } catch (err) {
    if (!(err instanceof BgpError)) throw err;
  }
}

const seeds = [...valid.map(bytesOf), eorIpv4, eorIpv6];
/** A valid message with a few octets overwritten, some cut off or some appended. */
const mutated = fc
  .record({
    seed: fc.constantFrom(...seeds),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    keepHeader: fc.boolean(),
    cut: fc.nat({ max: 8 }),
    extra: fc.uint8Array({ maxLength: 8 }),
  })
  .map(({ seed, edits, keepHeader, cut, extra }) => {
    const b = new Uint8Array(Buffer.concat([seed.subarray(0, seed.length - cut), extra]));
    const from = keepHeader ? 19 : 0;
    for (const [at, value] of edits) if (b.length > from) b[from + (at % (b.length - from))] = value;
    // With the header kept, fix its length so the body, not the header check, meets the damage.
    if (keepHeader && b.length >= 19) b.set([b.length >> 8, b.length & 0xff], 16);
    return b;
  });

describe('fuzzing: nothing but BgpError, ever', () => {
  it('random octets', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 6 }), fc.constantFrom(...contexts), decodeAll),
      { numRuns: 2000 },
    );
  });

  it('random octets behind a valid header', () => {
    const body = fc.record({ type: fc.integer({ min: 1, max: 5 }), body: fc.uint8Array({ maxLength: 120 }) });
    fc.assert(
      fc.property(body, fc.constantFrom(...contexts), ({ type, body: b }, ctx) => {
        const frame = new Uint8Array(19 + b.length).fill(0xff, 0, 16);
        frame.set([frame.length >> 8, frame.length & 0xff, type], 16);
        frame.set(b, 19);
        decodeAll([frame], ctx);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated valid messages', () => {
    fc.assert(fc.property(mutated, fc.constantFrom(...contexts), (m, ctx) => decodeAll([m], ctx)), { numRuns: 3000 });
  });

  it('decode∘encode∘decode is stable for the OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH that decode', () => {
    fc.assert(
      fc.property(mutated, (m) => {
        let first;
        try {
          first = decodeMessage(m, defaultContext);
        } catch (err) {
          if (err instanceof BgpError) return;
          throw err;
        }
        if (first.type === 'update') return;
        expect(decodeMessage(encodeMessage(first, defaultContext), defaultContext)).toEqual(first);
      }),
      { numRuns: 3000 },
    );
  });

  it('generated OPENs survive encodeMessage and decodeMessage', () => {
    fc.assert(
      fc.property(openArb, (msg) => {
        expect(decodeMessage(encodeMessage(msg, defaultContext), defaultContext)).toEqual(msg);
      }),
      { numRuns: 300 },
    );
  });
});
