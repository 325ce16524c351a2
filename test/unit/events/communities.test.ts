import { describe, expect, it } from 'vitest';
import {
  formatLargeSet,
  formatStandardSet,
  parseLargeCommunity,
  parseStandardCommunity,
  WELL_KNOWN_COMMUNITIES,
} from '../../../events/communities.ts';

describe('standard communities (RFC 1997)', () => {
  it.each([
    ['65000:99', 65000 * 65536 + 99],
    ['0:0', 0],
    ['65535:65535', 0xffffffff],
    ['4259840099', 65000 * 65536 + 99], // a decimal is the same 32-bit value
    ['0', 0],
  ])('%s = %d', (text, value) => {
    expect(parseStandardCommunity(text)).toBe(value);
  });

  it.each(['65536:1', '1:65536', '4294967296', '1:2:3', 'a:b', '', '-1:2', ':1'])('rejects %j', (text) => {
    expect(parseStandardCommunity(text)).toBeNull();
  });

  it('prints "a:b", numerically sorted and unique', () => {
    expect(formatStandardSet([65000 * 65536 + 99, 2 * 65536 + 10, 10 * 65536 + 2, 65000 * 65536 + 99])).toEqual([
      '2:10',
      '10:2',
      '65000:99',
    ]);
  });

  it.each([
    ['internet', '0:0'],
    ['planned-shut', '65535:0'],
    ['accept-own', '65535:1'],
    ['route-filter-translated-v4', '65535:2'],
    ['route-filter-v4', '65535:3'],
    ['route-filter-translated-v6', '65535:4'],
    ['route-filter-v6', '65535:5'],
    ['llgr-stale', '65535:6'],
    ['no-llgr', '65535:7'],
    ['blackhole', '65535:666'],
    ['no-export', '65535:65281'],
    ['no-advertise', '65535:65282'],
    ['no-export-subconfed', '65535:65283'],
    ['no-peer', '65535:65284'],
  ] as const)('well-known %s is %s', (name, text) => {
    expect(formatStandardSet([WELL_KNOWN_COMMUNITIES[name]])).toEqual([text]);
  });
});

describe('large communities (RFC 8092)', () => {
  it('parses three 32-bit parts', () => {
    expect(parseLargeCommunity('4294967295:0:17')).toEqual([4294967295, 0, 17]);
  });
  it.each(['1:2', '1:2:3:4', '4294967296:1:1', 'a:1:1'])('rejects %j', (text) => {
    expect(parseLargeCommunity(text)).toBeNull();
  });
  it('prints sorted numerically (not as strings) and unique', () => {
    expect(
      formatLargeSet([
        [10, 1, 1],
        [9, 5, 5],
        [10, 1, 1],
        [10, 1, 0],
      ]),
    ).toEqual(['9:5:5', '10:1:0', '10:1:1']);
  });
});
