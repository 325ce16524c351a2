import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalIp, comparePrefixes, comparePrefixText, formatIp, formatPrefix, maskTo, parseIp, parsePrefix, sortByPrefix, type IpAddress } from '../../../events/ip.ts';
import * as codec from '../../../speaker/codec/ip.ts';

describe('IP addresses: parse and print in canonical form (RFC 5952)', () => {
  it.each([
    ['5.5.5.5', '5.5.5.5'],
    [' 10.0.0.1 ', '10.0.0.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs (§4.2.3)
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed (§4.2.2)
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run (§4.2.3)
    ['fe80::1%eth0', 'fe80::1'], // zone stripped, as Cilium's pattern allows
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'], // §5: IPv4-mapped keeps its dotted tail
    ['::ffff:102:304', '::ffff:1.2.3.4'], // however it was written
    ['0:0:0:0:0:FFFF:0102:0304', '::ffff:1.2.3.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  // Leading zeros in a dotted quad are refused: some stacks read them as octal (010 = 8).
  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.04', '1.2.3.00', '::ffff:01.2.3.4', '1.2.3.0x4', '1.2.3.+4', '1::2::3', '1.2.3.4::', '::1.2.3.4:1', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:6:7:8:9', 'g::1', '1.2.3.4/32', 'abc'])(
    'rejects %j',
    (input) => {
      expect(parseIp(input)).toBeNull();
    },
  );

  it('agrees with the WHATWG URL serialiser on every IPv6 address that is not IPv4-mapped', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const ours = canonicalIp(text);
        const url = new URL(`http://[${text}]/`).hostname.slice(1, -1);
        if (ours?.startsWith('::ffff:') && ours.includes('.')) return;
        expect(ours).toBe(url);
      }),
    );
  });

  it('prints what it parses, and parses what it prints', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
        const once = canonicalIp(text);
        expect(once).not.toBeNull();
        expect(canonicalIp(once!)).toBe(once);
      }),
    );
  });
});

describe("the codec's octet-level twin (speaker/codec/ip.ts) gives the same answers", () => {
  const codecParse = (text: string): IpAddress | null => {
    try {
      const { afi, addr } = codec.parseIP(text);
      return { family: afi === codec.Afi.IPv4 ? 4 : 6, value: addr.reduce((v, b) => (v << 8n) | BigInt(b), 0n) };
    } catch {
      return null;
    }
  };
  const octets = (ip: IpAddress): Uint8Array => {
    const n = ip.family === 4 ? 4 : 16;
    return Uint8Array.from({ length: n }, (_, i) => Number((ip.value >> BigInt(8 * (n - 1 - i))) & 0xffn));
  };

  it.each(['01.2.3.4', '1.2.3.04', '::ffff:01.2.3.4', '::ffff:1.2.3.4', '::ffff:102:304', '1.2.3', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7:1.2.3.4', 'g::1', '::', '1::', '0.0.0.0'])('%j', (text) => {
    expect(codecParse(text)).toEqual(parseIp(text));
  });

  it('on generated addresses: the same value parsed, the same text printed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended()), (text) => {
        const ours = parseIp(text);
        expect(codecParse(text)).toEqual(ours);
        if (ours === null) return;
        const printed = ours.family === 4 ? codec.formatIPv4(octets(ours)) : codec.formatIPv6(octets(ours));
        expect(printed).toBe(formatIp(ours));
      }),
      { numRuns: 2000 },
    );
  });

  it('prints every 16-octet value as formatIp does, IPv4-mapped ones included', () => {
    const v6 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.bigInt({ min: 0n, max: 0xffffffffn }).map((v) => 0xffff00000000n | v));
    fc.assert(
      fc.property(v6, (value) => {
        const ip: IpAddress = { family: 6, value };
        expect(codec.formatIPv6(octets(ip))).toBe(formatIp(ip));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('prefixes', () => {
  it.each([
    ['192.168.1.0/24', '192.168.1.0/24'],
    ['10.1.0.5/24', '10.1.0.0/24'],
    ['2001:DB8:0:0::/64', '2001:db8::/64'],
    ['0.0.0.0/0', '0.0.0.0/0'],
  ])('%s → %s', (input, expected) => {
    expect(formatPrefix(parsePrefix(input)!)).toBe(expected);
  });

  it.each(['10.0.0.0/33', '10.0.0.0', '::/129', '10.0.0.0/-1', 'x/8'])('rejects %j', (input) => {
    expect(parsePrefix(input)).toBeNull();
  });

  it('masks an address to a covering prefix', () => {
    expect(formatPrefix(maskTo(parseIp('172.20.7.9')!, 16))).toBe('172.20.0.0/16');
    expect(formatPrefix(maskTo(parseIp('2001:db8::ff')!, 120))).toBe('2001:db8::/120');
  });

  it('orders IPv4 before IPv6, then numerically by address, then shorter first', () => {
    const sorted = ['::1/128', '10.0.0.0/8', '9.0.0.0/8', '10.0.0.0/16', '2.0.0.0/8']
      .map((p) => parsePrefix(p)!)
      .sort(comparePrefixes)
      .map(formatPrefix);
    expect(sorted).toEqual(['2.0.0.0/8', '9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/16', '::1/128']);
  });
});

describe('the order of canonical prefix texts (readers sort stored routes by it)', () => {
const v4 = fc.integer({ min: 0, max: 0xffffffff }).map((n): IpAddress => ({ family: 4, value: BigInt(n) }));
const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value): IpAddress => ({ family: 6, value }));
const prefix = fc.oneof(
  fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, l]) => maskTo(a, l)),
  fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([a, l]) => maskTo(a, l)),
  // IPv4-mapped IPv6 addresses print with a dotted tail.
  fc.tuple(v4, fc.integer({ min: 96, max: 128 })).map(([a, l]) => maskTo({ family: 6, value: 0xffff00000000n | a.value }, l)),
);

  it('comparePrefixText orders canonical prefix texts as comparePrefixes orders the prefixes', () => {
    fc.assert(
      fc.property(prefix, prefix, (a, b) => {
        expect(Math.sign(comparePrefixText(formatPrefix(a), formatPrefix(b)))).toBe(Math.sign(comparePrefixes(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('sortByPrefix sorts like comparePrefixes and keeps the items', () => {
    fc.assert(
      fc.property(fc.array(prefix, { maxLength: 40 }), (list) => {
        const sorted = sortByPrefix(list, formatPrefix);
        expect(sorted).toEqual([...list].sort(comparePrefixes));
      }),
    );
  });
});


