import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { BgpError } from '../../../speaker/codec/errors.ts';
import { Framer } from '../../../speaker/codec/framer.ts';
import { fromHex, toHex } from '../../../speaker/codec/hex.ts';
import { bytesOf, expectBgpError, validMessageVectors } from './message-vectors.ts';

// Every valid message vector, plus the two End-of-RIB UPDATEs BIRD sent in the same captures.
const messages: Uint8Array[] = [
  ...validMessageVectors().map(bytesOf),
  fromHex(`${'ff'.repeat(16)}00170200000000`),
  fromHex(`${'ff'.repeat(16)}001d0200000006800f03000201`),
];
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const stream = concat(messages);
const hexes = (frames: Uint8Array[]) => frames.map(toHex);
const all = hexes(messages);

function feed(chunks: Uint8Array[], framer = new Framer()): Uint8Array[] {
  return chunks.flatMap((c) => framer.push(c));
}

describe('Framer: split-safe (RFC 4271 §4.1)', () => {
  it('hands out every message of one chunk', () => {
    expect(hexes(feed([stream]))).toEqual(all);
  });

  it('reassembles each message cut at every offset', () => {
    for (const m of messages) {
      for (let i = 0; i <= m.length; i++) {
        expect(hexes(feed([m.subarray(0, i), m.subarray(i)]))).toEqual([toHex(m)]);
      }
    }
  });

  it('reassembles each message cut in three pieces at every pair of offsets', () => {
    for (const m of messages) {
      for (let i = 0; i <= m.length; i++) {
        for (let j = i; j <= m.length; j++) {
          const frames = feed([m.subarray(0, i), m.subarray(i, j), m.subarray(j)]);
          if (frames.length !== 1 || toHex(frames[0]!) !== toHex(m)) {
            throw new Error(`message ${toHex(m).slice(32, 40)} cut at ${i}, ${j}`);
          }
        }
      }
    }
  });

  it('reassembles the whole stream cut at every offset, and fed octet by octet', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(hexes(feed([stream.subarray(0, i), stream.subarray(i)]))).toEqual(all);
    }
    expect(hexes(feed(Array.from(stream, (b) => Uint8Array.of(b))))).toEqual(all);
  });

  it('reassembles the stream under any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 40 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const chunks = at.slice(1).map((end, k) => stream.subarray(at[k], end));
        expect(hexes(feed(chunks))).toEqual(all);
      }),
    );
  });

  it('hands out views of the chunk when a message lies whole in it, copies otherwise', () => {
    const chunk = stream.slice();
    const [first] = new Framer().push(chunk);
    expect(first!.buffer).toBe(chunk.buffer);
    const framer = new Framer();
    framer.push(chunk.subarray(0, 10));
    const [split] = framer.push(chunk.subarray(10, messages[0]!.length));
    expect(split!.buffer).not.toBe(chunk.buffer);
  });

  it('counts the octets it holds', () => {
    const framer = new Framer();
    framer.push(stream.subarray(0, 10));
    expect(framer.buffered).toBe(10);
    framer.push(stream.subarray(10, 30));
    expect(framer.buffered).toBe(30);
    framer.push(stream.subarray(30, messages[0]!.length));
    expect(framer.buffered).toBe(0);
  });
});

describe('Framer: header errors (RFC 4271 §6.1)', () => {
  const keepalive = messages.find((m) => m.length === 19)!;

  it('reports a bad header as soon as its 19 octets are in, before the body', () => {
    const open = messages[0]!.slice();
    open[16] = 0x20; // length 8192 + …
    const framer = new Framer();
    expect(framer.push(open.subarray(0, 18))).toEqual([]);
    expectBgpError(() => framer.push(open.subarray(18, 19)), { code: 1, subcode: 2, data: toHex(open.subarray(16, 18)) });
  });

  it('hands out the good messages before the bad one, then stays failed', () => {
    const bad = keepalive.slice();
    bad[3] = 0;
    const framer = new Framer();
    framer.append(concat([keepalive, keepalive, bad, keepalive]));
    expect(framer.next()).not.toBeNull();
    expect(framer.next()).not.toBeNull();
    const err = expectBgpError(() => framer.next(), { code: 1, subcode: 1, data: '' });
    expect(() => framer.next()).toThrow(err);
    expect(() => framer.push(keepalive)).toThrow(err);
  });

  it('checks each header against the context in force when it is read (RFC 8654)', () => {
    const big = new Uint8Array(5000);
    big.fill(0xff, 0, 16);
    big.set([0x13, 0x88, 2, 0, 0, 0, 0], 16);
    const chunk = concat([keepalive, big]);
    expectBgpError(() => new Framer().push(chunk), { code: 1, subcode: 2, data: '1388' });
    const framer = new Framer();
    framer.append(chunk);
    expect(framer.next()!.length).toBe(19);
    framer.setContext({ ...defaultContext, extendedMessages: true });
    expect(framer.next()!.length).toBe(5000);
    expect(framer.next()).toBeNull();
  });

  it('bounds what append() may hold (Cease / Out of Resources)', () => {
    const framer = new Framer({ maxBuffered: 64 });
    framer.append(stream.subarray(0, 60));
    expectBgpError(() => framer.append(stream.subarray(60, 70)), { code: 6, subcode: 8, data: '' });
  });

  it('throws nothing but BgpError on random octets', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        try {
          feed(chunks);
        } catch (err) {
          if (!(err instanceof BgpError)) throw err;
        }
      }),
    );
  });
});
