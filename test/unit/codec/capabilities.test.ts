import { describe, expect, it } from 'vitest';
import {
  capabilityName,
  decodeCapabilities,
  decodeCapability,
  encodeCapability,
  MalformedOpen,
} from '../../../speaker/codec/capabilities.ts';
import { EncodeError } from '../../../speaker/codec/errors.ts';
import { fromHex, toHex } from '../../../speaker/codec/hex.ts';
import { Reader } from '../../../speaker/codec/reader.ts';
import type { Capability } from '../../../speaker/codec/types.ts';
import { Writer } from '../../../speaker/codec/writer.ts';
import { expectBgpError } from './message-vectors.ts';

const reader = (hex: string) => new Reader(fromHex(hex), MalformedOpen);
const encode = (cap: Capability) => {
  const w = new Writer();
  encodeCapability(w, cap);
  return toHex(w.finish());
};

// One row per table entry: the TLV (code, length, value) and what it decodes to.
const rows: [string, string, Capability][] = [
  ['RFC 4760 §8', '0104 0002 00 01', { code: 1, name: 'multiprotocol', afi: 2, safi: 1 }],
  ['RFC 2918 §2', '0200', { code: 2, name: 'route-refresh' }],
  [
    'RFC 8950 §3',
    '050c 0001 0001 0002 0001 0080 0002',
    {
      code: 5,
      name: 'extended-next-hop',
      entries: [
        { afi: 1, safi: 1, nextHopAfi: 2 },
        { afi: 1, safi: 128, nextHopAfi: 2 },
      ],
    },
  ],
  ['RFC 8654 §3', '0600', { code: 6, name: 'extended-message' }],
  [
    'RFC 4724 §3, RFC 8538 §2',
    '400a c12c 0001 01 80 0002 01 00',
    {
      code: 64,
      name: 'graceful-restart',
      restarting: true,
      notification: true,
      restartTime: 300,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: true },
        { afi: 2, safi: 1, forwardingPreserved: false },
      ],
    },
  ],
  ['RFC 6793 §3', '4104 fa56ea01', { code: 65, name: 'four-octet-as', asn: 4200000001 }],
  [
    'RFC 7911 §4',
    '450c 0001 01 01 0002 01 02 0001 80 03',
    {
      code: 69,
      name: 'add-path',
      families: [
        { afi: 1, safi: 1, sendReceive: 1 },
        { afi: 2, safi: 1, sendReceive: 2 },
        { afi: 1, safi: 128, sendReceive: 3 },
      ],
    },
  ],
  ['RFC 7313 §4', '4600', { code: 70, name: 'enhanced-route-refresh' }],
  [
    'RFC 9494 §3.1',
    '4707 0001 01 80 ffffff',
    {
      code: 71,
      name: 'long-lived-graceful-restart',
      families: [{ afi: 1, safi: 1, forwardingPreserved: true, staleTime: 0xffffff }],
    },
  ],
  [
    'draft-walton-bgp-hostname-capability §3',
    '490c 05 6e6f646531 05 6c6f63616c',
    { code: 73, name: 'fqdn', hostname: 'node1', domain: 'local' },
  ],
  ['pre-standard route refresh', '8000', { code: 128, name: 'route-refresh-old' }],
  ['RFC 5492 §3: unknown kept raw', '0901 03', { code: 9, name: 'unknown', hex: '03' }],
  ['RFC 5492 §3: unknown, empty', 'ef00', { code: 239, name: 'unknown', hex: '' }],
];

describe('capability table rows, three ways', () => {
  for (const [ref, tlv, cap] of rows) {
    const hex = tlv.replace(/ /g, '');
    it(`${cap.name} ${cap.code} (${ref})`, () => {
      expect(decodeCapabilities(reader(hex))).toEqual([cap]);
      expect(encode(cap)).toBe(hex);
      expect(decodeCapabilities(reader(encode(cap)))).toEqual([cap]);
    });
  }
});

describe('decodeCapabilities', () => {
  it('reads several capabilities in one parameter (RFC 5492 §4)', () => {
    const all = rows.map(([, tlv]) => tlv.replace(/ /g, '')).join('');
    expect(decodeCapabilities(reader(all))).toEqual(rows.map(([, , cap]) => cap));
  });

  it('reads an empty parameter as no capabilities', () => {
    expect(decodeCapabilities(reader(''))).toEqual([]);
  });

  it('keeps an ADD-PATH with a Send/Receive value outside 1–3 raw (RFC 7911 §4)', () => {
    expect(decodeCapabilities(reader('4508 0001 01 03 0002 01 00'.replace(/ /g, '')))).toEqual([
      { code: 69, name: 'unknown', hex: '0001010300020100' },
    ]);
  });

  it('keeps an FQDN that is not UTF-8 raw', () => {
    expect(decodeCapabilities(reader('4904 02 c328 00'.replace(/ /g, '')))).toEqual([{ code: 73, name: 'unknown', hex: '02c32800' }]);
  });

  const malformed: [string, string][] = [
    ['multiprotocol of 3 octets', '0103000101'],
    ['route refresh with a value', '020100'],
    ['4-octet AS of 5 octets', '41050000fde900'],
    ['graceful restart of 1 octet', '400100'],
    ['graceful restart with 3 octets of a family', '40050078000101'],
    ['extended next hop with 4 octets of an entry', '050400010001'],
    ['ADD-PATH of 3 octets', '4503000101'],
    ['long-lived GR of 6 octets', '470600010180ffff'],
    ['FQDN hostname running past the value', '49030968'],
    ['FQDN without the domain length', '4902016e'],
    ['a capability header cut after its code', '41'],
    ['a capability longer than the parameter', '4104fde9'],
  ];
  for (const [what, hex] of malformed) {
    it(`${what} → OPEN Message Error / Unspecific`, () => {
      expectBgpError(() => decodeCapabilities(reader(hex)), { code: 2, subcode: 0, data: '' });
    });
  }

  it('decodeCapability reads a value alone', () => {
    expect(decodeCapability(65, reader('0000fde9'))).toEqual({ code: 65, name: 'four-octet-as', asn: 65001 });
  });
});

describe('encodeCapability', () => {
  it('refuses a row whose name does not match its code', () => {
    const wrong = { code: 65, name: 'route-refresh' } as unknown as Capability;
    expect(() => encode(wrong)).toThrow(EncodeError);
  });

  it('refuses values that do not fit their fields', () => {
    const gr: Capability = { code: 64, name: 'graceful-restart', restarting: false, notification: false, restartTime: 4096, families: [] };
    expect(() => encode(gr)).toThrow(EncodeError);
    const llgr: Capability = {
      code: 71,
      name: 'long-lived-graceful-restart',
      families: [{ afi: 1, safi: 1, forwardingPreserved: false, staleTime: 0x1000000 }],
    };
    expect(() => encode(llgr)).toThrow(EncodeError);
    expect(() => encode({ code: 73, name: 'fqdn', hostname: 'x'.repeat(256), domain: '' })).toThrow(EncodeError);
    expect(() => encode({ code: 9, name: 'unknown', hex: 'xyz' })).toThrow(EncodeError);
  });
});

describe('capabilityName', () => {
  it('names table codes and calls the rest unknown', () => {
    expect(capabilityName(64)).toBe('graceful-restart');
    expect(capabilityName(128)).toBe('route-refresh-old');
    expect(capabilityName(9)).toBe('unknown');
  });
});
