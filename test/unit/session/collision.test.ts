// Connection collision resolution, RFC 4271 §6.8 (tie-break: RFC 6286 §2.3).

import { describe, expect, it } from 'vitest';
import { compareBgpIds, connectionToKeep, resolveCollision } from '../../../speaker/session/collision.ts';
import type { CollisionInput } from '../../../speaker/session/collision.ts';
import { step } from '../../../speaker/session/fsm.ts';
import { inState, summarize } from './harness.ts';

describe('BGP Identifiers compare as 32-bit unsigned numbers', () => {
  it.each([
    ['10.0.0.1', '10.0.0.2', -1],
    ['10.0.0.2', '10.0.0.1', 1],
    ['192.0.2.1', '192.0.2.1', 0],
    // As signed 32-bit numbers 128.0.0.0 would be negative and sort below 1.0.0.0.
    ['128.0.0.0', '1.0.0.0', 1],
    ['255.255.255.255', '127.255.255.255', 1],
    ['9.0.0.0', '10.0.0.0', -1], // not a string comparison
  ] as const)('%s vs %s → %s', (a, b, expected) => {
    expect(compareBgpIds(a, b)).toBe(expected);
  });
});

describe('the connection initiated by the higher BGP Identifier is kept', () => {
  const ids = { localAsn: 65000, remoteAsn: 65001 };
  it('ours is higher: keep the one we initiated', () => {
    expect(connectionToKeep({ ...ids, localId: '200.0.0.1', remoteId: '100.0.0.1' })).toBe('outgoing');
  });
  it('theirs is higher: keep the one they initiated', () => {
    expect(connectionToKeep({ ...ids, localId: '100.0.0.1', remoteId: '200.0.0.1' })).toBe('incoming');
  });
  it('equal identifiers: the larger AS number wins (RFC 6286 §2.3)', () => {
    expect(connectionToKeep({ localId: '1.1.1.1', remoteId: '1.1.1.1', localAsn: 65001, remoteAsn: 65000 })).toBe('outgoing');
    expect(connectionToKeep({ localId: '1.1.1.1', remoteId: '1.1.1.1', localAsn: 65000, remoteAsn: 4200000000 })).toBe('incoming');
  });
  it('equal identifiers and AS numbers: no rule applies', () => {
    expect(connectionToKeep({ localId: '1.1.1.1', remoteId: '1.1.1.1', localAsn: 65000, remoteAsn: 65000 })).toBeNull();
  });
});

describe('resolveCollision, on an OPEN arriving while another connection exists', () => {
  const base: CollisionInput = {
    localId: '10.0.0.1',
    remoteId: '10.0.0.2',
    localAsn: 65000,
    remoteAsn: 65001,
    existing: { direction: 'outgoing', state: 'OpenConfirm' },
    arriving: 'incoming',
  };

  it('the peer has the higher ID: the existing (ours) closes, theirs is accepted (§6.8 step 2)', () => {
    expect(resolveCollision(base)).toEqual({ kind: 'close', close: 'existing', keep: 'arriving' });
  });

  it('we have the higher ID: the newly arrived connection closes (§6.8 step 3)', () => {
    expect(resolveCollision({ ...base, localId: '10.0.0.3' })).toEqual({ kind: 'close', close: 'arriving', keep: 'existing' });
  });

  it('both speakers keep the same connection, whichever OPEN each sees first', () => {
    // C1 was initiated by us (10.0.0.1), C2 by the peer (10.0.0.2, higher): C2 must survive.
    const dir = { C1: { ours: 'outgoing', theirs: 'incoming' }, C2: { ours: 'incoming', theirs: 'outgoing' } } as const;
    const survivor = (side: 'ours' | 'theirs', existing: 'C1' | 'C2') => {
      const arriving = existing === 'C1' ? 'C2' : 'C1';
      const mirrored = { localId: base.remoteId, remoteId: base.localId, localAsn: base.remoteAsn, remoteAsn: base.localAsn };
      const me = side === 'ours' ? base : { ...base, ...mirrored };
      const d = resolveCollision({
        ...me,
        existing: { direction: dir[existing][side], state: 'OpenConfirm' },
        arriving: dir[arriving][side],
      });
      if (d.kind !== 'close') throw new Error('expected a collision');
      return d.keep === 'existing' ? existing : arriving;
    };
    for (const side of ['ours', 'theirs'] as const) {
      for (const existing of ['C1', 'C2'] as const) expect(survivor(side, existing)).toBe('C2');
    }
  });

  it('equal IDs are broken by AS number; a full tie closes the newcomer', () => {
    const equal = { ...base, localId: '10.0.0.9', remoteId: '10.0.0.9' };
    expect(resolveCollision({ ...equal, localAsn: 65001, remoteAsn: 65000 })).toMatchObject({ close: 'arriving' });
    expect(resolveCollision({ ...equal, localAsn: 65000, remoteAsn: 65001 })).toMatchObject({ close: 'existing' });
    expect(resolveCollision({ ...equal, localAsn: 65000, remoteAsn: 65000 })).toMatchObject({ close: 'arriving' });
  });

  it.each(['Idle', 'Connect', 'Active', 'OpenSent'] as const)('existing in %s: no collision to resolve', (state) => {
    expect(resolveCollision({ ...base, existing: { direction: 'outgoing', state } })).toEqual({ kind: 'no-collision' });
  });

  it('existing Established: the newcomer closes, unless CollisionDetectEstablishedState', () => {
    const est = { ...base, existing: { direction: 'outgoing', state: 'Established' } } as const;
    expect(resolveCollision(est)).toMatchObject({ close: 'arriving' });
    expect(resolveCollision({ ...est, collisionDetectEstablishedState: true })).toMatchObject({ close: 'existing' });
  });

  it('two connections from the peer: the older one is abandoned', () => {
    expect(resolveCollision({ ...base, existing: { direction: 'incoming', state: 'OpenConfirm' } })).toMatchObject({ close: 'existing' });
  });

  it.each(['OpenSent', 'OpenConfirm', 'Established'] as const)('the loser in %s sends Cease / Connection Collision Resolution (6/7)', (s) => {
    const r = step(inState(s), { type: 'OpenCollisionDump' }, 0);
    expect(summarize(r.actions)).toMatch(/^Notify 6\/7, Drop/);
    expect(r.state).toMatchObject({ name: 'Idle', idleHold: false });
    expect(r.actions.some((a) => a.type === 'StartTimer')).toBe(false);
  });
});
