import { describe, expect, it } from 'vitest';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { BgpError, EncodeError } from '../../../speaker/codec/errors.ts';
import { fromHex, toHex } from '../../../speaker/codec/hex.ts';
import {
  decodeNotification,
  decodeShutdownCommunication,
  encodeNotification,
  encodeShutdownCommunication,
  notificationFromError,
} from '../../../speaker/codec/notification.ts';
import type { NotificationMessage } from '../../../speaker/codec/types.ts';
import { bytesOf, expectedMessage, loadVectors } from './message-vectors.ts';

const note = (code: number, subcode: number, data = ''): NotificationMessage => ({
  type: 'notification',
  code,
  subcode,
  data: fromHex(data),
});

describe('NOTIFICATION golden vectors, three ways', () => {
  for (const v of loadVectors('notification')) {
    describe(`${v.file}: ${v.description}`, () => {
      const expected = expectedMessage(v) as NotificationMessage;
      it('decodes', () => expect(decodeNotification(bytesOf(v))).toEqual(expected));
      it('encodes', () => expect(toHex(encodeNotification(expected))).toBe(v.hex));
      it('decode∘encode', () => expect(decodeNotification(encodeNotification(expected))).toEqual(expected));
      if (v.shutdownCommunication !== undefined) {
        it('shutdown communication (RFC 9003)', () => {
          const comm = decodeShutdownCommunication(expected);
          if (v.shutdownCommunication === false) expect(comm?.valid).toBe(false);
          else expect(comm).toMatchObject({ valid: true, text: v.shutdownCommunication });
        });
      }
    });
  }
});

describe('decodeShutdownCommunication', () => {
  it('is null for other codes and for no data', () => {
    expect(decodeShutdownCommunication(note(6, 3, '026869'))).toBeNull();
    expect(decodeShutdownCommunication(note(2, 2, '026869'))).toBeNull();
    expect(decodeShutdownCommunication(note(6, 2))).toBeNull();
  });

  it('reads a zero-length communication and keeps trailing octets', () => {
    expect(decodeShutdownCommunication(note(6, 4, '00'))).toEqual({ valid: true, text: '', trailing: new Uint8Array() });
    const trailing = decodeShutdownCommunication(note(6, 2, '026869beef'));
    expect(trailing?.valid && toHex(trailing.trailing)).toBe('beef');
  });

  it('round-trips multi-octet UTF-8 through encodeShutdownCommunication', () => {
    const text = 'Wartung — ここで停止 🚧';
    const data = encodeShutdownCommunication(text);
    expect(decodeShutdownCommunication({ ...note(6, 2), data })).toMatchObject({ valid: true, text });
  });

  it('refuses a communication above 255 octets (RFC 9003 §2)', () => {
    expect(encodeShutdownCommunication('x'.repeat(255)).length).toBe(256);
    expect(() => encodeShutdownCommunication('x'.repeat(256))).toThrow(EncodeError);
    expect(() => encodeShutdownCommunication('é'.repeat(128))).toThrow(EncodeError);
  });
});

describe('encodeNotification', () => {
  it('cuts data that would pass the session maximum', () => {
    const big = { ...note(3, 1), data: new Uint8Array(5000).fill(7) };
    const out = encodeNotification(big);
    expect(out.length).toBe(4096);
    expect(decodeNotification(out).data.length).toBe(4096 - 21);
    expect(encodeNotification(big, { ...defaultContext, extendedMessages: true }).length).toBe(5021);
  });

  it('refuses codes outside an octet', () => {
    expect(() => encodeNotification(note(256, 0))).toThrow(EncodeError);
    expect(() => encodeNotification(note(1, -1))).toThrow(EncodeError);
  });

  it('notificationFromError carries code, subcode and data', () => {
    const err = new BgpError(1, 2, 'bad length', fromHex('1388'));
    expect(toHex(encodeNotification(notificationFromError(err)))).toBe(`${'ff'.repeat(16)}0017030102` + '1388');
  });
});
