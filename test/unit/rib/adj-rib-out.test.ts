import { describe, expect, it } from 'vitest';
import type { DesiredRoute } from '../../../events/desired-state.ts';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { decodeMessage } from '../../../speaker/codec/message.ts';
import type { UpdateMessage } from '../../../speaker/codec/types.ts';
import { packUpdates } from '../../../speaker/codec/update-builder.ts';
import { AdjRibOut, diffTables } from '../../../speaker/rib/adj-rib-out.ts';
import type { NextHopResult } from '../../../speaker/rib/next-hop.ts';
import { nextHopFor } from '../../../speaker/rib/next-hop.ts';
import { GracefulShutdownCommunity } from '../../../speaker/rib/route-attributes.ts';

const route = (prefix: string, extra: Partial<DesiredRoute> = {}): DesiredRoute => ({
  prefix,
  communities: [],
  largeCommunities: [],
  localPreference: null,
  origin: 'igp',
  ...extra,
});

const v4Hops = (local = '10.0.0.1'): Map<`${number}/${number}`, NextHopResult> =>
  new Map([
    ['1/1', nextHopFor(1, { localAddress: local, extendedNextHop: () => false })],
    ['2/1', nextHopFor(2, { localAddress: local, config: { ipv6: 'self' }, extendedNextHop: () => false })],
  ]);

function rib(internal: boolean, opts: { localAsn?: number; twoOctetPeer?: boolean } = {}) {
  return new AdjRibOut({ localAsn: opts.localAsn ?? 65001, internal, twoOctetPeer: opts.twoOctetPeer ?? false, nextHops: v4Hops() });
}

const decodeAll = (frames: Uint8Array[]) => frames.map((f) => decodeMessage(f, defaultContext) as UpdateMessage);

describe('attributes toward eBGP and iBGP peers (RFC 4271 §5.1)', () => {
  const r = route('10.1.0.0/24', { communities: ['65000:1', '1:2'], largeCommunities: ['65000:1:2'], localPreference: 200 });

  it('eBGP: our AS in AS_PATH, NEXT_HOP self, no LOCAL_PREF, communities and large communities', () => {
    const out = rib(false);
    const { announce } = out.set('1/1', [r]);
    const a = [...(announce ?? [])][0]!.attributes;
    expect(a.asPath).toEqual([{ type: 'sequence', asns: [65001] }]);
    expect(a.nextHop).toBe('10.0.0.1');
    expect(a.localPref).toBeUndefined();
    expect(a.communities).toEqual([0x00010002, (65000 * 65536 + 1) >>> 0]);
    expect(a.largeCommunities).toEqual([[65000, 1, 2]]);
    expect(a.origin).toBe('igp');
  });

  it('iBGP: empty AS_PATH and LOCAL_PREF (the route\'s, else 100)', () => {
    const out = rib(true);
    const got = [...(out.set('1/1', [r, route('10.2.0.0/24')]).announce ?? [])];
    expect(got[0]!.attributes.asPath).toEqual([]);
    expect(got[0]!.attributes.localPref).toBe(200);
    expect(got[1]!.attributes.localPref).toBe(100);
  });

  it('a 4-octet local AS toward a 2-octet peer: AS_TRANS in AS_PATH, the real AS in AS4_PATH (RFC 6793)', () => {
    const out = rib(false, { localAsn: 4200000001, twoOctetPeer: true });
    const a = [...(out.set('1/1', [r]).announce ?? [])][0]!.attributes;
    expect(a.asPath).toEqual([{ type: 'sequence', asns: [23456] }]);
    expect(a.as4Path).toEqual([{ type: 'sequence', asns: [4200000001] }]);
  });

  it('a family without a usable next hop holds nothing and says why (next-hop.ts)', () => {
    const out = rib(false);
    expect([...(out.set('2/1', [route('2001:db8::/64')]).announce ?? [])]).toEqual([]);
    expect(out.unsent('2/1')).toMatch(/no IPv6 next hop/);
    expect(out.nextHop('2/1')).toBeNull();
    expect(out.nextHop('1/1')).toBe('10.0.0.1');
  });
});

describe('minimal differences', () => {
  it('announces new and changed routes, withdraws removed ones, leaves unchanged ones alone', () => {
    const out = rib(false);
    out.set('1/1', [route('10.0.0.0/24'), route('10.0.1.0/24'), route('10.0.2.0/24')]);
    const changes = out.set('1/1', [route('10.0.0.0/24'), route('10.0.1.0/24', { communities: ['1:1'] }), route('10.0.3.0/24')]);
    expect([...(changes.announce ?? [])].map((a) => a.prefix)).toEqual(['10.0.1.0/24', '10.0.3.0/24']);
    expect([...(changes.withdraw ?? [])]).toEqual([{ prefix: '10.0.2.0/24' }]);
    expect(out.count('1/1')).toBe(3);
  });

  it('no change, no announcement', () => {
    const out = rib(false);
    out.set('1/1', [route('10.0.0.0/24')]);
    const again = out.set('1/1', [route('10.0.0.0/24')]);
    expect([...(again.announce ?? [])]).toEqual([]);
    expect([...(again.withdraw ?? [])]).toEqual([]);
  });

  it('diffTables compares attributes by identity', () => {
    const a = { origin: 'igp' as const };
    expect(diffTables(new Map([['1.0.0.0/8', a]]), new Map([['1.0.0.0/8', a]]))).toEqual({ announce: [], withdraw: [] });
    expect(diffTables(new Map([['1.0.0.0/8', a]]), new Map([['1.0.0.0/8', { ...a }]])).announce).toHaveLength(1);
  });

  it('graceful shutdown re-announces every route with 65535:0 and back (RFC 8326)', () => {
    const out = rib(false);
    out.set('1/1', [route('10.0.0.0/24', { communities: ['1:1'] }), route('10.0.1.0/24')]);
    const on = out.setGracefulShutdown(true).get('1/1')!;
    const ann = [...(on.announce ?? [])];
    expect(ann).toHaveLength(2);
    for (const a of ann) expect(a.attributes.communities).toContain(GracefulShutdownCommunity);
    const off = [...(out.setGracefulShutdown(false).get('1/1')!.announce ?? [])];
    expect(off[1]!.attributes.communities).toBeUndefined();
  });
});

describe('packing (the Targets bar)', () => {
  it('10,000 identical-attribute /32s go out in 13 UPDATEs of at most 4096 octets', () => {
    const out = rib(false);
    const routes = Array.from({ length: 10_000 }, (_, i) => route(`10.${(i >> 8) & 255}.${i & 255}.1/32`));
    const frames = packUpdates(out.set('1/1', routes), defaultContext);
    expect(frames).toHaveLength(13);
    expect(Math.max(...frames.map((f) => f.length))).toBeLessThanOrEqual(4096);
    const nlri = decodeAll(frames).flatMap((u) => u.nlri.map((n) => n.prefix));
    expect(new Set(nlri).size).toBe(10_000);
  });

  it('a withdrawal and an announcement of one family share an UPDATE', () => {
    const out = rib(false);
    out.set('1/1', [route('10.0.0.0/24')]);
    const frames = packUpdates(out.set('1/1', [route('10.0.1.0/24')]), defaultContext);
    expect(frames).toHaveLength(1);
    const [u] = decodeAll(frames);
    expect(u!.withdrawn.map((n) => n.prefix)).toEqual(['10.0.0.0/24']);
    expect(u!.nlri.map((n) => n.prefix)).toEqual(['10.0.1.0/24']);
  });
});
