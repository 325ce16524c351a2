// UPDATE packing: route changes to the fewest UPDATE messages (whole frames, header included)
// within the session's maximum message size, 4096 octets or 65535 with RFC 8654 extended
// messages. update-plan.ts sorts the routes into groups (one attribute set, one family); here
// each group fills messages to the limit.
//
// The size of a message is known before it is written (RFC 4271 §4.3, RFC 4760 §3–4):
//
//   19 header + 2 Withdrawn Routes Length + 2 Total Path Attribute Length       = 23
//   + the group's attributes without MP ones (encoded once per group)           = tailLength
//   + IPv4 NLRI field: the prefixes                                             (NLRI field)
//   | MP_REACH_NLRI: 3 or 4 (Extended Length past 255) + AFI 2 + SAFI 1
//                    + next hop length 1 + next hops + reserved 1 + the prefixes (IPv6, RFC 8950)
//   + withdrawals: IPv4 in the Withdrawn Routes field, IPv6 in an MP_UNREACH_NLRI
//                    (3 or 4 + AFI 2 + SAFI 1 + the prefixes)
//
// and a prefix is 1 + ceil(len / 8) octets, 4 more with ADD-PATH (RFC 7911 §3). Routes are added
// while the next one fits; each frame is checked to have exactly the computed length.
//
// Decisions:
// - One address family per UPDATE. A group's messages carry only that family's routes, and
//   withdrawals of the same family fill the room left in them — IPv4 ones in the Withdrawn Routes
//   field (RFC 4271 §4.3 lets an UPDATE withdraw and announce at once), IPv6 ones in an
//   MP_UNREACH_NLRI next to the MP_REACH_NLRI (RFC 4760 allows both in one UPDATE). So
//   withdrawals cost no message of their own unless they outgrow that room; the rest go in
//   withdrawal-only UPDATEs, IPv4 then IPv6. A peer that negotiated only one family never sees
//   the other in a message that matters to it.
// - Next fit, in input order: a message is closed when the next route does not fit; with
//   prefixes of one length (the /32s and /128s of Services) that is the optimum, ceil(n / k)
//   messages; with mixed lengths each message is within one prefix of full.
// - Nothing is sent for nothing: no changes, no frames (an empty UPDATE would be an IPv4
//   End-of-RIB, RFC 4724 §2; send that with endOfRib() from update.ts).
// - Attributes are encoded as given: toward a 2-octet peer convert them first (as4.ts).
//
// updateFrames is a generator: the routes are grouped up front (a group's routes may come
// anywhere in the input), then each frame is encoded only when it is asked for. packedUpdates
// yields the same frames with the message each one encodes (for a wire tap: no decoding).

import type { CodecContext } from './context.ts';
import { maxMessageLength } from './context.ts';
import { EncodeError } from './errors.ts';
import { encodeFrame } from './header.ts';
import { Afi } from './ip.ts';
import type { Nlri, PathAttributes, UpdateMessage } from './types.ts';
import { HeaderLength, MessageType } from './types.ts';
import { writeUpdate } from './update.ts';
import { planUpdates } from './update-plan.ts';
import type { RouteChanges, RouteGroup, Withdrawals } from './update-plan.ts';

export type { Announcement, RouteAttributes, RouteChanges } from './update-plan.ts';

/** Header, Withdrawn Routes Length and Total Path Attribute Length. */
export const UpdateOverhead = HeaderLength + 2 + 2;

/** Octets of a path attribute whose value is `n` octets: flags, type code, 1- or 2-octet length. */
export const attributeLength = (n: number): number => n + (n > 255 ? 4 : 3);

/** The route changes as UPDATE frames, every one within the session's maximum. */
export function packUpdates(changes: RouteChanges, ctx: CodecContext): Uint8Array[] {
  return [...updateFrames(changes, ctx)];
}

/**
 * An UPDATE as packed: the frame, the message it encodes and its one address family. The message's
 * NLRI entries are the announcements given (prefix, path id, and their attributes besides): use
 * plainMessage() for one that says only what the frame says.
 */
export interface PackedUpdate {
  readonly bytes: Uint8Array;
  readonly message: UpdateMessage;
  readonly afi: Afi;
}

const plainNlri = (n: Nlri): Nlri => (n.pathId === undefined ? { prefix: n.prefix } : { prefix: n.prefix, pathId: n.pathId });

/** The packed message with each NLRI entry reduced to its prefix and path id: what decoding the frame gives. */
export function plainMessage(m: UpdateMessage): UpdateMessage {
  const { mpReach, ...rest } = m.attributes;
  return {
    type: 'update',
    withdrawn: m.withdrawn.map(plainNlri),
    attributes: mpReach ? { ...rest, mpReach: { ...mpReach, nlri: mpReach.nlri.map(plainNlri) } } : { ...rest },
    nlri: m.nlri.map(plainNlri),
  };
}

/** packUpdates one frame at a time, for a sender that writes as it goes. */
export function* updateFrames(changes: RouteChanges, ctx: CodecContext): Generator<Uint8Array, void, undefined> {
  for (const u of packedUpdates(changes, ctx)) yield u.bytes;
}

/** updateFrames with the message of each frame. */
export function* packedUpdates(changes: RouteChanges, ctx: CodecContext): Generator<PackedUpdate, void, undefined> {
  const plan = planUpdates(changes, ctx);
  const max = maxMessageLength(ctx);
  const pending = {
    [Afi.IPv4]: new Pending(plan.withdrawals[Afi.IPv4]),
    [Afi.IPv6]: new Pending(plan.withdrawals[Afi.IPv6]),
  };
  for (const group of plan.groups) yield* groupFrames(group, pending[group.afi], ctx, max);
  for (const afi of [Afi.IPv4, Afi.IPv6]) yield* withdrawalFrames(afi, pending[afi], ctx, max);
}

/** Length of an UPDATE of `afi` with `nlriBytes` of the group's routes and `withdrawnBytes`. */
function messageLength(g: RouteGroup | null, afi: Afi, nlriBytes: number, withdrawnBytes: number): number {
  let n = UpdateOverhead;
  if (g) n += g.tailLength + (g.mpNextHops ? attributeLength(5 + g.nextHopLength + nlriBytes) : nlriBytes);
  if (afi === Afi.IPv4) n += withdrawnBytes;
  else if (withdrawnBytes > 0) n += attributeLength(3 + withdrawnBytes);
  return n;
}

function* groupFrames(g: RouteGroup, pending: Pending, ctx: CodecContext, max: number): Generator<PackedUpdate> {
  const { nlri, sizes } = g;
  let i = 0;
  while (i < nlri.length) {
    const start = i;
    let bytes = 0;
    while (i < nlri.length && messageLength(g, g.afi, bytes + sizes[i]!, 0) <= max) bytes += sizes[i++]!;
    if (i === start) {
      const need = messageLength(g, g.afi, sizes[i]!, 0);
      throw new EncodeError(`${nlri[i]!.prefix}: an UPDATE with its attributes takes ${need} octets, more than ${max}`);
    }
    const taken = pending.take((w) => messageLength(g, g.afi, bytes, w) <= max);
    yield frame(g, g.afi, nlri.slice(start, i), taken.nlri, messageLength(g, g.afi, bytes, taken.bytes), ctx);
  }
}

function* withdrawalFrames(afi: Afi, pending: Pending, ctx: CodecContext, max: number): Generator<PackedUpdate> {
  while (!pending.done) {
    const taken = pending.take((w) => messageLength(null, afi, 0, w) <= max);
    yield frame(null, afi, [], taken.nlri, messageLength(null, afi, 0, taken.bytes), ctx);
  }
}

function frame(g: RouteGroup | null, afi: Afi, nlri: Nlri[], withdrawn: Nlri[], length: number, ctx: CodecContext): PackedUpdate {
  const attributes: PathAttributes = g ? { ...g.tail } : {};
  if (g?.mpNextHops) attributes.mpReach = { afi: g.afi, safi: 1, nextHops: [...g.mpNextHops], nlri };
  if (afi === Afi.IPv6 && withdrawn.length > 0) attributes.mpUnreach = { afi, safi: 1, withdrawn };
  const msg: UpdateMessage = {
    type: 'update',
    withdrawn: afi === Afi.IPv4 ? withdrawn : [],
    attributes,
    nlri: g && !g.mpNextHops ? nlri : [],
  };
  const out = encodeFrame(MessageType.Update, ctx, (w) => writeUpdate(w, msg, ctx), length);
  if (out.length !== length) throw new Error(`UPDATE packer: computed ${length} octets, wrote ${out.length}`);
  return { bytes: out, message: msg, afi };
}

/** The withdrawals of one family not yet placed in a message, in input order. */
class Pending {
  private readonly list: Withdrawals;
  private at = 0;

  constructor(list: Withdrawals) {
    this.list = list;
  }

  get done(): boolean {
    return this.at >= this.list.nlri.length;
  }

  /** The next withdrawals while `fits(their total octets)` holds, in order; possibly none. */
  take(fits: (bytes: number) => boolean): { nlri: Nlri[]; bytes: number } {
    const { nlri, sizes } = this.list;
    const start = this.at;
    let bytes = 0;
    while (this.at < nlri.length && fits(bytes + sizes[this.at]!)) bytes += sizes[this.at++]!;
    return { nlri: nlri.slice(start, this.at), bytes };
  }
}
