import { describe, expect, it } from 'vitest';
import { maxMessageLength } from '../../../speaker/codec/context.ts';
import { negotiate } from '../../../speaker/codec/negotiate.ts';
import { buildOpen, decodeOpen } from '../../../speaker/codec/open.ts';
import type { Capability, OpenMessage } from '../../../speaker/codec/types.ts';
import { bytesOf, loadVectors } from './message-vectors.ts';

const mp = (afi: number, safi: number): Capability => ({ code: 1, name: 'multiprotocol', afi, safi });
const addPath = (families: [number, number, 1 | 2 | 3][]): Capability => ({
  code: 69,
  name: 'add-path',
  families: families.map(([afi, safi, sendReceive]) => ({ afi, safi, sendReceive })),
});
const open = (holdTime: number, capabilities: Capability[]): OpenMessage =>
  buildOpen({ asn: 65001, holdTime, bgpId: '192.0.2.1', capabilities });
const captured = (name: string) => decodeOpen(bytesOf(loadVectors('open').find((v) => v.file === `open/${name}.json`)!));

describe('negotiate', () => {
  it('takes the smaller hold time and a third of it as keepalive (RFC 4271 §4.2, §10)', () => {
    expect(negotiate(open(90, []), open(30, []))).toMatchObject({ holdTime: 30, keepalive: 10 });
    expect(negotiate(open(90, []), open(10, []))).toMatchObject({ holdTime: 10, keepalive: 3 });
    expect(negotiate(open(0, []), open(90, []))).toMatchObject({ holdTime: 0, keepalive: 0 });
  });

  it('intersects the multiprotocol families, in our order (RFC 4760 §8)', () => {
    const r = negotiate(open(90, [mp(2, 1), mp(1, 1), mp(1, 128)]), open(90, [mp(1, 1), mp(2, 1)]));
    expect(r.families).toEqual([
      { afi: 2, safi: 1 },
      { afi: 1, safi: 1 },
    ]);
  });

  it('takes a side without multiprotocol capabilities as IPv4 unicast only', () => {
    expect(negotiate(open(90, [mp(1, 1), mp(2, 1)]), open(90, [])).families).toEqual([{ afi: 1, safi: 1 }]);
    expect(negotiate(open(90, [mp(2, 1)]), open(90, [])).families).toEqual([]);
    expect(negotiate(open(90, []), open(90, [])).families).toEqual([{ afi: 1, safi: 1 }]);
  });

  it('needs both sides for 4-octet AS, extended messages and (enhanced) route refresh', () => {
    const all: Capability[] = [
      { code: 65, name: 'four-octet-as', asn: 65001 },
      { code: 6, name: 'extended-message' },
      { code: 2, name: 'route-refresh' },
      { code: 70, name: 'enhanced-route-refresh' },
    ];
    const both = negotiate(open(90, all), open(90, all));
    expect(both).toMatchObject({ fourOctetAs: true, extendedMessages: true, routeRefresh: true, enhancedRouteRefresh: true });
    expect(maxMessageLength(both)).toBe(65535);
    const one = negotiate(open(90, all), open(90, []));
    expect(one).toMatchObject({ fourOctetAs: false, extendedMessages: false, routeRefresh: false, enhancedRouteRefresh: false });
    expect(maxMessageLength(one)).toBe(4096);
  });

  it('counts the pre-standard route refresh code 128 as route refresh', () => {
    const r = negotiate(open(90, [{ code: 2, name: 'route-refresh' }]), open(90, [{ code: 128, name: 'route-refresh-old' }]));
    expect(r.routeRefresh).toBe(true);
  });

  it('sets ADD-PATH per direction (RFC 7911 §5)', () => {
    const local = open(90, [addPath([[1, 1, 3], [2, 1, 1], [1, 128, 2]])]);
    const remote = open(90, [addPath([[1, 1, 1], [2, 1, 2], [1, 128, 2]])]);
    const r = negotiate(local, remote);
    expect([...r.addPathReceive]).toEqual(['2/1']);
    expect([...r.addPathSend]).toEqual(['1/1']);
    const none = negotiate(local, open(90, []));
    expect(none.addPathReceive.size + none.addPathSend.size).toBe(0);
  });

  it("keeps the peer's graceful restart capability", () => {
    const gr: Capability = {
      code: 64,
      name: 'graceful-restart',
      restarting: true,
      notification: true,
      restartTime: 120,
      families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
    };
    expect(negotiate(open(90, []), open(90, [gr])).gracefulRestart).toEqual(gr);
    expect(negotiate(open(90, [gr]), open(90, [])).gracefulRestart).toBeNull();
  });

  it('negotiates the captured BIRD and GoBGP OPENs with each other', () => {
    const r = negotiate(captured('gobgp-full'), captured('bird-full'));
    expect(r).toMatchObject({
      holdTime: 90,
      keepalive: 30,
      fourOctetAs: true,
      extendedMessages: false,
      routeRefresh: true,
      enhancedRouteRefresh: false,
      families: [
        { afi: 1, safi: 1 },
        { afi: 2, safi: 1 },
      ],
    });
    expect([...r.addPathReceive]).toEqual(['1/1']);
    expect([...r.addPathSend]).toEqual(['1/1']);
    expect(r.gracefulRestart).toMatchObject({ restartTime: 120, notification: false });
    const fromBird = negotiate(captured('bird-full'), captured('bird-as2-only'));
    expect(fromBird).toMatchObject({ fourOctetAs: false, extendedMessages: true, enhancedRouteRefresh: true });
  });
});
