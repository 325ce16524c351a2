import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOffsets, covers, maxPositions, parsePositions, positionsJson } from '../../../functions/store/positions.ts';

describe('positions', () => {
  it('compares offsets as 64-bit numbers, beyond what a double holds exactly', () => {
    expect(compareOffsets('9', '10')).toBe(-1);
    expect(compareOffsets('10', '10')).toBe(0);
    expect(compareOffsets('9007199254740993', '9007199254740992')).toBe(1);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), (a, b) => {
        expect(compareOffsets(a.toString(), b.toString())).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });

  it('covers: at or past the needed offset on every partition named', () => {
    expect(covers({ '0': '5', '1': '3' }, { '0': '5' })).toBe(true);
    expect(covers({ '0': '4' }, { '0': '5' })).toBe(false);
    expect(covers({ '1': '9' }, { '0': '0' })).toBe(false);
    expect(covers({}, {})).toBe(true);
  });

  it('maxPositions takes the per-partition maximum', () => {
    expect(maxPositions({ '0': '5', '1': '30' }, { '0': '12' }, { '2': '1' })).toEqual({ '0': '12', '1': '30', '2': '1' });
  });

  it('JSON form: partitions in numeric order, parsed back', () => {
    const text = positionsJson({ '10': '1', '2': '7' });
    expect(text).toBe('{"2":"7","10":"1"}');
    expect(parsePositions(text)).toEqual({ '2': '7', '10': '1' });
    expect(parsePositions(null)).toEqual({});
  });
});
