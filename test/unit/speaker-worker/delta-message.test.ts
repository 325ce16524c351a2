// What a message on a node's desired:changed channel says: a delta, a bare revision (writers of
// the former layout), or something to answer by reading the document.

import { describe, expect, it } from 'vitest';
import { parseChangedMessage } from '../../../speaker/worker/delta-message.ts';
import { route } from '../../support/speaker.ts';

const change = { instance: 'i1', peer: 'r1', afi: 'ipv4', prefix: '10.0.0.0/24', route: route('10.0.0.0/24') };
const delta = (over: Record<string, unknown> = {}) => JSON.stringify({ node: 'n1', revision: 2, previous: 1, sessions: null, routes: [change], truncated: false, ...over });

describe('parseChangedMessage', () => {
  it('reads a delta, and a withdrawal as a null route', () => {
    const m = parseChangedMessage('n1', delta({ routes: [change, { ...change, prefix: '10.0.1.0/24', route: null }] }));
    expect(m.kind).toBe('delta');
    expect(m.kind === 'delta' && m.delta.routes.map((c) => c.route?.prefix ?? null)).toEqual(['10.0.0.0/24', null]);
  });

  it('a bare number is a revision', () => {
    expect(parseChangedMessage('n1', '17')).toEqual({ kind: 'revision', revision: 17 });
  });

  it('anything else is unreadable', () => {
    const unreadable = [
      'not json',
      '-1',
      delta({ node: 'n2' }),
      delta({ revision: '2' }),
      delta({ truncated: 'no' }),
      delta({ sessions: { node: 'n1', instances: 'oops' } }),
      delta({ routes: [{ ...change, afi: 'ipv5' }] }),
      delta({ routes: [{ ...change, route: { ...change.route, prefix: '10.9.0.0/24' } }] }),
      delta({ routes: [{ ...change, route: { ...change.route, origin: 'egp' } }] }),
      delta({ routes: [{ ...change, route: { ...change.route, localPreference: -1 } }] }),
    ];
    for (const m of unreadable) expect(parseChangedMessage('n1', m).kind, m).toBe('unreadable');
  });

  it('a sessions part is checked by the schema', () => {
    const sessions = { node: 'n1', instances: [] };
    const m = parseChangedMessage('n1', delta({ sessions }));
    expect(m.kind === 'delta' && m.delta.sessions).toEqual(sessions);
  });
});
