// The fixed-form attributes:
//   1  ORIGIN            RFC 4271 §4.3 a, §5.1.1   well-known      1 octet: 0 IGP, 1 EGP, 2 INCOMPLETE
//   3  NEXT_HOP          RFC 4271 §4.3 c, §5.1.3   well-known      IPv4 address
//   4  MULTI_EXIT_DISC   RFC 4271 §4.3 d, §5.1.4   optional        4 octets
//   5  LOCAL_PREF        RFC 4271 §4.3 e, §5.1.5   well-known      4 octets
//   6  ATOMIC_AGGREGATE  RFC 4271 §4.3 f, §5.1.6   well-known      empty
//   7  AGGREGATOR        RFC 4271 §4.3 g; RFC 6793 §3: AS (2, or 4 on a 4-octet session) + IPv4
//   9  ORIGINATOR_ID     RFC 4456 §8               optional non-transitive, IPv4 (router id)
//   10 CLUSTER_LIST      RFC 4456 §8               optional non-transitive, IPv4 (cluster id)*
//   18 AS4_AGGREGATOR    RFC 6793 §3               optional transitive, AS (4) + IPv4
// Error actions from RFC 7606 §7.1–§7.10 and RFC 6793 §6.

import { EncodeError, UpdateSubcode } from '../errors.ts';
import { formatIPv4, parseIPv4 } from '../ip.ts';
import type { Reader } from '../reader.ts';
import { Origin } from '../types.ts';
import type { Aggregator, OriginName } from '../types.ts';
import type { Writer } from '../writer.ts';
import {
  AttrType,
  expectLength,
  expectMultiple,
  malformed,
  OptionalNonTransitive,
  OptionalTransitive,
  row,
  WellKnown,
} from './row.ts';
import type { ErrorAction } from './row.ts';

const originNames = Object.keys(Origin) as OriginName[];

const readIPv4 = (r: Reader): string => formatIPv4(r.bytesView(4));
const writeIPv4 = (w: Writer, text: string): void => void w.bytes(parseIPv4(text));

/** RFC 7606 §7.5, §7.9, §7.10: discarded from external peers, treat-as-withdraw from internal. */
const ibgpOnly = (external: boolean): ErrorAction => (external ? 'attribute-discard' : 'treat-as-withdraw');

export const origin = row({
  code: AttrType.Origin,
  name: 'ORIGIN',
  key: 'origin',
  flags: WellKnown,
  onMalformed: 'treat-as-withdraw', // RFC 7606 §7.1
  decode(r) {
    expectLength(r, 'ORIGIN', 1);
    const v = r.u8();
    const name = originNames[v];
    if (!name) throw malformed(UpdateSubcode.InvalidOriginAttribute, `ORIGIN value ${v} undefined`);
    return name;
  },
  encode(w, v) {
    w.u8(Origin[v]);
  },
});

/**
 * RFC 4271 §6.3: NEXT_HOP must be a valid IP host address. Not one: 0.0.0.0, multicast
 * (224/4), the limited broadcast. Loopback addresses are accepted: test peers use them.
 */
function isHostAddress(b: Uint8Array): boolean {
  const v = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return v !== 0 && v !== 0xffffffff && b[0]! >> 4 !== 0xe;
}

export const nextHop = row({
  code: AttrType.NextHop,
  name: 'NEXT_HOP',
  key: 'nextHop',
  flags: WellKnown,
  onMalformed: 'treat-as-withdraw', // RFC 7606 §7.3, §3 e
  decode(r) {
    expectLength(r, 'NEXT_HOP', 4);
    const b = r.bytesView(4);
    if (!isHostAddress(b)) {
      throw malformed(UpdateSubcode.InvalidNextHopAttribute, `NEXT_HOP ${formatIPv4(b)} is not a host address`);
    }
    return formatIPv4(b);
  },
  encode: writeIPv4,
});

export const med = row({
  code: AttrType.MultiExitDisc,
  name: 'MULTI_EXIT_DISC',
  key: 'med',
  flags: OptionalNonTransitive,
  onMalformed: 'treat-as-withdraw', // RFC 7606 §7.4
  decode(r) {
    expectLength(r, 'MULTI_EXIT_DISC', 4);
    return r.u32();
  },
  encode(w, v) {
    w.u32(v);
  },
});

export const localPref = row({
  code: AttrType.LocalPref,
  name: 'LOCAL_PREF',
  key: 'localPref',
  flags: WellKnown,
  onMalformed: ibgpOnly, // RFC 7606 §7.5
  externalDiscard: true,
  decode(r) {
    expectLength(r, 'LOCAL_PREF', 4);
    return r.u32();
  },
  encode(w, v) {
    w.u32(v);
  },
});

export const atomicAggregate = row({
  code: AttrType.AtomicAggregate,
  name: 'ATOMIC_AGGREGATE',
  key: 'atomicAggregate',
  flags: WellKnown,
  onMalformed: 'attribute-discard', // RFC 7606 §7.6, and §3 f for its flags
  decode(r) {
    expectLength(r, 'ATOMIC_AGGREGATE', 0);
    return true;
  },
  encode() {},
});

function decodeAggregator(r: Reader, name: string, asOctets: 2 | 4): Aggregator {
  expectLength(r, name, asOctets + 4);
  const asn = asOctets === 4 ? r.u32() : r.u16();
  return { asn, address: readIPv4(r) };
}

function encodeAggregator(w: Writer, v: Aggregator, asOctets: 2 | 4): void {
  if (asOctets === 2) {
    if (v.asn > 0xffff) throw new EncodeError(`AGGREGATOR AS ${v.asn} needs AS_TRANS toward a 2-octet peer`);
    w.u16(v.asn);
  } else {
    w.u32(v.asn);
  }
  writeIPv4(w, v.address);
}

export const aggregator = row({
  code: AttrType.Aggregator,
  name: 'AGGREGATOR',
  key: 'aggregator',
  flags: OptionalTransitive,
  onMalformed: 'attribute-discard', // RFC 7606 §7.7, and §3 f for its flags
  decode: (r, ctx) => decodeAggregator(r, 'AGGREGATOR', ctx.fourOctetAs ? 4 : 2),
  encode: (w, v, ctx) => encodeAggregator(w, v, ctx.fourOctetAs ? 4 : 2),
});

export const originatorId = row({
  code: AttrType.OriginatorId,
  name: 'ORIGINATOR_ID',
  key: 'originatorId',
  flags: OptionalNonTransitive,
  onMalformed: ibgpOnly, // RFC 7606 §7.9
  externalDiscard: true,
  decode(r) {
    expectLength(r, 'ORIGINATOR_ID', 4);
    return readIPv4(r);
  },
  encode: writeIPv4,
});

export const clusterList = row({
  code: AttrType.ClusterList,
  name: 'CLUSTER_LIST',
  key: 'clusterList',
  flags: OptionalNonTransitive,
  onMalformed: ibgpOnly, // RFC 7606 §7.10
  externalDiscard: true,
  decode(r) {
    expectMultiple(r, 'CLUSTER_LIST', 4);
    const out: string[] = [];
    while (!r.atEnd()) out.push(readIPv4(r));
    return out;
  },
  encode(w, v) {
    for (const id of v) writeIPv4(w, id);
  },
});

export const as4Aggregator = row({
  code: AttrType.As4Aggregator,
  name: 'AS4_AGGREGATOR',
  key: 'as4Aggregator',
  flags: OptionalTransitive,
  onMalformed: 'attribute-discard', // RFC 6793 §6
  decode: (r) => decodeAggregator(r, 'AS4_AGGREGATOR', 4),
  encode: (w, v) => encodeAggregator(w, v, 4),
});
