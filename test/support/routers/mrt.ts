// A writer of MRT TABLE_DUMP_V2 files (RFC 6396 §4.3), enough to bulk-load GoBGP through
// `gobgp mrt inject global`: one PEER_INDEX_TABLE with a single peer, then one RIB_IPV4_UNICAST
// or RIB_IPV6_UNICAST record per prefix with one RIB entry. Path attributes are encoded by the
// project codec with 4-octet AS numbers (RFC 6396 §4.3.4). IPv6 next hops go in a full
// MP_REACH_NLRI with no NLRI: GoBGP's reader (pkg/packet/mrt) decodes RIB entry attributes as in
// an UPDATE, so the abbreviated form that §4.3.4 describes was not tried.
import { writeFileSync } from 'node:fs';
import { writeAttributes } from '../../../speaker/codec/attributes/list.ts';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { Afi, parseIPv4, parsePrefix } from '../../../speaker/codec/ip.ts';
import type { PathAttributes } from '../../../speaker/codec/types.ts';
import { Writer } from '../../../speaker/codec/writer.ts';

export interface MrtRoute {
  prefix: string;
  nextHop: string;
  origin?: 'igp' | 'egp' | 'incomplete';
  /** One AS_SEQUENCE; empty (locally originated) by default. */
  asPath?: number[];
  med?: number;
  localPref?: number;
  /** 'ASN:VALUE'. */
  communities?: string[];
  /** 'GA:L1:L2'. */
  largeCommunities?: string[];
}

export interface MrtPeer {
  bgpId: string;
  /** An IPv4 address (the peer entry of the index table). */
  address: string;
  asn: number;
}

const TableDumpV2 = 13;
const Subtype = { PeerIndexTable: 1, RibIpv4Unicast: 2, RibIpv6Unicast: 4 } as const;
/** Peer Type bits (RFC 6396 §4.3.1): bit 1 = 4-octet AS; bit 0 clear = IPv4 address. */
const PeerTypeAs4 = 0x02;

function record(w: Writer, timestamp: number, subtype: number, body: Uint8Array): void {
  w.u32(timestamp).u16(TableDumpV2).u16(subtype).u32(body.length).bytes(body);
}

function attributesOf(r: MrtRoute, afi: Afi): PathAttributes {
  const attrs: PathAttributes = {
    origin: r.origin ?? 'igp',
    asPath: r.asPath?.length ? [{ type: 'sequence', asns: r.asPath }] : [],
  };
  if (afi === Afi.IPv4) attrs.nextHop = r.nextHop;
  else attrs.mpReach = { afi: Afi.IPv6, safi: 1, nextHops: [r.nextHop], nlri: [] };
  if (r.med !== undefined) attrs.med = r.med;
  if (r.localPref !== undefined) attrs.localPref = r.localPref;
  if (r.communities?.length) {
    attrs.communities = r.communities.map((c) => {
      const [hi, lo] = c.split(':').map(Number);
      return ((hi! << 16) | lo!) >>> 0;
    });
  }
  if (r.largeCommunities?.length) {
    attrs.largeCommunities = r.largeCommunities.map((c) => c.split(':').map(Number) as [number, number, number]);
  }
  return attrs;
}

/** The whole MRT file for `routes` (IPv4 and IPv6 mixed), as one buffer. */
export function encodeTableDump(routes: Iterable<MrtRoute>, peer: MrtPeer, timestamp = Math.floor(Date.now() / 1000)): Uint8Array {
  const out = new Writer(1 << 20);
  const index = new Writer(64);
  index.bytes(parseIPv4(peer.bgpId)).u16(0); // collector BGP ID, empty view name
  index.u16(1).u8(PeerTypeAs4).bytes(parseIPv4(peer.bgpId)).bytes(parseIPv4(peer.address)).u32(peer.asn);
  record(out, timestamp, Subtype.PeerIndexTable, index.finish());

  // Most bulk files repeat one attribute set: encode each distinct set once.
  const cache = new Map<string, Uint8Array>();
  let seq = 0;
  for (const r of routes) {
    const { afi, addr, length } = parsePrefix(r.prefix);
    const key = JSON.stringify({ ...r, prefix: afi });
    let attrs = cache.get(key);
    if (!attrs) {
      const w = new Writer(64);
      writeAttributes(w, attributesOf(r, afi), defaultContext);
      attrs = w.finish();
      cache.set(key, attrs);
    }
    const body = new Writer(32 + attrs.length);
    body.u32(seq++).u8(length).bytes(addr.subarray(0, Math.ceil(length / 8)));
    body.u16(1).u16(0).u32(timestamp).u16(attrs.length).bytes(attrs); // one entry, from peer 0
    record(out, timestamp, afi === Afi.IPv4 ? Subtype.RibIpv4Unicast : Subtype.RibIpv6Unicast, body.finish());
  }
  return out.finish();
}

export function writeTableDump(file: string, routes: Iterable<MrtRoute>, peer: MrtPeer): void {
  writeFileSync(file, encodeTableDump(routes, peer));
}
