import { describe, expect, it } from 'vitest';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { fromHex } from '../../../speaker/codec/hex.ts';
import { capabilityToJson, messageToJson } from '../../../speaker/codec/json-view.ts';
import { decodeMessage } from '../../../speaker/codec/message.ts';
import { bytesOf, validMessageVectors } from './message-vectors.ts';

const view = (bytes: Uint8Array) => messageToJson(decodeMessage(bytes, defaultContext), bytes.length);

describe('messageToJson (the `bgpcast decode` view)', () => {
  for (const v of validMessageVectors().filter((x) => x.json)) {
    it(`${v.file}`, () => expect(view(bytesOf(v))).toEqual(v.json));
  }

  it('is plain JSON for every vector', () => {
    for (const v of validMessageVectors()) {
      const out = view(bytesOf(v));
      expect(JSON.parse(JSON.stringify(out))).toEqual(out);
      expect(Object.keys(out).slice(0, 2)).toEqual(['type', 'length']);
    }
  });

  it('hands UPDATE to the UPDATE view, type and length first', () => {
    const eor = fromHex(`${'ff'.repeat(16)}001d0200000006800f03000201`);
    expect(view(eor)).toMatchObject({
      type: 'update',
      length: 29,
      withdrawn: [],
      nlri: [],
      attributes: { mpUnreach: { afi: 'ipv6', safi: 'unicast', withdrawn: [] } },
      endOfRib: { afi: 'ipv6', safi: 'unicast' },
    });
  });

  it('prints unnamed families as numbers and the raw capability as hex', () => {
    expect(capabilityToJson({ code: 1, name: 'multiprotocol', afi: 16388, safi: 71 })).toEqual({
      code: 1,
      name: 'multiprotocol',
      afi: 16388,
      safi: 71,
    });
    expect(capabilityToJson({ code: 9, name: 'unknown', hex: '03' })).toEqual({ code: 9, name: 'unknown', hex: '03' });
  });
});
