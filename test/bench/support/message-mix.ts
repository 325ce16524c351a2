// A deterministic, realistic mix of BGP messages for the codec benchmark, shaped like what a
// BIRD or FRR peer sends a route server: IPv4 UPDATEs packing many prefixes per attribute set
// with communities, IPv6 UPDATEs in MP_REACH_NLRI with global and link-local next hops,
// withdrawals of both families, and KEEPALIVEs.
//
//   40% IPv4 UPDATE     1–60 prefixes (/24 mostly, /22–/23, /32), AS_PATH of 2–5 ASes,
//                       2–6 communities, MED half of the time, a large community a quarter
//   20% IPv6 UPDATE     1–30 prefixes (/48, /64, /128), next hop global + link-local
//   15% IPv4 withdraw   1–100 /24s in the Withdrawn Routes field
//   10% IPv6 withdraw   1–50 prefixes in MP_UNREACH_NLRI
//   15% KEEPALIVE

import { formatIPv6 } from '../../../speaker/codec/ip.ts';
import type { AsPathSegment, BgpMessage, Nlri } from '../../../speaker/codec/types.ts';
import { seededRandom } from '../../support/random.ts';

export function realisticMix(count: number, seed = 42): BgpMessage[] {
  const rnd = seededRandom(seed); // every run benchmarks the same messages
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const times = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);

  const v4Prefix = (): string => {
    const r = rnd();
    const len = r < 0.6 ? 24 : r < 0.8 ? int(22, 23) : 32;
    const v = (int(1, 223) * 2 ** 24 + int(0, 0xffffff)) >>> 0;
    const masked = len === 32 ? v : (v & ~(0xffffffff >>> len)) >>> 0;
    return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${len}`;
  };
  const v6Prefix = (): string => {
    const len = [48, 64, 128][int(0, 2)]!;
    const b = new Uint8Array(16);
    b.set([0x20, 0x01, 0x0d, 0xb8]);
    for (let i = 4; i < len / 8; i++) b[i] = int(0, 255);
    return `${formatIPv6(b)}/${len}`;
  };
  const asPath = (): AsPathSegment[] => [{ type: 'sequence', asns: times(int(2, 5), () => (rnd() < 0.3 ? int(4_200_000_000, 4_294_967_294) : int(64_512, 65_534))) }];
  const communities = () => times(int(2, 6), () => int(64_512, 65_534) * 65536 + int(0, 65535));
  const nlri = (n: number, f: () => string): Nlri[] => [...new Set(times(n, f))].map((prefix) => ({ prefix }));

  const out: BgpMessage[] = [];
  for (let i = 0; i < count; i++) {
    const r = rnd();
    if (r < 0.4) {
      out.push({
        type: 'update',
        withdrawn: [],
        attributes: {
          origin: 'igp',
          asPath: asPath(),
          nextHop: `192.0.2.${int(1, 254)}`,
          ...(rnd() < 0.5 ? { med: int(0, 1000) } : {}),
          communities: communities(),
          ...(rnd() < 0.25 ? { largeCommunities: [[int(64_512, 65_534), int(0, 100), int(0, 100)] as [number, number, number]] } : {}),
        },
        nlri: nlri(int(1, 60), v4Prefix),
      });
    } else if (r < 0.6) {
      out.push({
        type: 'update',
        withdrawn: [],
        attributes: {
          origin: 'igp',
          asPath: asPath(),
          communities: communities(),
          mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8:ffff::1', `fe80::${int(1, 0xffff).toString(16)}`], nlri: nlri(int(1, 30), v6Prefix) },
        },
        nlri: [],
      });
    } else if (r < 0.75) {
      out.push({ type: 'update', withdrawn: nlri(int(1, 100), () => v4Prefix().replace(/\d+\/\d+$/, '0/24')), attributes: {}, nlri: [] });
    } else if (r < 0.85) {
      out.push({ type: 'update', withdrawn: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: nlri(int(1, 50), v6Prefix) } }, nlri: [] });
    } else {
      out.push({ type: 'keepalive' });
    }
  }
  return out;
}
