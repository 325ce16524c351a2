// The Path Attributes field of an UPDATE: RFC 4271 §4.3.
//
//   Attribute: Flags (1) Type Code (1) Length (1, or 2 with Extended Length) Value
//
// Decoding never throws for a problem inside the field: each is recorded (kind, type code,
// flags, the RFC 4271 §6.3 subcode and data) for validate-update.ts to weigh under RFC 7606.
// An attribute with a problem is left out of the decoded attributes; of a repeated type code the
// first occurrence counts (RFC 7606 §3 g). A framing error (RFC 7606 §4) ends the field: the
// Total Path Attribute Length still locates the NLRI.
//
// Encoding: MP attributes first, then ascending type code (table.ts); Extended Length set
// exactly when a value exceeds 255 octets. Unknown attributes (RFC 4271 §5): optional transitive
// ones are passed on with the Partial bit set, optional non-transitive ones are not passed on.

import type { CodecContext } from '../context.ts';
import { BgpError, EncodeError, ErrorCode, UpdateSubcode } from '../errors.ts';
import { fromHex, toHex } from '../hex.ts';
import type { Reader } from '../reader.ts';
import type { PathAttributes, RawAttribute } from '../types.ts';
import type { Writer } from '../writer.ts';
import { MpAttributeError, peekFamily } from './mp.ts';
import type { Family } from './mp.ts';
import { AttrFlag, AttrType, CategoryMask, OptionalTransitive } from './row.ts';
import type { AnyRow } from './row.ts';
import { attributeName, attributeTable, sendOrder } from './table.ts';

export type ProblemKind =
  /** RFC 7606 §4: an attribute header or value runs past the end of the field. */
  | 'framing'
  /** RFC 4271 §6.3: Optional or Transitive bit differs from the attribute's definition. */
  | 'flags'
  /** The value does not decode; its row names the RFC 7606 §7 action. */
  | 'malformed'
  /** A second occurrence of a type code (RFC 7606 §3 g). */
  | 'duplicate'
  /** An unknown type code without the Optional bit (RFC 4271 §6.3). */
  | 'unrecognized-well-known'
  /** An MP attribute whose routes are of a family this codec does not decode. */
  | 'unsupported-family';

export interface AttributeProblem {
  kind: ProblemKind;
  /** The attribute type code (0 when the field ended before a type code could be read). */
  code: number;
  flags: number;
  /** The UPDATE Message Error subcode RFC 4271 §6.3 (or RFC 4760 §7) names for it. */
  subcode: number;
  reason: string;
  /** NOTIFICATION data per RFC 4271 §6.3: the attribute (flags, type, length, value) where it
   * names one; empty for Malformed AS_PATH and Malformed Attribute List, which name none. */
  data: Uint8Array;
  /** MP attributes: the AFI/SAFI, when it could be read. */
  family?: Family;
}

export interface DecodedAttributes {
  attributes: PathAttributes;
  problems: AttributeProblem[];
  /** Type codes of every attribute read, in wire order, repeats included. */
  seen: number[];
}

const lengthUnderrun = { code: ErrorCode.UpdateMessage, subcode: UpdateSubcode.AttributeLengthError };
const none = new Uint8Array(0);

/** One attribute as framed on the wire: `raw` is the whole of it, `value` reads its value. */
interface Frame {
  flags: number;
  code: number;
  raw: Uint8Array;
  value: Reader;
}

function problem(
  kind: ProblemKind,
  at: { flags: number; code: number },
  subcode: number,
  reason: string,
  data: Uint8Array = none,
  family?: Family,
): AttributeProblem {
  const p: AttributeProblem = { kind, code: at.code, flags: at.flags, subcode, reason, data };
  if (family) p.family = family;
  return p;
}

/** The data RFC 4271 §6.3 names for each subcode: the whole attribute, or nothing. */
function dataFor(subcode: number, raw: Uint8Array): Uint8Array {
  const nothing = subcode === UpdateSubcode.MalformedAsPath || subcode === UpdateSubcode.MalformedAttributeList;
  return nothing ? none : raw.slice();
}

/** The next attribute, or the RFC 7606 §4 framing problem that ends the field. */
function nextFrame(r: Reader): Frame | AttributeProblem {
  const bytes = r.bytes;
  const start = r.offset;
  const flags = bytes[start]!;
  const code = r.remaining >= 2 ? bytes[start + 1]! : 0;
  const headerLength = flags & AttrFlag.ExtendedLength ? 4 : 3;
  const list = UpdateSubcode.MalformedAttributeList;
  if (r.remaining < headerLength) {
    return problem('framing', { flags, code }, list, `${r.remaining} octets left, too few for an attribute header`);
  }
  const length = headerLength === 4 ? (bytes[start + 2]! << 8) | bytes[start + 3]! : bytes[start + 2]!;
  if (length > r.remaining - headerLength) {
    return problem('framing', { flags, code }, list, `${attributeName(code)} length ${length} overruns the field`);
  }
  r.skip(headerLength);
  const value = r.sub(length, lengthUnderrun);
  return { flags, code, raw: bytes.subarray(start, start + headerLength + length), value };
}

/** Decodes a known attribute into `attrs`, or returns its problem. */
function decodeKnown(row: AnyRow, f: Frame, ctx: CodecContext, attrs: PathAttributes): AttributeProblem | undefined {
  const isMp = f.code === AttrType.MpReachNlri || f.code === AttrType.MpUnreachNlri;
  if ((f.flags & CategoryMask) !== row.flags) {
    const family = isMp ? peekFamily(f.value.rest()) : undefined;
    const reason = `${row.name} flags 0x${f.flags.toString(16)}`;
    return problem('flags', f, UpdateSubcode.AttributeFlagsError, reason, f.raw.slice(), family);
  }
  try {
    const v = row.decode(f.value, ctx);
    if (!f.value.atEnd()) {
      const detail = `${f.value.remaining} octets left over`;
      throw new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.AttributeLengthError, detail);
    }
    (attrs as Record<string, unknown>)[row.key] = v;
    return undefined;
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    const mp = e instanceof MpAttributeError ? e : undefined;
    const kind = mp?.unsupported ? 'unsupported-family' : 'malformed';
    return problem(kind, f, e.subcode, `${row.name}: ${e.detail}`, dataFor(e.subcode, f.raw), mp?.family);
  }
}

/** Decodes the attributes in `r`, a reader over exactly the Path Attributes field. */
export function decodeAttributes(r: Reader, ctx: CodecContext): DecodedAttributes {
  const attributes: PathAttributes = {};
  const problems: AttributeProblem[] = [];
  const seen: number[] = [];
  const unknown: RawAttribute[] = [];
  const present = new Uint8Array(256);
  while (!r.atEnd()) {
    const f = nextFrame(r);
    if (!('raw' in f)) {
      problems.push(f);
      break; // RFC 7606 §4: the NLRI is still found by the Total Path Attribute Length
    }
    seen.push(f.code);
    if (present[f.code]) {
      problems.push(problem('duplicate', f, UpdateSubcode.MalformedAttributeList, `${attributeName(f.code)} repeated`));
      continue;
    }
    present[f.code] = 1;
    const row = attributeTable.get(f.code);
    if (row) {
      const p = decodeKnown(row, f, ctx, attributes);
      if (p) problems.push(p);
    } else if (f.flags & AttrFlag.Optional) {
      unknown.push({ code: f.code, flags: f.flags, hex: toHex(f.value.rest()) });
    } else {
      const reason = `unknown well-known attribute ${f.code}`;
      problems.push(problem('unrecognized-well-known', f, UpdateSubcode.UnrecognizedWellKnownAttribute, reason, f.raw.slice()));
    }
  }
  if (unknown.length > 0) attributes.unknown = unknown;
  return { attributes, problems, seen };
}

function writeAttribute(w: Writer, flags: number, code: number, body: (w: Writer) => void): void {
  const flagsAt = w.length;
  w.u8(flags & ~AttrFlag.ExtendedLength & 0xf0).u8(code);
  if (w.shortOrLongLength(body)) w.patchU8(flagsAt, (flags | AttrFlag.ExtendedLength) & 0xf0);
}

/** Writes the Path Attributes field (without its length). */
export function writeAttributes(w: Writer, attrs: PathAttributes, ctx: CodecContext): void {
  const unknown = [...(attrs.unknown ?? [])].sort((a, b) => a.code - b.code);
  let u = 0;
  const writeUnknownBelow = (code: number) => {
    for (; u < unknown.length && unknown[u]!.code < code; u++) writeUnknown(w, unknown[u]!);
  };
  for (const row of sendOrder) {
    if (row.code !== AttrType.MpReachNlri && row.code !== AttrType.MpUnreachNlri) writeUnknownBelow(row.code);
    const v = attrs[row.key];
    if (v === undefined || v === false) continue;
    const encode = row.encode as (w: Writer, v: unknown, c: CodecContext) => void;
    writeAttribute(w, row.flags, row.code, (w) => encode(w, v, ctx));
  }
  writeUnknownBelow(256);
}

function writeUnknown(w: Writer, a: RawAttribute): void {
  if (attributeTable.has(a.code)) throw new EncodeError(`attribute ${a.code} is known; set its field instead`);
  if ((a.flags & CategoryMask) !== OptionalTransitive) return; // RFC 4271 §5: not passed on
  writeAttribute(w, a.flags | AttrFlag.Partial, a.code, (w) => void w.bytes(fromHex(a.hex)));
}
