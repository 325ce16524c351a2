// The first half of UPDATE packing (update-builder.ts is the second): a set of route changes
// sorted into groups that may share an UPDATE. An UPDATE carries one set of path attributes for
// all its NLRI (RFC 4271 §4.3), so routes share a message only when their attributes are equal
// on the wire; and we keep one address family per UPDATE (see update-builder.ts).
//
// The group key is the attribute set's own wire encoding (with the MP_REACH_NLRI next hops),
// which is canonical by construction: two attribute objects that encode alike are one group.
// Encoding happens once per distinct attribute OBJECT: callers pass the same object for many
// routes, so the object is looked up by identity first and encoded only when it is new.
//
// Which family a route goes to: IPv4 prefixes in the NLRI field with NEXT_HOP, or, when the
// attributes have no NEXT_HOP but `mpNextHops`, in MP_REACH_NLRI AFI 1 (RFC 8950: an IPv6 next
// hop for IPv4 NLRI). IPv6 prefixes always in MP_REACH_NLRI AFI 2 with `mpNextHops`, and without
// NEXT_HOP (RFC 4760 §3: an UPDATE whose only NLRI are in MP_REACH_NLRI SHOULD NOT carry it).
// Only SAFI 1 (unicast) is packed.
//
// Duplicates: a route is (prefix, path id), the path id counting only where ADD-PATH is sent for
// the family (RFC 7911). Of two announcements of one route the later wins; a withdrawal of a
// route also announced is dropped (the announcement replaces the route anyway, RFC 4271 §3.1);
// a route withdrawn twice is withdrawn once. Prefixes are compared as text: pass them in the
// form the codec prints (IPv6 in RFC 5952 form).

import type { CodecContext, FamilyKey } from './context.ts';
import { familyKey } from './context.ts';
import { EncodeError } from './errors.ts';
import { toHex } from './hex.ts';
import { Afi, parseIP } from './ip.ts';
import { nlriWireLength } from './nlri.ts';
import { writeAttributes } from './attributes/list.ts';
import type { Nlri, PathAttributes } from './types.ts';
import { Writer } from './writer.ts';

/** Path attributes of a route, without NLRI (the packer writes the MP attributes itself). */
export type RouteAttributes = Omit<PathAttributes, 'mpReach' | 'mpUnreach'> & {
  /** Next hops for routes sent in MP_REACH_NLRI: an IPv6 global address, then optionally a
   * link-local one (RFC 2545 §3). Required for IPv6 prefixes; for IPv4 prefixes used only when
   * `nextHop` is absent (RFC 8950). */
  readonly mpNextHops?: readonly string[];
};

export interface Announcement {
  /** "addr/len". */
  readonly prefix: string;
  /** Sent only where ADD-PATH is in force for the family (ctx.addPathSend); 0 when absent. */
  readonly pathId?: number;
  readonly attributes: RouteAttributes;
}

export interface RouteChanges {
  readonly announce?: Iterable<Announcement>;
  readonly withdraw?: Iterable<Nlri>;
}

/** Routes of one attribute set and one family: the routes an UPDATE may carry together. */
export interface RouteGroup {
  readonly afi: Afi;
  /** The attributes every message of the group carries, MP attributes excluded. */
  readonly tail: PathAttributes;
  /** Octets `tail` takes in the Path Attributes field. */
  readonly tailLength: number;
  /** MP_REACH_NLRI next hops, or null when the routes go in the NLRI field (IPv4). */
  readonly mpNextHops: readonly string[] | null;
  /** Octets of the next hops in MP_REACH_NLRI (0 for the NLRI field). */
  readonly nextHopLength: number;
  readonly nlri: Nlri[];
  /** Wire octets of each entry of `nlri`, path identifier included. */
  readonly sizes: number[];
}

/** Withdrawals of one family, with their wire octets. */
export interface Withdrawals {
  readonly nlri: Nlri[];
  readonly sizes: number[];
}

export interface UpdatePlan {
  /** In the order their first route was given. */
  readonly groups: RouteGroup[];
  readonly withdrawals: { readonly [Afi.IPv4]: Withdrawals; readonly [Afi.IPv6]: Withdrawals };
}

const families: Record<Afi, FamilyKey> = { [Afi.IPv4]: familyKey(Afi.IPv4, 1), [Afi.IPv6]: familyKey(Afi.IPv6, 1) };

/** A prefix's family and length, read from its text; the address is checked when encoded. */
function classify(prefix: string): { afi: Afi; length: number } {
  const afi = prefix.indexOf(':') >= 0 ? Afi.IPv6 : Afi.IPv4;
  const slash = prefix.lastIndexOf('/');
  let length = 0;
  const digits = prefix.length - slash - 1;
  for (let i = slash + 1; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return bad(prefix);
    length = length * 10 + c;
  }
  if (slash < 0 || digits < 1 || digits > 3 || length > (afi === Afi.IPv4 ? 32 : 128)) return bad(prefix);
  return { afi, length };
}

function bad(prefix: string): never {
  throw new EncodeError(`not a prefix "addr/len": ${prefix}`);
}

/** Sorts `changes` into groups and per-family withdrawals (see the header for the rules). */
export function planUpdates(changes: RouteChanges, ctx: CodecContext): UpdatePlan {
  const addPath = { [Afi.IPv4]: ctx.addPathSend.has(families[Afi.IPv4]), [Afi.IPv6]: ctx.addPathSend.has(families[Afi.IPv6]) };
  const key = (n: Nlri, afi: Afi) => (addPath[afi] ? `${n.prefix}#${n.pathId ?? 0}` : n.prefix);

  const announced = new Map<string, Announcement>();
  for (const a of changes.announce ?? []) {
    announced.set(key(a, classify(a.prefix).afi), a); // the later one wins
  }

  const index = new GroupIndex(ctx);
  for (const a of announced.values()) {
    const { afi, length } = classify(a.prefix);
    const group = index.groupOf(a.attributes, afi);
    group.nlri.push(a);
    group.sizes.push(nlriWireLength(length, addPath[afi]));
  }

  const withdrawals = { [Afi.IPv4]: { nlri: [], sizes: [] }, [Afi.IPv6]: { nlri: [], sizes: [] } } as UpdatePlan['withdrawals'];
  const withdrawn = new Set<string>();
  for (const w of changes.withdraw ?? []) {
    const { afi, length } = classify(w.prefix);
    const k = key(w, afi);
    if (announced.has(k) || withdrawn.has(k)) continue;
    withdrawn.add(k);
    withdrawals[afi].nlri.push(w);
    withdrawals[afi].sizes.push(nlriWireLength(length, addPath[afi]));
  }
  return { groups: index.groups, withdrawals };
}

/** Attribute objects to their groups: by identity first, by wire encoding second. */
class GroupIndex {
  readonly groups: RouteGroup[] = [];
  private readonly ctx: CodecContext;
  private readonly byObject = new Map<RouteAttributes, (RouteGroup | undefined)[]>();
  private readonly byKey = new Map<string, RouteGroup>();
  private lastObject: RouteAttributes | undefined;
  private lastGroups: (RouteGroup | undefined)[] = [];

  constructor(ctx: CodecContext) {
    this.ctx = ctx;
  }

  groupOf(attrs: RouteAttributes, afi: Afi): RouteGroup {
    if (attrs !== this.lastObject) {
      let slots = this.byObject.get(attrs);
      if (!slots) this.byObject.set(attrs, (slots = []));
      this.lastObject = attrs;
      this.lastGroups = slots;
    }
    return (this.lastGroups[afi] ??= this.lookup(attrs, afi));
  }

  private lookup(attrs: RouteAttributes, afi: Afi): RouteGroup {
    const a = attrs as PathAttributes & { mpNextHops?: readonly string[] };
    if (a.mpReach || a.mpUnreach) throw new EncodeError('route attributes carry no MP_REACH_NLRI / MP_UNREACH_NLRI; the packer writes them');
    const { mpNextHops, mpReach: _r, mpUnreach: _u, ...classic } = a;
    const { nextHop, ...noNextHop } = classic;
    const viaMp = afi === Afi.IPv6 || nextHop === undefined ? (mpNextHops ?? null) : null;
    if (afi === Afi.IPv6 && !viaMp) throw new EncodeError('an IPv6 route needs mpNextHops');
    if (afi === Afi.IPv4 && !viaMp && nextHop === undefined) throw new EncodeError('an IPv4 route needs nextHop or mpNextHops');
    // RFC 4760 §3: no NEXT_HOP in an UPDATE whose only NLRI are in MP_REACH_NLRI.
    const tail: PathAttributes = viaMp ? noNextHop : classic;
    const w = new Writer(128);
    writeAttributes(w, tail, this.ctx);
    const tailBytes = w.finish();
    const hops = (viaMp ?? []).map((h) => parseIP(h).addr);
    const nextHopLength = hops.reduce((n, h) => n + h.length, 0);
    const k = `${afi}|${viaMp ? hops.map(toHex).join('') : '-'}|${toHex(tailBytes)}`;
    let group = this.byKey.get(k);
    if (!group) {
      group = { afi, tail, tailLength: tailBytes.length, mpNextHops: viaMp, nextHopLength, nlri: [], sizes: [] };
      this.byKey.set(k, group);
      this.groups.push(group);
    }
    return group;
  }
}
