// AS paths: AS_PATH (2), RFC 4271 §4.3 b and §5.1.2, 4-octet AS numbers when the session has
// negotiated them (RFC 6793 §4.1), confederation segments from RFC 5065 §3; AS4_PATH (17),
// RFC 6793 §3, always 4-octet.
//
//   Segment: Type (1) Count (1, ASes not octets) AS (2 or 4) × Count
//   Types: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET
//
// RFC 7606 §7.2: malformed when a segment type is unknown, a segment overruns the attribute, a
// single octet is left over, or a segment has count 0. AS_PATH → treat-as-withdraw (Malformed
// AS_PATH); AS4_PATH → attribute discard (RFC 6793 §6). AS4_PATH as carried may hold
// confederation segments; the merge in as4.ts drops them (RFC 6793 §6).

import { EncodeError, UpdateSubcode } from '../errors.ts';
import type { Reader } from '../reader.ts';
import type { AsPathSegment, AsPathSegmentType } from '../types.ts';
import type { Writer } from '../writer.ts';
import { AttrType, malformed, OptionalTransitive, row, WellKnown } from './row.ts';

export const SegmentType: Readonly<Record<AsPathSegmentType, number>> = {
  set: 1,
  sequence: 2,
  'confed-sequence': 3,
  'confed-set': 4,
};

const segmentNames: readonly (AsPathSegmentType | undefined)[] = [
  undefined,
  'set',
  'sequence',
  'confed-sequence',
  'confed-set',
];

export function decodeSegments(r: Reader, asOctets: 2 | 4, subcode: number, name: string): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  while (!r.atEnd()) {
    if (r.remaining < 2) throw malformed(subcode, `${name}: one octet left after the last segment`);
    const t = r.u8();
    const count = r.u8();
    const type = segmentNames[t];
    if (!type) throw malformed(subcode, `${name}: unknown segment type ${t}`);
    if (count === 0) throw malformed(subcode, `${name}: segment of 0 ASes`);
    if (count * asOctets > r.remaining) {
      throw malformed(subcode, `${name}: segment of ${count} ASes overruns the attribute`);
    }
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) asns[i] = asOctets === 4 ? r.u32() : r.u16();
    out.push({ type, asns });
  }
  return out;
}

/**
 * Sequences longer than 255 ASes are split into several segments (the same path, RFC 4271
 * §5.1.2); a set cannot be split without changing its length in route selection, so a set of
 * more than 255 ASes, like an empty segment, is refused.
 */
export function encodeSegments(w: Writer, segments: readonly AsPathSegment[], asOctets: 2 | 4): void {
  for (const seg of segments) {
    const t = SegmentType[seg.type];
    if (t === undefined) throw new EncodeError(`unknown AS path segment type ${seg.type}`);
    const n = seg.asns.length;
    if (n === 0) throw new EncodeError('empty AS path segment');
    const splittable = seg.type === 'sequence' || seg.type === 'confed-sequence';
    if (n > 255 && !splittable) throw new EncodeError(`AS path ${seg.type} of ${n} ASes exceeds 255`);
    for (let from = 0; from < n; from += 255) {
      const to = Math.min(n, from + 255);
      w.u8(t).u8(to - from);
      for (let i = from; i < to; i++) {
        const asn = seg.asns[i]!;
        if (asOctets === 4) {
          w.u32(asn);
        } else {
          if (asn > 0xffff) throw new EncodeError(`AS ${asn} needs AS_TRANS toward a 2-octet peer`);
          w.u16(asn);
        }
      }
    }
  }
}

export const asPath = row({
  code: AttrType.AsPath,
  name: 'AS_PATH',
  key: 'asPath',
  flags: WellKnown,
  onMalformed: 'treat-as-withdraw', // RFC 7606 §7.2
  decode: (r, ctx) => decodeSegments(r, ctx.fourOctetAs ? 4 : 2, UpdateSubcode.MalformedAsPath, 'AS_PATH'),
  encode: (w, v, ctx) => encodeSegments(w, v, ctx.fourOctetAs ? 4 : 2),
});

export const as4Path = row({
  code: AttrType.As4Path,
  name: 'AS4_PATH',
  key: 'as4Path',
  flags: OptionalTransitive,
  onMalformed: 'attribute-discard', // RFC 6793 §6
  decode(r) {
    if (r.atEnd()) throw malformed(UpdateSubcode.AttributeLengthError, 'AS4_PATH of length 0');
    return decodeSegments(r, 4, UpdateSubcode.OptionalAttributeError, 'AS4_PATH');
  },
  encode: (w, v) => encodeSegments(w, v, 4),
});
