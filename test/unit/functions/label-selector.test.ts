import { describe, expect, it } from 'vitest';
import { labelSelectorSchema, NIL_SELECTS, selectorMatches } from '../../../functions/model/label-selector.ts';

const parse = (raw: unknown) => labelSelectorSchema.parse(raw);
const labels = { bgp: 'true', rack: 'r1' };

describe('label selectors (docs/cilium-semantics.md OBJ-1)', () => {
  it.each([
    ['matchLabels equal', { matchLabels: { bgp: 'true' } }, true],
    ['matchLabels differ', { matchLabels: { bgp: 'false' } }, false],
    ['matchLabels key missing', { matchLabels: { zone: 'a' } }, false],
    ['In, value listed', { matchExpressions: [{ key: 'rack', operator: 'In', values: ['r1', 'r2'] }] }, true],
    ['In, value not listed', { matchExpressions: [{ key: 'rack', operator: 'In', values: ['r2'] }] }, false],
    ['In, key missing', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn, value listed', { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['r1'] }] }, false],
    ['NotIn, key missing matches', { matchExpressions: [{ key: 'somekey', operator: 'NotIn', values: ['x'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'bgp', operator: 'Exists' }] }, true],
    ['Exists, key missing', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist, key present', { matchExpressions: [{ key: 'bgp', operator: 'DoesNotExist' }] }, false],
    [
      'all terms ANDed',
      { matchLabels: { bgp: 'true' }, matchExpressions: [{ key: 'rack', operator: 'In', values: ['r9'] }] },
      false,
    ],
    ['empty selector {} matches everything', {}, true],
  ])('%s', (_name, raw, expected) => {
    expect(selectorMatches(parse(raw), labels, NIL_SELECTS.nothing)).toBe(expected);
  });

  it('a nil selector means what the caller says: all for nodeSelector, nothing for advertisements', () => {
    expect(parse(undefined)).toBeNull();
    expect(parse(null)).toBeNull();
    expect(selectorMatches(null, labels, NIL_SELECTS.all)).toBe(true);
    expect(selectorMatches(null, labels, NIL_SELECTS.nothing)).toBe(false);
  });

  it('an empty selector is not nil: it matches even where nil selects nothing', () => {
    expect(selectorMatches(parse({}), {}, NIL_SELECTS.nothing)).toBe(true);
  });

  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, 'needs at least one value'],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'takes no values'],
    [{ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }, ''],
    [{ matchLabels: { a: true } }, ''],
  ])('refuses an unparseable selector %j', (raw, message) => {
    const result = labelSelectorSchema.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join()).toContain(message);
  });
});
