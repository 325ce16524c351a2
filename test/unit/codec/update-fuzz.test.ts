// Properties: whatever arrives, decodeUpdate + validateUpdate end in a verdict or a BgpError;
// what we encode decodes to what we meant, on 2- and 4-octet sessions, with and without ADD-PATH.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsTrans, fromTwoOctetPeer, toTwoOctetPeer } from '../../../speaker/codec/as4.ts';
import { BgpError } from '../../../speaker/codec/errors.ts';
import { decodeUpdate, encodeUpdate } from '../../../speaker/codec/update.ts';
import { updateToJson } from '../../../speaker/codec/update-json.ts';
import { validateUpdate } from '../../../speaker/codec/validate-update.ts';
import type { SessionFacts } from '../../../speaker/codec/validate-update.ts';
import { asPath, updateMessage } from './update-arbitraries.ts';
import { bodyOf, codecContext, loadVectors } from './update-support.ts';

const contexts = [
  codecContext({ fourOctetAs: true }),
  codecContext({ fourOctetAs: false }),
  codecContext({ fourOctetAs: true, addPath: ['1/1', '2/1', '1/2', '2/2'] }),
  codecContext({ fourOctetAs: false, addPath: ['1/1', '2/1', '1/2', '2/2'] }),
];
const facts = fc.record({
  isIbgp: fc.boolean(),
  isConfedPeer: fc.boolean(),
  peerAs: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
  mpErrorAction: fc.constantFrom('session-reset', 'afi-safi-disable') as fc.Arbitrary<'session-reset' | 'afi-safi-disable'>,
});

/** Runs the receive path; returns normally or rethrows anything that is not a BgpError. */
function receive(body: Uint8Array, ctxIndex: number, f: SessionFacts) {
  const ctx = contexts[ctxIndex]!;
  try {
    const verdict = validateUpdate(decodeUpdate(body, ctx), ctx, f);
    updateToJson(decodeUpdate(body, ctx).message);
    expect(verdict.action === 'session-reset' || verdict.action === 'afi-safi-disable').toBe(verdict.error !== undefined);
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    expect(e.code).toBe(3);
  }
}

const seeds = loadVectors<{ hex: string }>('update').map((v) => bodyOf(v.hex));
const mutated = fc
  .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 6 }))
  .map(([seed, edits]) => {
    const b = [...seed];
    for (const [at, value, op] of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (op === 'set') b[i] = value;
      else if (op === 'insert') b.splice(i, 0, value);
      else b.splice(i, 1);
    }
    return Uint8Array.from(b);
  });

describe('UPDATE receive path under fuzzing', () => {
  const ctxIndex = fc.integer({ min: 0, max: contexts.length - 1 });

  it('random bodies: a verdict or a BgpError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), ctxIndex, facts, receive), { numRuns: 3000 });
  });

  it('mutated real UPDATEs: a verdict or a BgpError, nothing else', () => {
    fc.assert(fc.property(mutated, ctxIndex, facts, receive), { numRuns: 5000 });
  });

  it('generated UPDATEs with one length field nudged: a verdict or a BgpError', () => {
    const nudged = fc.tuple(updateMessage({ fourOctetAs: true, addPath: false }), fc.nat(), fc.integer({ min: -3, max: 3 })).map(([m, at, d]) => {
      const b = encodeUpdate(m, contexts[0]!);
      const i = at % b.length;
      b[i] = (b[i]! + d) & 0xff;
      return b;
    });
    fc.assert(fc.property(nudged, facts, (b, f) => receive(b, 0, f)), { numRuns: 2000 });
  });
});

describe('UPDATE encode ∘ decode', () => {
  it.each([
    ['4-octet AS', true, false, 0],
    ['2-octet AS', false, false, 1],
    ['4-octet AS, ADD-PATH', true, true, 2],
    ['2-octet AS, ADD-PATH', false, true, 3],
  ] as const)('is stable: %s', (_, fourOctetAs, addPath, i) => {
    const ctx = contexts[i]!;
    fc.assert(
      fc.property(updateMessage({ fourOctetAs, addPath }), (m) => {
        const bytes = encodeUpdate(m, ctx);
        const decoded = decodeUpdate(bytes, ctx);
        expect(decoded.problems).toEqual([]);
        expect(decoded.message).toEqual(m);
        expect(encodeUpdate(decoded.message, ctx)).toEqual(bytes);
      }),
      { numRuns: 400 },
    );
  });

  it('toward a 2-octet peer and back gives the 4-octet AS path (no confederation segments)', () => {
    const path = asPath(true).map((p) => p.filter((s) => s.type === 'set' || s.type === 'sequence'));
    const ctx2 = contexts[1]!;
    fc.assert(
      fc.property(path, (p) => {
        const sent = toTwoOctetPeer({ origin: 'igp', asPath: p, aggregator: { asn: 4200000001, address: '192.0.2.1' } });
        const got = decodeUpdate(encodeUpdate({ type: 'update', withdrawn: [], nlri: [], attributes: sent }, ctx2), ctx2);
        expect(got.message.attributes.aggregator?.asn).toBe(AsTrans);
        const merged = fromTwoOctetPeer(got.message.attributes);
        expect(merged.asPath).toEqual(p);
        expect(merged.aggregator).toEqual({ asn: 4200000001, address: '192.0.2.1' });
      }),
      { numRuns: 300 },
    );
  });
});

