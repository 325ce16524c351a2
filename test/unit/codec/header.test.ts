import { describe, expect, it } from 'vitest';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { EncodeError } from '../../../speaker/codec/errors.ts';
import { decodeHeader, encodeFrame, maxLengthOf, MinMessageLength } from '../../../speaker/codec/header.ts';
import { Framer } from '../../../speaker/codec/framer.ts';
import { toHex } from '../../../speaker/codec/hex.ts';
import { decodeMessage } from '../../../speaker/codec/message.ts';
import { MessageType } from '../../../speaker/codec/types.ts';
import { bytesOf, contextOf, expectBgpError, loadVectors, validMessageVectors } from './message-vectors.ts';

const extended = { ...defaultContext, extendedMessages: true };
const header = (length: number, type: number) => {
  const b = new Uint8Array(19).fill(0xff);
  b[16] = length >> 8;
  b[17] = length & 0xff;
  b[18] = type;
  return b;
};

describe('header vectors (RFC 4271 §6.1)', () => {
  for (const v of loadVectors('header')) {
    it(`${v.file}: ${v.description}`, () => {
      const bytes = bytesOf(v);
      expectBgpError(() => decodeMessage(bytes, contextOf(v)), v.error!);
      // A frame whose octets disagree with a good header is decodeMessage's to catch alone.
      if (v.file === 'header/frame-longer-than-length.json') return;
      // The check needs the 19 header octets only, whatever follows.
      expectBgpError(() => decodeHeader(bytes.subarray(0, 19), contextOf(v)), v.error!);
      // The framer reports it as soon as the header is in, before any body arrives.
      expectBgpError(() => new Framer({ context: contextOf(v) }).push(bytes.subarray(0, 19)), v.error!);
    });
  }
});

describe('decodeHeader', () => {
  it('reads length and type of every valid vector', () => {
    for (const v of validMessageVectors()) {
      const bytes = bytesOf(v);
      expect(decodeHeader(bytes, defaultContext)).toEqual({ length: bytes.length, type: bytes[18] });
    }
  });

  it('accepts each type at its minimum length', () => {
    for (const [type, min] of Object.entries(MinMessageLength)) {
      expect(decodeHeader(header(min, Number(type)), defaultContext).length).toBe(min);
    }
  });

  it('accepts 4096 always and up to 65535 with extended messages, except OPEN and KEEPALIVE', () => {
    expect(decodeHeader(header(4096, MessageType.Update), defaultContext).length).toBe(4096);
    expectBgpError(() => decodeHeader(header(4097, MessageType.Update), defaultContext), { code: 1, subcode: 2, data: '1001' });
    for (const type of [MessageType.Update, MessageType.Notification, MessageType.RouteRefresh]) {
      expect(decodeHeader(header(65535, type), extended).length).toBe(65535);
    }
    expectBgpError(() => decodeHeader(header(4097, MessageType.Open), extended), { code: 1, subcode: 2, data: '1001' });
    expect(decodeHeader(header(4096, MessageType.Open), extended).length).toBe(4096);
  });

  it('checks the marker before the length, and the length before the type', () => {
    const both = header(5, 77);
    both[0] = 0;
    expectBgpError(() => decodeHeader(both, defaultContext), { code: 1, subcode: 1, data: '' });
    expectBgpError(() => decodeHeader(header(5, 77), defaultContext), { code: 1, subcode: 2, data: '0005' });
    expectBgpError(() => decodeHeader(header(19, 77), defaultContext), { code: 1, subcode: 3, data: '4d' });
  });

  it('reads at an offset and refuses fewer than 19 octets', () => {
    const buf = new Uint8Array(40);
    buf.set(header(19, 4), 21);
    expect(decodeHeader(buf, defaultContext, 21)).toEqual({ length: 19, type: 4 });
    expectBgpError(() => decodeHeader(header(19, 4).subarray(0, 18), defaultContext), { code: 1, subcode: 2, data: '' });
  });
});

describe('encodeFrame', () => {
  it('writes marker, back-patched length and type', () => {
    const out = encodeFrame(MessageType.Notification, defaultContext, (w) => w.u8(6).u8(2).u8(0xab));
    expect(toHex(out)).toBe(`${'ff'.repeat(16)}001603` + '0602ab');
  });

  it('refuses a message beyond the session maximum', () => {
    const big = new Uint8Array(4096 - 19 + 1);
    expect(() => encodeFrame(MessageType.Update, defaultContext, (w) => w.bytes(big))).toThrow(EncodeError);
    expect(encodeFrame(MessageType.Update, extended, (w) => w.bytes(big)).length).toBe(4097);
    expect(() => encodeFrame(MessageType.Open, extended, (w) => w.bytes(big))).toThrow(EncodeError);
    const huge = new Uint8Array(65535 - 19 + 1);
    expect(() => encodeFrame(MessageType.Update, extended, (w) => w.bytes(huge))).toThrow(EncodeError);
  });

  it('knows the per-type maximum', () => {
    expect(maxLengthOf(MessageType.Update, defaultContext)).toBe(4096);
    expect(maxLengthOf(MessageType.Update, extended)).toBe(65535);
    expect(maxLengthOf(MessageType.Keepalive, extended)).toBe(4096);
  });
});
