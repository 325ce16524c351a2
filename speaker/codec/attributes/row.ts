// What a row of the path attribute table is (RFC 4271 §4.3, §5; RFC 7606 §3, §7), written once
// here; the rows live in the files beside this one and the table in table.ts.

import { BgpError, ErrorCode, UpdateSubcode } from '../errors.ts';
import type { CodecContext } from '../context.ts';
import type { Reader } from '../reader.ts';
import type { PathAttributes } from '../types.ts';
import type { Writer } from '../writer.ts';

/** Attribute Flags, RFC 4271 §4.3. The low four bits are unused: sent as 0, ignored on receipt. */
export const AttrFlag = {
  Optional: 0x80,
  Transitive: 0x40,
  Partial: 0x20,
  ExtendedLength: 0x10,
} as const;

/** The two bits whose values each attribute's RFC fixes (RFC 7606 §3 c). */
export const CategoryMask = AttrFlag.Optional | AttrFlag.Transitive;
export const WellKnown = AttrFlag.Transitive;
export const OptionalTransitive = AttrFlag.Optional | AttrFlag.Transitive;
export const OptionalNonTransitive = AttrFlag.Optional;

export const AttrType = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  MultiExitDisc: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  OriginatorId: 9,
  ClusterList: 10,
  MpReachNlri: 14,
  MpUnreachNlri: 15,
  ExtendedCommunities: 16,
  As4Path: 17,
  As4Aggregator: 18,
  LargeCommunity: 32,
} as const;

/** RFC 7606 §2, strongest first. 'mp' stands for "session reset or AFI/SAFI disable" (§7.11). */
export type ErrorAction = 'session-reset' | 'afi-safi-disable' | 'treat-as-withdraw' | 'attribute-discard';
export type RowAction = ErrorAction | 'mp';

export type AttributeKey = Exclude<keyof PathAttributes, 'unknown'>;
export type ValueOf<K extends AttributeKey> = NonNullable<PathAttributes[K]>;

/**
 * One row per known type code.
 * - `flags`: the Optional and Transitive bits its RFC fixes; a received attribute whose bits
 *   differ is an Attribute Flags Error (RFC 4271 §6.3). Partial and the low bits are not checked.
 * - `onMalformed`: the RFC 7606 §7 action when the value is malformed, and when its flags are
 *   wrong: §3 c makes that treat-as-withdraw unless the attribute's own rule says otherwise
 *   (§3 f for AGGREGATOR and ATOMIC_AGGREGATE, §5.3 for the MP attributes, RFC 6793 §6 for
 *   AS4_*), which is exactly the row's malformed-value action.
 * - `externalDiscard`: RFC 7606 §7.5, §7.9, §7.10: from an external peer the attribute is
 *   discarded whatever its content.
 * - `decode` reads the whole value from `r`, a reader over exactly the value, and throws a
 *   BgpError (code 3 and the RFC 4271 §6.3 subcode) when it is malformed; the caller adds the
 *   data field. Octets left unread are an Attribute Length Error.
 * - `encode` writes the value only; the caller writes flags, type and length around it.
 */
export interface AttributeRow<K extends AttributeKey = AttributeKey> {
  readonly code: number;
  readonly name: string;
  readonly key: K;
  readonly flags: number;
  readonly onMalformed: RowAction | ((external: boolean) => RowAction);
  readonly externalDiscard?: boolean;
  decode(r: Reader, ctx: CodecContext): ValueOf<K>;
  encode(w: Writer, value: ValueOf<K>, ctx: CodecContext): void;
}

/** Any row, keeping the link between its key and its value type. */
export type AnyRow = { [K in AttributeKey]: AttributeRow<K> }[AttributeKey];

export function row<K extends AttributeKey>(r: AttributeRow<K>): AttributeRow<K> {
  return r;
}

/** A malformed value: thrown by `decode`, caught by the attribute list decoder. */
export function malformed(subcode: number, detail: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, subcode, detail);
}

/** RFC 4271 §6.3 "Attribute Length Error" unless `length` is one of `allowed`. */
export function expectLength(r: Reader, name: string, ...allowed: number[]): void {
  if (!allowed.includes(r.remaining)) {
    throw malformed(UpdateSubcode.AttributeLengthError, `${name} length ${r.remaining}, expected ${allowed.join(' or ')}`);
  }
}

/** A non-zero multiple of `unit` octets (RFC 7606 §7.8, §7.10, §7.14; RFC 8092 §5). */
export function expectMultiple(r: Reader, name: string, unit: number): void {
  if (r.remaining === 0 || r.remaining % unit !== 0) {
    throw malformed(
      UpdateSubcode.AttributeLengthError,
      `${name} length ${r.remaining} is not a non-zero multiple of ${unit}`,
    );
  }
}
