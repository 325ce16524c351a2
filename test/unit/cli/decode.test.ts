// `bgpcast decode`: decodeInput (the pure part) on hex and raw input with each flag, malformed
// messages reported in place. (The binary itself: test/integration/decode-cli.test.ts.)

import { describe, expect, it } from 'vitest';
import { toTwoOctetPeer } from '../../../speaker/codec/as4.ts';
import { contextOf, decodeInput, InputFormatError, parseFamilies } from '../../../speaker/codec/decode-input.ts';
import { toHex } from '../../../speaker/codec/hex.ts';
import { encodeMessage } from '../../../speaker/codec/message.ts';
import { packUpdates } from '../../../speaker/codec/update-builder.ts';
import { attributes, badUpdate, ctx, keepalive, marker, open, update, updateJson } from './decode-fixtures.ts';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('decodeInput', () => {
  it('reads hex with spaces and newlines, one JSON object per message', () => {
    const hex = `${toHex(open)}\n${toHex(keepalive).replace(/(..)/g, '$1 ')}\n${toHex(update)}\n`;
    const { lines, errors } = decodeInput(hex);
    expect(errors).toBe(0);
    expect(lines.map((l) => l.type)).toEqual(['open', 'keepalive', 'update']);
    expect(lines[0]).toMatchObject({ type: 'open', length: open.length, version: 4, asn: 4_200_000_000, holdTime: 90, bgpId: '192.0.2.1' });
    expect(lines[1]).toEqual({ type: 'keepalive', length: 19 });
    expect(lines[2]).toEqual(updateJson);
  });

  it('raw octets, and hex text in a file (colons, # comments), read the same', () => {
    const raw = concat(keepalive, update);
    const text = Buffer.from(`# a keepalive\n${toHex(keepalive)}\n# an update\n${toHex(update).replace(/(..)(?!$)/g, '$1:')}\n`);
    expect(decodeInput(raw)).toEqual({ lines: [{ type: 'keepalive', length: 19 }, updateJson], errors: 0 });
    expect(decodeInput(text)).toEqual(decodeInput(raw));
  });

  it('--as2: AS numbers of 2 octets, AS4_PATH printed apart', () => {
    const two = contextOf({ as2: true });
    const sent = encodeMessage({ type: 'update', withdrawn: [], attributes: toTwoOctetPeer(attributes), nlri: [{ prefix: '198.51.100.0/24' }] }, two);
    const { lines, errors } = decodeInput(sent, { as2: true });
    expect(errors).toBe(0);
    expect(lines[0]!.attributes).toMatchObject({
      asPath: [{ type: 'sequence', asns: [65001, 23456] }],
      as4Path: [{ type: 'sequence', asns: [65001, 4_200_000_000] }],
    });
    expect(decodeInput(sent).lines[0]).not.toEqual(lines[0]); // read as 4-octet, the path is garbled
  });

  it('--addpath: NLRI with path identifiers', () => {
    const addPath = contextOf({ addPath: ['1/1'] });
    const sent = encodeMessage({ type: 'update', withdrawn: [{ prefix: '10.0.0.0/8', pathId: 3 }], attributes, nlri: [{ prefix: '198.51.100.0/24', pathId: 7 }] }, addPath);
    const { lines } = decodeInput(toHex(sent), { addPath: parseFamilies('ipv4') });
    expect(lines[0]).toMatchObject({ withdrawn: [{ prefix: '10.0.0.0/8', pathId: 3 }], nlri: [{ prefix: '198.51.100.0/24', pathId: 7 }] });
  });

  it('--extended: a 4973-octet UPDATE; without it, Bad Message Length and the next message still read', () => {
    // 23 + ORIGIN 4 + AS_PATH 13 + NEXT_HOP 7 + COMMUNITIES (4 + 1230 × 4) + NLRI 10/8 2 = 4973 (0x136d)
    const big = encodeMessage({ type: 'update', withdrawn: [], attributes: { ...attributes, communities: Array(1230).fill(1) }, nlri: [{ prefix: '10.0.0.0/8' }] }, contextOf({ extended: true }));
    expect(big.length).toBe(4973);
    const both = concat(big, keepalive);
    expect(decodeInput(both, { extended: true })).toMatchObject({ lines: [{ type: 'update', length: 4973 }, { type: 'keepalive' }], errors: 0 });
    expect(decodeInput(both)).toEqual({
      lines: [
        { type: 'error', code: 1, subcode: 2, codeName: 'Message Header Error', subcodeName: 'Bad Message Length', data: '136d', offset: 0, error: expect.any(String) },
        { type: 'keepalive', length: 19 },
      ],
      errors: 1,
    });
  });

  it('a malformed message in the middle: its error object in its place, the rest decoded', () => {
    const { lines, errors } = decodeInput(`${toHex(keepalive)} ${badUpdate} ${toHex(keepalive)}`);
    expect(errors).toBe(1);
    expect(lines).toEqual([
      { type: 'keepalive', length: 19 },
      { type: 'error', code: 3, subcode: 1, codeName: 'UPDATE Message Error', subcodeName: 'Malformed Attribute List', data: '', offset: 19, error: expect.any(String) },
      { type: 'keepalive', length: 19 },
    ]);
  });

  it('framing lost (bad marker, cut-off message, cut-off header): the error, then nothing more', () => {
    const badMarker = decodeInput(`${'ff'.repeat(15)}00 0013 04 ${toHex(keepalive)}`);
    expect(badMarker).toMatchObject({ lines: [{ type: 'error', code: 1, subcode: 1, offset: 0 }], errors: 1 });
    const cut = decodeInput(concat(keepalive, update.subarray(0, 30)));
    expect(cut).toMatchObject({ lines: [{ type: 'keepalive' }, { type: 'error', code: 1, subcode: 2, offset: 19, data: toHex(update.subarray(16, 18)) }], errors: 1 });
    const header = decodeInput(concat(keepalive, keepalive.subarray(0, 10)));
    expect(header).toMatchObject({ lines: [{ type: 'keepalive' }, { type: 'error', code: 1, subcode: 2, offset: 19 }], errors: 1 });
  });

  it('an UPDATE with a bad attribute: printed without it, with its problem (RFC 7606), counted as an error', () => {
    // ORIGIN 5 (undefined): 40 01 01 05; NLRI 10/8: 08 0a. Body 2 + 2 + 4 + 2 = 10, length 29.
    const { lines, errors } = decodeInput(`${marker}001d02 0000 0004 40010105 080a`);
    expect(errors).toBe(1);
    expect(lines).toEqual([
      {
        type: 'update',
        length: 29,
        withdrawn: [],
        nlri: ['10.0.0.0/8'],
        attributes: {},
        problems: [
          { kind: 'malformed', attribute: 1, code: 3, subcode: 6, subcodeName: 'Invalid Origin Attribute', reason: expect.any(String), data: '40010105' },
        ],
      },
    ]);
  });

  it('reads back what the packer sends', () => {
    const announce = Array.from({ length: 2000 }, (_, i) => ({ prefix: `10.0.${i >> 8}.${i & 255}/32`, attributes }));
    const frames = packUpdates({ announce, withdraw: [{ prefix: '192.0.2.0/24' }] }, ctx);
    const { lines, errors } = decodeInput(concat(...frames));
    expect(errors).toBe(0);
    expect(lines).toHaveLength(frames.length);
    expect(lines.flatMap((l) => l.nlri as string[]).sort()).toEqual(announce.map((a) => a.prefix).sort());
    expect(lines.flatMap((l) => l.withdrawn as string[])).toEqual(['192.0.2.0/24']);
  });

  it('empty input: no lines; bad hex: InputFormatError', () => {
    expect(decodeInput('')).toEqual({ lines: [], errors: 0 });
    expect(decodeInput(Buffer.from('# nothing here\n'))).toEqual({ lines: [], errors: 0 });
    expect(() => decodeInput('ffz0')).toThrow(InputFormatError);
    expect(() => decodeInput('fff')).toThrow(InputFormatError);
  });
});

describe('parseFamilies (--addpath)', () => {
  it('names, name/safi, numbers', () => {
    expect(parseFamilies('ipv4,ipv6')).toEqual(['1/1', '2/1']);
    expect(parseFamilies('IPv4/unicast, ipv6/multicast')).toEqual(['1/1', '2/2']);
    expect(parseFamilies('2/1')).toEqual(['2/1']);
  });

  it('refuses anything else', () => {
    for (const bad of ['foo', 'ipv4/x', 'ipv4/1/2', '0/1', '/1']) expect(() => parseFamilies(bad), bad).toThrow(InputFormatError);
  });
});
