// What a decoded UPDATE costs: RFC 7606 (revised error handling) over RFC 4271 §6.3.
//
// Each problem gets an action (RFC 7606 §2): attribute discard < treat-as-withdraw < AFI/SAFI
// disable < session reset; the strongest wins (§3 h). The rules, in the order they apply:
// - §4 framing errors of the attribute list: treat-as-withdraw.
// - §3 c wrong Optional/Transitive flags: treat-as-withdraw, unless the attribute's own rule
//   says otherwise (§3 f: AGGREGATOR and ATOMIC_AGGREGATE are discarded; §5.3: MP attributes;
//   RFC 6793 §6: AS4_* discarded; §7.5/§7.9/§7.10: discarded when from an external peer).
// - §7 per attribute: the row's `onMalformed` (attributes/*.ts).
// - §3 g a repeated MP_REACH_NLRI / MP_UNREACH_NLRI: session reset, Malformed Attribute List;
//   any other repeat: the first occurrence counts, the rest are dropped without error.
// - RFC 4271 §6.3 an unknown well-known attribute: session reset (RFC 7606 does not revise it).
// - §3 d a missing ORIGIN or AS_PATH when the UPDATE announces routes, or NEXT_HOP when the
//   NLRI field does (RFC 4760 §3 exempts MP_REACH-only UPDATEs): treat-as-withdraw, with the
//   Missing Well-known Attribute subcode and the type code as data.
// - §7.5, §7.9, §7.10 LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST from an external peer (not
//   internal, not in our confederation): discarded, whatever their content.
// - RFC 6793 §4.1 AS4_PATH / AS4_AGGREGATOR on a 4-octet session: discarded.
// - §7.2 (optional, when `peerAs` is given) the leftmost AS of an external peer's AS_PATH must be
//   the peer's; RFC 5065 §5 confederation segments from an external peer: both treat-as-withdraw
//   with Malformed AS_PATH.
// - §7.11 / §5.3 MP errors: session reset by default, AFI/SAFI disable when the caller opts in
//   and the family could be read. An MP attribute of a family we do not decode is ignored (its
//   routes are not ours to judge; BIRD does the same).
// - §5.2 an UPDATE with attributes other than MP_UNREACH_NLRI but no routes announced, and any
//   error stronger than attribute discard: session reset.
// The NOTIFICATION for a session reset carries the code/subcode/data RFC 4271 §6.3 names for the
// first problem that called for it.

import { AsTrans } from './as4.ts';
import type { CodecContext } from './context.ts';
import { BgpError, ErrorCode, UpdateSubcode } from './errors.ts';
import { Afi } from './ip.ts';
import { AttrType } from './attributes/row.ts';
import type { ErrorAction } from './attributes/row.ts';
import { attributeTable } from './attributes/table.ts';
import type { AttributeProblem } from './attributes/list.ts';
import type { AsPathSegment, Nlri, PathAttributes } from './types.ts';
import type { DecodedUpdate } from './update.ts';

export type UpdateAction = 'accept' | ErrorAction;

export interface SessionFacts {
  /** An internal peer (same AS). */
  isIbgp: boolean;
  /** A peer in another member AS of our confederation (RFC 5065): treated as internal for
   * LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST and confederation segments. */
  isConfedPeer?: boolean;
  /** When given, an external peer's leftmost AS must be this one (RFC 4271 §6.3 MAY). */
  peerAs?: number;
  /** RFC 7606 §7.11 leaves the choice; session reset unless 'afi-safi-disable' is asked for. */
  mpErrorAction?: 'session-reset' | 'afi-safi-disable';
}

export interface JudgedProblem extends AttributeProblem {
  action: ErrorAction;
}

export interface FamilyRoutes {
  afi: number;
  safi: number;
  nlri: Nlri[];
  /** Announcements only: the next hops that apply (NEXT_HOP, or MP_REACH_NLRI's). */
  nextHops?: string[];
}

export interface UpdateVerdict {
  action: UpdateAction;
  /** The NOTIFICATION to send when the action is session reset (and the cause of an AFI/SAFI
   * disable, which may also end the session, RFC 4760 §7). */
  error?: BgpError;
  /** The family to disable, when the action is 'afi-safi-disable'. */
  family?: { afi: number; safi: number };
  /** Type codes of attributes removed by attribute discard, in the order found. */
  discarded: number[];
  /** Type codes that appeared more than once; only the first occurrence was used. */
  duplicates: number[];
  /** Every problem with the action it called for (RFC 7606 §6 asks that they be logged). */
  problems: JudgedProblem[];
  /** The attributes to apply, after discards. */
  attributes: PathAttributes;
  /** Routes to remove from the Adj-RIB-In (treat-as-withdraw moves announcements here). */
  withdrawn: FamilyRoutes[];
  /** Routes to install with `attributes`. */
  announced: FamilyRoutes[];
}

const strength: Record<UpdateAction, number> = {
  accept: 0,
  'attribute-discard': 1,
  'treat-as-withdraw': 2,
  'afi-safi-disable': 3,
  'session-reset': 4,
};

/** RFC 7606 §7.5/§7.9/§7.10 "external neighbor": neither internal nor a confederation peer. */
const isExternal = (facts: SessionFacts) => !facts.isIbgp && !facts.isConfedPeer;

function actionOf(p: AttributeProblem, facts: SessionFacts): ErrorAction {
  const external = isExternal(facts);
  const mp = (): ErrorAction =>
    facts.mpErrorAction === 'afi-safi-disable' && p.family ? 'afi-safi-disable' : 'session-reset';
  switch (p.kind) {
    case 'framing':
      return 'treat-as-withdraw';
    case 'duplicate': // only MP attributes: other repeats are dropped before this (§3 g)
    case 'unrecognized-well-known':
      return 'session-reset';
    case 'unsupported-family':
      return 'attribute-discard';
  }
  const row = attributeTable.get(p.code);
  if (!row) return 'session-reset';
  if (row.externalDiscard && external) return 'attribute-discard';
  const rule = row.onMalformed;
  const action = typeof rule === 'function' ? rule(external) : rule;
  return action === 'mp' ? mp() : action;
}

const isMp = (code: number) => code === AttrType.MpReachNlri || code === AttrType.MpUnreachNlri;

function missing(code: number): JudgedProblem {
  return {
    kind: 'malformed',
    code,
    flags: 0,
    subcode: UpdateSubcode.MissingWellKnownAttribute,
    reason: `missing well-known attribute ${attributeTable.get(code)?.name ?? code}`,
    data: new Uint8Array([code]),
    action: 'treat-as-withdraw',
  };
}

function badAsPath(reason: string): JudgedProblem {
  return {
    kind: 'malformed',
    code: AttrType.AsPath,
    flags: 0,
    subcode: UpdateSubcode.MalformedAsPath,
    reason,
    data: new Uint8Array(0),
    action: 'treat-as-withdraw',
  };
}

function checkAsPath(path: readonly AsPathSegment[], ctx: CodecContext, facts: SessionFacts): JudgedProblem[] {
  if (!isExternal(facts)) return [];
  const out: JudgedProblem[] = [];
  if (path.some((s) => s.type === 'confed-sequence' || s.type === 'confed-set')) {
    out.push(badAsPath('AS_PATH from an external peer holds confederation segments'));
  }
  if (facts.peerAs !== undefined) {
    const expected = !ctx.fourOctetAs && facts.peerAs > 0xffff ? AsTrans : facts.peerAs;
    const first = path[0];
    if (!first || first.type !== 'sequence' || first.asns[0] !== expected) {
      out.push(badAsPath(`leftmost AS of the AS_PATH is not the peer's AS ${expected}`));
    }
  }
  return out;
}

/** Applies RFC 7606 to a decoded UPDATE. Pure; never throws. */
export function validateUpdate(decoded: DecodedUpdate, ctx: CodecContext, facts: SessionFacts): UpdateVerdict {
  const { message } = decoded;
  const attributes: PathAttributes = { ...message.attributes };
  const problems: JudgedProblem[] = [];
  const discarded: number[] = [];
  const duplicates: number[] = [];
  const discard = (code: number) => {
    const row = attributeTable.get(code);
    if (row) delete attributes[row.key];
    if (!discarded.includes(code)) discarded.push(code);
  };

  for (const p of decoded.problems) {
    if (p.kind === 'duplicate' && !isMp(p.code)) {
      if (!duplicates.includes(p.code)) duplicates.push(p.code);
      continue;
    }
    const action = actionOf(p, facts);
    problems.push({ ...p, action });
    if (action === 'attribute-discard') discard(p.code);
  }
  if (isExternal(facts)) {
    for (const code of [AttrType.LocalPref, AttrType.OriginatorId, AttrType.ClusterList]) {
      if (attributes[attributeTable.get(code)!.key] !== undefined) discard(code);
    }
  }
  if (ctx.fourOctetAs) {
    if (attributes.as4Path) discard(AttrType.As4Path);
    if (attributes.as4Aggregator) discard(AttrType.As4Aggregator);
  }

  const reach = attributes.mpReach;
  // An MP_REACH_NLRI we could not read still announced routes (RFC 7606 §5.2 looks at the encoding).
  const unreadReach = decoded.problems.some((p) => p.code === AttrType.MpReachNlri && p.kind !== 'duplicate');
  const announces = message.nlri.length > 0 || (reach !== undefined && reach.nlri.length > 0) || unreadReach;
  if (announces) {
    const seen = new Set(decoded.seen);
    if (!seen.has(AttrType.Origin)) problems.push(missing(AttrType.Origin));
    if (!seen.has(AttrType.AsPath)) problems.push(missing(AttrType.AsPath));
    if (message.nlri.length > 0 && !seen.has(AttrType.NextHop)) problems.push(missing(AttrType.NextHop));
  }
  if (attributes.asPath) problems.push(...checkAsPath(attributes.asPath, ctx, facts));

  let worst: JudgedProblem | undefined;
  for (const p of problems) if (!worst || strength[p.action] > strength[worst.action]) worst = p;
  let action: UpdateAction = worst?.action ?? (discarded.length > 0 ? 'attribute-discard' : 'accept');
  // RFC 7606 §5.2: attributes but nothing announced: we cannot be sure the NLRI parsed.
  const otherAttributes =
    decoded.seen.some((c) => c !== AttrType.MpUnreachNlri) || decoded.problems.some((p) => p.kind === 'framing');
  if (!announces && otherAttributes && strength[action] > strength['attribute-discard']) action = 'session-reset';

  const verdict: UpdateVerdict = { action, discarded, duplicates, problems, attributes, withdrawn: [], announced: [] };
  if (worst && strength[action] >= strength['afi-safi-disable']) {
    verdict.error = new BgpError(ErrorCode.UpdateMessage, worst.subcode, worst.reason, worst.data);
    if (action === 'afi-safi-disable') verdict.family = worst.family;
    return verdict;
  }
  routesOf(message.nlri, message.withdrawn, attributes, action === 'treat-as-withdraw', verdict);
  return verdict;
}

function routesOf(nlri: Nlri[], withdrawn: Nlri[], attrs: PathAttributes, asWithdraw: boolean, v: UpdateVerdict): void {
  const add = (list: FamilyRoutes[], afi: number, safi: number, routes: Nlri[], nextHops?: string[]) => {
    if (routes.length === 0) return;
    list.push(nextHops ? { afi, safi, nlri: routes, nextHops } : { afi, safi, nlri: routes });
  };
  add(v.withdrawn, Afi.IPv4, 1, withdrawn);
  if (attrs.mpUnreach) add(v.withdrawn, attrs.mpUnreach.afi, attrs.mpUnreach.safi, attrs.mpUnreach.withdrawn);
  const reach = attrs.mpReach;
  if (asWithdraw) {
    add(v.withdrawn, Afi.IPv4, 1, nlri);
    if (reach) add(v.withdrawn, reach.afi, reach.safi, reach.nlri);
    return;
  }
  add(v.announced, Afi.IPv4, 1, nlri, attrs.nextHop ? [attrs.nextHop] : []);
  if (reach) add(v.announced, reach.afi, reach.safi, reach.nlri, reach.nextHops);
}
