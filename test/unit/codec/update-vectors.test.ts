// Golden UPDATEs (captured from BIRD, and hand-built from the RFCs): each decoded, encoded, and
// decoded again from its own encoding.

import { describe, expect, it } from 'vitest';
import { decodeUpdate, encodeUpdate } from '../../../speaker/codec/update.ts';
import { validateUpdate } from '../../../speaker/codec/validate-update.ts';
import type { UpdateMessage } from '../../../speaker/codec/types.ts';
import { bodyOf, codecContext, commentHex, frameHex, loadVectors } from './update-support.ts';
import type { VectorContext } from './update-support.ts';

interface UpdateVector {
  description: string;
  provenance: string;
  context: VectorContext;
  hex: string;
  comment?: string[];
  message: UpdateMessage;
  encoded?: string;
  encodedNote?: string;
}

const vectors = loadVectors<UpdateVector>('update');

describe('UPDATE golden vectors', () => {
  it('has captures from a real daemon and RFC examples', () => {
    expect(vectors.filter((v) => v.provenance.startsWith('captured from BIRD')).length).toBeGreaterThan(30);
    expect(vectors.filter((v) => v.provenance.startsWith('captured from GoBGP')).length).toBeGreaterThan(15);
    expect(vectors.filter((v) => v.provenance.includes('RFC')).length).toBeGreaterThan(5);
  });

  describe.each(vectors.map((v) => [`${v.file}: ${v.description}`, v] as const))('%s', (_, v) => {
    const ctx = codecContext(v.context);

    it('decodes to the expected message, without problems', () => {
      const decoded = decodeUpdate(bodyOf(v.hex), ctx);
      expect(decoded.message).toEqual(v.message);
      expect(decoded.problems).toEqual([]);
      expect(validateUpdate(decoded, ctx, { isIbgp: true }).action).toBe('accept');
    });

    it('encodes to the same octets (or the documented re-encoding)', () => {
      expect(frameHex(encodeUpdate(v.message, ctx))).toBe(v.encoded ?? v.hex);
    });

    it('decodes its own encoding to the same message, bar what is not sent onward', () => {
      const again = decodeUpdate(encodeUpdate(v.message, ctx), ctx).message;
      const expected = structuredClone(v.message);
      const unknown = expected.attributes.unknown
        ?.filter((a) => (a.flags & 0xc0) === 0xc0)
        .map((a) => ({ ...a, flags: (a.flags | 0x20) & 0xef }));
      if (unknown) expected.attributes.unknown = unknown;
      expect(again).toEqual(expected);
    });

    if (v.comment) {
      it('is annotated octet for octet', () => expect(commentHex(v.comment!)).toBe(v.hex));
    }
  });
});
