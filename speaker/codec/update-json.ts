// The `bgpcast decode` view of an UPDATE (field names are documented in the README).
// Attributes are printed as carried: `asPath` is the AS_PATH attribute itself (23456 on a
// 2-octet session), `as4Path` and `as4Aggregator` apart, nothing merged. A prefix is "addr/len",
// or {"prefix", "pathId"} when ADD-PATH is in force for its family. Communities "a:b" (two
// 16-bit halves), large communities "a:b:c", extended communities as 16 hex digits. AFI and SAFI
// by name where they have one ("ipv4", "unicast"), else the number.
//
// The dispatcher adds `type` and `length` in front of these fields.

import type { AsPathSegment, Nlri, PathAttributes, UpdateMessage } from './types.ts';
import { isEndOfRib } from './update.ts';

/** Plain JSON, spelled out so the view fits any JSON type of the caller's. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type PrefixJson = string | { prefix: string; pathId: number };

export type UpdateJson = {
  withdrawn: PrefixJson[];
  nlri: PrefixJson[];
  attributes: { [key: string]: JsonValue };
  endOfRib?: { afi: string | number; safi: string | number };
};

const afiNames: Record<number, string> = { 1: 'ipv4', 2: 'ipv6', 25: 'l2vpn' };
const safiNames: Record<number, string> = {
  1: 'unicast',
  2: 'multicast',
  4: 'labeled-unicast',
  70: 'evpn',
  128: 'vpn',
  133: 'flowspec',
};

export const afiName = (afi: number): string | number => afiNames[afi] ?? afi;
export const safiName = (safi: number): string | number => safiNames[safi] ?? safi;

const prefixes = (list: readonly Nlri[]): PrefixJson[] =>
  list.map((n) => (n.pathId === undefined ? n.prefix : { prefix: n.prefix, pathId: n.pathId }));

const segments = (path: readonly AsPathSegment[]) => path.map((s) => ({ type: s.type, asns: [...s.asns] }));

function attributesToJson(a: PathAttributes): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  if (a.origin !== undefined) out.origin = a.origin;
  if (a.asPath) out.asPath = segments(a.asPath);
  if (a.nextHop !== undefined) out.nextHop = a.nextHop;
  if (a.med !== undefined) out.med = a.med;
  if (a.localPref !== undefined) out.localPref = a.localPref;
  if (a.atomicAggregate) out.atomicAggregate = true;
  if (a.aggregator) out.aggregator = { ...a.aggregator };
  if (a.communities) out.communities = a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`);
  if (a.originatorId !== undefined) out.originatorId = a.originatorId;
  if (a.clusterList) out.clusterList = [...a.clusterList];
  if (a.mpReach) {
    const { afi, safi, nextHops, nlri } = a.mpReach;
    out.mpReach = { afi: afiName(afi), safi: safiName(safi), nextHops: [...nextHops], nlri: prefixes(nlri) };
  }
  if (a.mpUnreach) {
    const { afi, safi, withdrawn } = a.mpUnreach;
    out.mpUnreach = { afi: afiName(afi), safi: safiName(safi), withdrawn: prefixes(withdrawn) };
  }
  if (a.extendedCommunities) out.extendedCommunities = [...a.extendedCommunities];
  if (a.as4Path) out.as4Path = segments(a.as4Path);
  if (a.as4Aggregator) out.as4Aggregator = { ...a.as4Aggregator };
  if (a.largeCommunities) out.largeCommunities = a.largeCommunities.map((c) => c.join(':'));
  if (a.unknown) out.unknown = a.unknown.map((u) => ({ code: u.code, flags: u.flags, hex: u.hex }));
  return out;
}

export function updateToJson(msg: UpdateMessage): UpdateJson {
  const out: UpdateJson = {
    withdrawn: prefixes(msg.withdrawn),
    nlri: prefixes(msg.nlri),
    attributes: attributesToJson(msg.attributes),
  };
  const eor = isEndOfRib(msg);
  if (eor) out.endOfRib = { afi: afiName(eor.afi), safi: safiName(eor.safi) };
  return out;
}
