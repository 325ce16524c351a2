// Connection collision resolution: RFC 4271 §6.8, with the tie-break of RFC 6286 §2.3 for equal
// BGP Identifiers. Pure: the session layer, which holds both connections to a peer, asks which
// one to close and signals OpenCollisionDump to that connection's FSM, which sends Cease /
// Connection Collision Resolution (RFC 4486 subcode 7) and drops it.

import { CeaseSubcode, ErrorCode } from '../codec/errors.ts';
import { parseIPv4 } from '../codec/ip.ts';
import type { FsmStateName } from './fsm-types.ts';

/** Who initiated a TCP connection: we did (outgoing) or the peer did (incoming). */
export type Direction = 'outgoing' | 'incoming';

/** The NOTIFICATION that closes the losing connection. */
export const CollisionCease = { code: ErrorCode.Cease, subcode: CeaseSubcode.ConnectionCollisionResolution } as const;

/** A dotted-quad BGP Identifier as a 32-bit unsigned number (RFC 4271 §6.8 step 1: host order, unsigned). */
export function bgpIdNumber(id: string): number {
  const b = parseIPv4(id);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`, compared as unsigned 32-bit numbers. */
export function compareBgpIds(a: string, b: string): -1 | 0 | 1 {
  const x = bgpIdNumber(a);
  const y = bgpIdNumber(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface Speakers {
  readonly localId: string;
  /** From the OPEN just received. */
  readonly remoteId: string;
  readonly localAsn: number;
  readonly remoteAsn: number;
}

/**
 * The connection to keep: the one initiated by the speaker with the higher BGP Identifier
 * (RFC 4271 §6.8). Equal identifiers (legal between ASes since RFC 6286): the one initiated by
 * the speaker with the larger AS number (RFC 6286 §2.3). Null when the AS numbers are equal too,
 * which only a misconfiguration produces (open-checks refuses our own identifier on iBGP).
 */
export function connectionToKeep(s: Speakers): Direction | null {
  const byId = compareBgpIds(s.localId, s.remoteId);
  if (byId !== 0) return byId > 0 ? 'outgoing' : 'incoming';
  if (s.localAsn !== s.remoteAsn) return s.localAsn > s.remoteAsn ? 'outgoing' : 'incoming';
  return null;
}

export interface CollisionInput extends Speakers {
  /** The other connection to the same peer, already open when this OPEN arrived. */
  readonly existing: { readonly direction: Direction; readonly state: FsmStateName };
  /** The connection on which the OPEN was just received. */
  readonly arriving: Direction;
  /** RFC 4271 §8.1.1 CollisionDetectEstablishedState; false by default, as the RFC says. */
  readonly collisionDetectEstablishedState?: boolean;
}

export type CollisionDecision =
  | { readonly kind: 'no-collision' }
  | { readonly kind: 'close'; readonly close: 'existing' | 'arriving'; readonly keep: 'existing' | 'arriving' };

const close = (loser: 'existing' | 'arriving'): CollisionDecision => ({
  kind: 'close',
  close: loser,
  keep: loser === 'existing' ? 'arriving' : 'existing',
});

/**
 * What to do when an OPEN arrives on one connection while another to the same peer exists
 * (RFC 4271 §6.8, checked "upon receipt of an OPEN message"):
 * - the existing one in Idle, Connect or Active: no collision (§6.8: it cannot be detected);
 * - in OpenSent: no collision either — its peer's identifier is not known yet. The check runs
 *   again when that connection's own OPEN arrives, against this one then in OpenConfirm;
 * - in OpenConfirm: the identifiers decide (connectionToKeep); on a full tie the newly created
 *   connection is closed (§6.8 step 3, "otherwise");
 * - in Established: the new connection is closed, unless CollisionDetectEstablishedState is set,
 *   when the identifiers decide as in OpenConfirm;
 * - both connections in the same direction (the peer opened a second one, e.g. after restarting):
 *   not a §6.8 collision; the peer has evidently abandoned the older one, which is closed —
 *   unless it is Established (without CollisionDetectEstablishedState), when the newcomer is.
 */
export function resolveCollision(input: CollisionInput): CollisionDecision {
  const { existing, arriving } = input;
  const inEstablished = existing.state === 'Established';
  if (existing.state !== 'OpenConfirm' && !inEstablished) return { kind: 'no-collision' };
  if (inEstablished && input.collisionDetectEstablishedState !== true) return close('arriving');
  if (existing.direction === arriving) return close('existing');
  const keep = connectionToKeep(input);
  if (keep === null) return close('arriving');
  return close(keep === arriving ? 'existing' : 'arriving');
}
