// 4-octet AS numbers toward and from a peer that has only 2-octet ones: RFC 6793.
//
// Toward a 2-octet peer (§4.2.2): AS_PATH carries AS_TRANS (23456) for every AS above 65535,
// and AS4_PATH carries the path with its real AS numbers, without confederation segments; it is
// left out when every AS fits in 2 octets. An AGGREGATOR above 65535 becomes AS_TRANS, with the
// real one in AS4_AGGREGATOR.
//
// From a 2-octet peer (§4.2.3): if AGGREGATOR holds an AS other than AS_TRANS, AS4_AGGREGATOR and
// AS4_PATH are ignored; if it holds AS_TRANS, AS4_AGGREGATOR replaces it. Then, counting ASes as
// route selection does (RFC 4271 §9.1.2.2: an AS_SET counts 1; RFC 5065 §5.3: confederation
// segments count 0), if AS_PATH has fewer ASes than AS4_PATH, AS4_PATH is ignored; otherwise the
// path is the leading ASes of AS_PATH (with any confederation segments among them or right
// after them) followed by AS4_PATH, so it has as many ASes as AS_PATH. Confederation segments in
// AS4_PATH are dropped first (§6). A sequence cut from AS_PATH and the sequence AS4_PATH starts
// with are joined into one segment when they fit, which gives back the path as the 4-octet
// speaker had it.
//
// The codec decodes and encodes attributes as carried; these functions are for the layer that
// stores and sends routes.

import type { Aggregator, AsPathSegment, PathAttributes } from './types.ts';

export const AsTrans = 23456;

const isConfed = (s: AsPathSegment) => s.type === 'confed-sequence' || s.type === 'confed-set';
const mappable = (asn: number) => asn <= 0xffff;

/** Number of ASes for path length: AS_SET counts 1, confederation segments 0. */
export function asPathCount(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of path) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/** RFC 6793 §4.2.2: the attributes as sent to a peer without the 4-octet AS capability. */
export function toTwoOctetPeer(attrs: PathAttributes): PathAttributes {
  const out: PathAttributes = { ...attrs };
  delete out.as4Path;
  delete out.as4Aggregator;
  const path = attrs.asPath;
  if (path) {
    out.asPath = path.map((s) => ({ type: s.type, asns: s.asns.map((a) => (mappable(a) ? a : AsTrans)) }));
    const as4Path = path.filter((s) => !isConfed(s)).map((s) => ({ type: s.type, asns: [...s.asns] }));
    if (path.some((s) => !s.asns.every(mappable)) && as4Path.length > 0) out.as4Path = as4Path;
  }
  const agg = attrs.aggregator;
  if (agg && !mappable(agg.asn)) {
    out.aggregator = { asn: AsTrans, address: agg.address };
    out.as4Aggregator = { ...agg };
  }
  return out;
}

/** RFC 6793 §4.2.3: the attributes from a 2-octet peer, with AS4_PATH and AS4_AGGREGATOR merged. */
export function fromTwoOctetPeer(attrs: PathAttributes): PathAttributes {
  const out: PathAttributes = { ...attrs };
  delete out.as4Path;
  delete out.as4Aggregator;
  const agg = attrs.aggregator;
  const agg4 = attrs.as4Aggregator;
  if (agg && agg4) {
    if (agg.asn !== AsTrans) return out;
    out.aggregator = { ...agg4 } satisfies Aggregator;
  }
  const as4 = attrs.as4Path?.filter((s) => !isConfed(s));
  if (attrs.asPath && as4 && as4.length > 0) out.asPath = mergePaths(attrs.asPath, as4);
  return out;
}

function mergePaths(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  let take = asPathCount(asPath) - asPathCount(as4Path);
  if (take < 0) return asPath.map((s) => ({ type: s.type, asns: [...s.asns] }));
  const head: AsPathSegment[] = [];
  for (const s of asPath) {
    const n = s.type === 'sequence' ? s.asns.length : s.type === 'set' ? 1 : 0;
    if (take < n) {
      if (take > 0) head.push({ type: s.type, asns: s.asns.slice(0, take) }); // only a sequence: a set's n is 1
      break;
    }
    head.push({ type: s.type, asns: [...s.asns] });
    take -= n;
  }
  const tail = as4Path.map((s) => ({ type: s.type, asns: [...s.asns] }));
  const last = head[head.length - 1];
  const first = tail[0];
  const joinable = last?.type === 'sequence' && first?.type === 'sequence';
  if (joinable && last.asns.length + first.asns.length <= 255) {
    last.asns.push(...first.asns);
    tail.shift();
  }
  return [...head, ...tail];
}
