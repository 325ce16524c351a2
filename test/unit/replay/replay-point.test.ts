// The moments --at takes (functions/replay/replay-point.ts): RFC 3339 times with their zone, and
// PARTITION:OFFSET lists; anything else is refused naming both forms.

import { describe, expect, it } from 'vitest';
import { parseReplayPoint, positionsText, ReplayPointError } from '../../../functions/replay/replay-point.ts';

describe('parseReplayPoint', () => {
  it('reads an RFC 3339 time in UTC or with an offset, fractions included', () => {
    expect(parseReplayPoint('2026-12-06T03:12:00Z')).toEqual({ kind: 'time', ms: Date.UTC(2026, 11, 6, 3, 12), text: '2026-12-06T03:12:00.000Z' });
    expect(parseReplayPoint('2026-12-06T04:12:00.250+01:00')).toMatchObject({ kind: 'time', ms: Date.UTC(2026, 11, 6, 3, 12, 0, 250) });
    expect(parseReplayPoint('2026-12-06 03:12:00z')).toMatchObject({ kind: 'time', ms: Date.UTC(2026, 11, 6, 3, 12) });
  });

  it('reads positions: per partition the offset after the last record folded', () => {
    const point = parseReplayPoint('0:42, 2:0,1:17');
    expect(point).toEqual({ kind: 'positions', upTo: new Map([[0, 42n], [2, 0n], [1, 17n]]) });
    expect(positionsText(point.kind === 'positions' ? point.upTo : new Map())).toBe('0:42,1:17,2:0');
    expect(parseReplayPoint('3:9223372036854775807')).toEqual({ kind: 'positions', upTo: new Map([[3, 9223372036854775807n]]) });
  });

  it.each([
    ['yesterday', 'not a time or positions'],
    ['', 'not a time or positions'],
    ['2026-12-06T03:12:00', 'not a time or positions'], // no zone: local time would be a guess
    ['2026-12-06', 'not a time or positions'],
    ['2026-02-30T00:00:00Z', 'no such date or time'],
    ['2026-12-06T24:00:00Z', 'no such date or time'],
    ['0:1,x', '"x" is not PARTITION:OFFSET'],
    ['0:-1', '"0:-1" is not PARTITION:OFFSET'],
    ['0:1,', '"" is not PARTITION:OFFSET'],
    ['0:1,0:2', 'partition 0 named twice'],
    ['0:9223372036854775808', 'past the largest Kafka offset'],
  ])('refuses %j: %s', (text, why) => {
    let error: unknown;
    try {
      parseReplayPoint(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReplayPointError);
    expect((error as ReplayPointError).code).toBe('REPLAY_POINT_INVALID');
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).toContain('expected an RFC 3339 time with its zone (2026-12-06T03:12:00Z) or PARTITION:OFFSET,… (0:42,1:17)');
  });
});
