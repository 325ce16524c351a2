import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../speaker/codec/message.ts';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { encodeOpen } from '../../../speaker/codec/open.ts';
import type { OpenMessage } from '../../../speaker/codec/types.ts';
import { localOpen } from '../../../speaker/session/local-open.ts';

const base = {
  localAsn: 4200000001,
  routerId: '10.0.0.1',
  holdTimeS: 90,
  families: [
    { afi: 1, safi: 1 },
    { afi: 2, safi: 1 },
  ],
  gracefulRestart: { enabled: true, restartTimeS: 120, restarting: true, forwardingPreserved: true },
};

describe('our OPEN', () => {
  it('carries MP per family, route refresh, enhanced route refresh, extended message, GR and 4-octet AS; no ADD-PATH', () => {
    const open = decodeMessage(encodeOpen(localOpen(base)), defaultContext) as OpenMessage;
    expect(open.myAs).toBe(23456);
    expect(open.asn).toBe(4200000001);
    expect(open.capabilities.map((c) => c.name)).toEqual([
      'multiprotocol',
      'multiprotocol',
      'route-refresh',
      'enhanced-route-refresh',
      'extended-message',
      'graceful-restart',
      'four-octet-as',
    ]);
    expect(open.capabilities.find((c) => c.name === 'graceful-restart')).toEqual({
      code: 64,
      name: 'graceful-restart',
      restarting: true,
      notification: true,
      restartTime: 120,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: true },
        { afi: 2, safi: 1, forwardingPreserved: true },
      ],
    });
  });

  it('without graceful restart: no GR capability; extended next hop when asked', () => {
    const open = localOpen({
      ...base,
      gracefulRestart: { ...base.gracefulRestart, enabled: false },
      extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
    });
    expect(open.capabilities.some((c) => c.name === 'graceful-restart')).toBe(false);
    expect(open.capabilities.find((c) => c.name === 'extended-next-hop')).toMatchObject({ entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] });
  });
});
