// Community attributes, all optional transitive, all treat-as-withdraw when malformed:
//   8  COMMUNITIES           RFC 1997 §3    4 octets each (AS:value)       RFC 7606 §7.8
//   16 EXTENDED_COMMUNITIES  RFC 4360 §2    8 octets each, kept as hex     RFC 7606 §7.14
//   32 LARGE_COMMUNITY       RFC 8092 §3    12 octets each (3 × 4 octets)  RFC 8092 §6
// Malformed = a length that is not a non-zero multiple of the unit. Unknown extended community
// types are not an error (RFC 7606 §7.14); duplicates are not either (RFC 8092 §6).

import { EncodeError } from '../errors.ts';
import { toHex } from '../hex.ts';
import type { Writer } from '../writer.ts';
import { AttrType, expectMultiple, OptionalTransitive, row } from './row.ts';

export const communities = row({
  code: AttrType.Communities,
  name: 'COMMUNITIES',
  key: 'communities',
  flags: OptionalTransitive,
  onMalformed: 'treat-as-withdraw',
  decode(r) {
    expectMultiple(r, 'COMMUNITIES', 4);
    const out = new Array<number>(r.remaining / 4);
    for (let i = 0; i < out.length; i++) out[i] = r.u32();
    return out;
  },
  encode(w, v) {
    for (const c of v) w.u32(c);
  },
});

const hexCommunity = /^[0-9a-fA-F]{16}$/;

function writeHex(w: Writer, hex: string): void {
  if (!hexCommunity.test(hex)) throw new EncodeError(`extended community ${hex} is not 16 hex digits`);
  w.u32(parseInt(hex.slice(0, 8), 16)).u32(parseInt(hex.slice(8), 16));
}

export const extendedCommunities = row({
  code: AttrType.ExtendedCommunities,
  name: 'EXTENDED_COMMUNITIES',
  key: 'extendedCommunities',
  flags: OptionalTransitive,
  onMalformed: 'treat-as-withdraw',
  decode(r) {
    expectMultiple(r, 'EXTENDED_COMMUNITIES', 8);
    const out: string[] = [];
    while (!r.atEnd()) out.push(toHex(r.bytesView(8)));
    return out;
  },
  encode(w, v) {
    for (const hex of v) writeHex(w, hex);
  },
});

export const largeCommunities = row({
  code: AttrType.LargeCommunity,
  name: 'LARGE_COMMUNITY',
  key: 'largeCommunities',
  flags: OptionalTransitive,
  onMalformed: 'treat-as-withdraw',
  decode(r) {
    expectMultiple(r, 'LARGE_COMMUNITY', 12);
    const out: [number, number, number][] = [];
    while (!r.atEnd()) out.push([r.u32(), r.u32(), r.u32()]);
    return out;
  },
  encode(w, v) {
    for (const [g, l1, l2] of v) w.u32(g).u32(l1).u32(l2);
  },
});
