import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalIp, comparePrefixes, formatPrefix, maskTo, parseIp, parsePrefix } from '../../../events/ip.ts';

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
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1::2::3', '1.2.3.4::', '::1.2.3.4:1', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:6:7:8:9', 'g::1', '1.2.3.4/32', 'abc'])(
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
