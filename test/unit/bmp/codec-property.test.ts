// BMP encode∘decode over generated messages: every field comes back, the Message Length is the
// message's size, a stream of them splits back into them, and no input makes the decoder throw
// anything but BmpDecodeError.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { formatIPv6 } from '../../../speaker/codec/ip.ts';
import { encodeMessage } from '../../../speaker/codec/message.ts';
import { BmpDecodeError, decodeBmp, splitBmp } from '../../../speaker/bmp/decode.ts';
import type { PerPeerHeader } from '../../../speaker/bmp/encode.ts';
import { encodeInitiation, encodePeerDown, encodePeerUp, encodeRouteMonitoring, encodeTermination } from '../../../speaker/bmp/encode.ts';
import { openArb } from '../codec/open-arbitraries.ts';
import { updateMessage } from '../codec/update-arbitraries.ts';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const address = fc.oneof(
  fc.ipV4(),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b)),
);
const perPeer: fc.Arbitrary<PerPeerHeader> = fc.record({
  peerAddress: address,
  peerAsn: u32,
  peerBgpId: fc.ipV4(),
  timestampUs: fc.tuple(u32, fc.integer({ min: 0, max: 999_999 })).map(([s, us]) => s * 1e6 + us),
  postPolicy: fc.boolean(),
  adjRibOut: fc.boolean(),
  twoOctetAsPath: fc.boolean(),
});
const update = updateMessage({ fourOctetAs: true, addPath: false }).map((m) => {
  try {
    return encodeMessage(m, { ...defaultContext, extendedMessages: true });
  } catch {
    return encodeMessage({ type: 'update', withdrawn: [], attributes: {}, nlri: [] }, defaultContext);
  }
});
const open = openArb.map((o) => {
  try {
    return encodeMessage(o, defaultContext);
  } catch {
    return null;
  }
}).filter((b): b is Uint8Array => b !== null);
const notification = fc
  .record({ code: fc.integer({ min: 1, max: 7 }), subcode: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 40 }) })
  .map((n) => encodeMessage({ type: 'notification', ...n }, defaultContext));
const text = fc.string({ maxLength: 60 });

type Case = { encoded: Uint8Array; expected: Record<string, unknown> };

const messages: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ peer: perPeer, update }).map(({ peer, update }) => ({
    encoded: encodeRouteMonitoring({ peer, update }),
    expected: { type: 'route-monitoring', peer: expect.objectContaining(peer), update },
  })),
  fc
    .record({
      peer: perPeer,
      local: fc.oneof(fc.ipV4(), fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b))),
      lp: fc.integer({ min: 0, max: 0xffff }),
      rp: fc.integer({ min: 0, max: 0xffff }),
      sent: open,
      received: open,
      info: fc.array(text, { maxLength: 3 }),
    })
    // One TCP connection: both ends of one family (the V flag says which, RFC 7854 §4.10).
    .filter((u) => u.peer.peerAddress.includes(':') === u.local.includes(':'))
    .map((u) => ({
      encoded: encodePeerUp({ peer: u.peer, localAddress: u.local, localPort: u.lp, remotePort: u.rp, sentOpen: u.sent, receivedOpen: u.received, information: u.info }),
      expected: {
        type: 'peer-up',
        peer: expect.objectContaining(u.peer),
        localAddress: u.local,
        localPort: u.lp,
        remotePort: u.rp,
        sentOpen: u.sent,
        receivedOpen: u.received,
        information: u.info.map((value) => ({ type: 0, value })),
      },
    })),
  fc.record({ peer: perPeer, reason: fc.constantFrom(1, 3), notification }).map(({ peer, reason, notification }) => ({
    encoded: encodePeerDown({ peer, reason: reason as 1 | 3, notification }),
    expected: { type: 'peer-down', peer: expect.objectContaining(peer), reason, notification },
  })),
  fc.record({ peer: perPeer, fsmEvent: fc.integer({ min: 0, max: 0xffff }) }).map(({ peer, fsmEvent }) => ({
    encoded: encodePeerDown({ peer, reason: 2, fsmEvent }),
    expected: { type: 'peer-down', peer: expect.objectContaining(peer), reason: 2, fsmEvent },
  })),
  fc.record({ peer: perPeer, reason: fc.constantFrom(4, 5) }).map(({ peer, reason }) => ({
    encoded: encodePeerDown({ peer, reason: reason as 4 | 5 }),
    expected: { type: 'peer-down', peer: expect.objectContaining(peer), reason },
  })),
  fc.record({ sysName: text, sysDescr: text, strings: fc.array(text, { maxLength: 3 }) }).map((i) => ({
    encoded: encodeInitiation(i),
    expected: { type: 'initiation', tlvs: [{ type: 2, value: i.sysName }, { type: 1, value: i.sysDescr }, ...i.strings.map((value) => ({ type: 0, value }))] },
  })),
  fc.record({ reason: fc.integer({ min: 0, max: 0xffff }), text: fc.option(text, { nil: undefined }) }).map((t) => ({
    encoded: encodeTermination(t),
    expected: { type: 'termination', reason: t.reason, tlvs: t.text === undefined ? [] : [{ type: 0, value: t.text }] },
  })),
);

describe('BMP encode∘decode', () => {
  it('gives back every field, and the Message Length is the size of the message', () => {
    fc.assert(
      fc.property(messages, ({ encoded, expected }) => {
        expect(new DataView(encoded.buffer, encoded.byteOffset).getUint32(1)).toBe(encoded.length);
        expect(decodeBmp(encoded)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a stream of messages splits back into them; cut anywhere short, it is a BmpDecodeError', () => {
    fc.assert(
      fc.property(fc.array(messages, { minLength: 1, maxLength: 6 }), fc.nat(), (cases, cut) => {
        const parts = cases.map((c) => c.encoded);
        const stream = Buffer.concat(parts);
        expect(splitBmp(new Uint8Array(stream)).map((m) => Buffer.from(m))).toEqual(parts.map((p) => Buffer.from(p)));
        const at = cut % stream.length;
        const ends = parts.reduce<number[]>((acc, p) => [...acc, (acc.at(-1) ?? 0) + p.length], []);
        if (!ends.includes(at) && at > 0) expect(() => splitBmp(new Uint8Array(stream.subarray(0, at)))).toThrow(BmpDecodeError);
      }),
      { numRuns: 200 },
    );
  });

  it('any octets: a message or a BmpDecodeError, nothing else', () => {
    fc.assert(
      fc.property(messages, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), ({ encoded }, flips) => {
        const bytes = encoded.slice();
        for (const [at, v] of flips) bytes[at % bytes.length] = v;
        try {
          decodeBmp(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(BmpDecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
