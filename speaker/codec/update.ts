// The UPDATE message body (after the 19-octet header): RFC 4271 §4.3.
//
//   Withdrawn Routes Length (2) Withdrawn Routes (IPv4 NLRI form)
//   Total Path Attribute Length (2) Path Attributes
//   Network Layer Reachability Information (IPv4 NLRI form, up to the end of the message)
//
// decodeUpdate throws a BgpError only where the message cannot be taken apart, which RFC 7606
// leaves to a session reset: the two length fields too large for the message (RFC 4271 §6.3,
// RFC 7606 §3 b: Malformed Attribute List) and a syntax error in the Withdrawn Routes or NLRI
// field (RFC 7606 §3 i, §3 j, §5.3: Invalid Network Field). Problems inside the attributes are
// recorded, not thrown; validateUpdate (validate-update.ts) decides what they cost.
//
// End-of-RIB (RFC 4724 §2): for IPv4 unicast an UPDATE with nothing in it; for any other family
// an UPDATE whose only content is an MP_UNREACH_NLRI of that family with no routes.

import type { CodecContext } from './context.ts';
import { familyKey } from './context.ts';
import { BgpError, ErrorCode, UpdateSubcode } from './errors.ts';
import { Afi } from './ip.ts';
import { decodeAttributes, writeAttributes } from './attributes/list.ts';
import type { AttributeProblem } from './attributes/list.ts';
import { decodeNlri, writeNlri } from './nlri.ts';
import { Reader } from './reader.ts';
import type { PathAttributes, UpdateMessage } from './types.ts';
import { Writer } from './writer.ts';

export type { AttributeProblem, ProblemKind } from './attributes/list.ts';

export interface DecodedUpdate {
  /** The UPDATE as far as it reads: attributes with a problem are left out of it. */
  message: UpdateMessage;
  /** Problems in the Path Attributes field, in wire order. */
  problems: AttributeProblem[];
  /** Type codes of every attribute read, in wire order, repeats included. */
  seen: number[];
}

const malformedList = { code: ErrorCode.UpdateMessage, subcode: UpdateSubcode.MalformedAttributeList };
const ipv4Unicast = familyKey(Afi.IPv4, 1);

/** Decodes an UPDATE body (the message after its 19-octet header). */
export function decodeUpdate(body: Uint8Array, ctx: CodecContext): DecodedUpdate {
  const r = new Reader(body, malformedList);
  const addPath = ctx.addPathReceive.has(ipv4Unicast);
  const withdrawnLength = r.u16('Withdrawn Routes Length');
  if (withdrawnLength + 2 > r.remaining) {
    throw new BgpError(
      ErrorCode.UpdateMessage,
      UpdateSubcode.MalformedAttributeList,
      `Withdrawn Routes Length ${withdrawnLength} exceeds the ${body.length}-octet body`,
    );
  }
  const withdrawn = decodeNlri(r.sub(withdrawnLength), Afi.IPv4, addPath, UpdateSubcode.InvalidNetworkField);
  const attributesLength = r.u16('Total Path Attribute Length');
  if (attributesLength > r.remaining) {
    throw new BgpError(
      ErrorCode.UpdateMessage,
      UpdateSubcode.MalformedAttributeList,
      `Withdrawn Routes Length ${withdrawnLength} + Total Path Attribute Length ${attributesLength} + 23 ` +
        `exceeds the message length ${body.length + 19}`,
    );
  }
  const { attributes, problems, seen } = decodeAttributes(r.sub(attributesLength), ctx);
  const nlri = decodeNlri(r, Afi.IPv4, addPath, UpdateSubcode.InvalidNetworkField);
  return { message: { type: 'update', withdrawn, attributes, nlri }, problems, seen };
}

/** Writes an UPDATE body into `w` (for a framer that writes the header around it). */
export function writeUpdate(w: Writer, msg: UpdateMessage, ctx: CodecContext): void {
  const addPath = ctx.addPathSend.has(ipv4Unicast);
  w.lengthPrefixed(2, (w) => writeNlri(w, Afi.IPv4, addPath, msg.withdrawn));
  w.lengthPrefixed(2, (w) => writeAttributes(w, msg.attributes, ctx));
  writeNlri(w, Afi.IPv4, addPath, msg.nlri);
}

/**
 * Encodes an UPDATE body (without the header). Attributes are written as given: toward a
 * 2-octet peer, convert them first with toTwoOctetPeer (as4.ts); an AS above 65535 in AS_PATH or
 * AGGREGATOR is an EncodeError here. Throws EncodeError for values that cannot be encoded.
 */
export function encodeUpdate(msg: UpdateMessage, ctx: CodecContext): Uint8Array {
  const w = new Writer(64 + 5 * (msg.nlri.length + msg.withdrawn.length));
  writeUpdate(w, msg, ctx);
  return w.finish();
}

// ---------------------------------------------------------------- End-of-RIB, RFC 4724 §2

function setKeys(attrs: PathAttributes): string[] {
  return Object.keys(attrs).filter((k) => attrs[k as keyof PathAttributes] !== undefined);
}

/** The family an End-of-RIB marker is for, or null when the UPDATE is not one. */
export function isEndOfRib(msg: UpdateMessage): { afi: number; safi: number } | null {
  if (msg.withdrawn.length > 0 || msg.nlri.length > 0) return null;
  const keys = setKeys(msg.attributes);
  if (keys.length === 0) return { afi: Afi.IPv4, safi: 1 };
  const unreach = msg.attributes.mpUnreach;
  if (keys.length === 1 && unreach && unreach.withdrawn.length === 0) {
    return { afi: unreach.afi, safi: unreach.safi };
  }
  return null;
}

/** The End-of-RIB marker for a family. */
export function endOfRib(afi: number, safi: number): UpdateMessage {
  const attributes: PathAttributes = afi === Afi.IPv4 && safi === 1 ? {} : { mpUnreach: { afi, safi, withdrawn: [] } };
  return { type: 'update', withdrawn: [], attributes, nlri: [] };
}
