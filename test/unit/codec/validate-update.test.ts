// RFC 4271 §6.3 and RFC 7606: malformed UPDATEs annotated octet by octet, each with the code,
// subcode, data and action the speaker must produce; then the verdict's route lists.

import { describe, expect, it } from 'vitest';
import { BgpError } from '../../../speaker/codec/errors.ts';
import { toHex } from '../../../speaker/codec/hex.ts';
import { decodeUpdate, encodeUpdate, endOfRib } from '../../../speaker/codec/update.ts';
import { validateUpdate } from '../../../speaker/codec/validate-update.ts';
import type { SessionFacts, UpdateVerdict } from '../../../speaker/codec/validate-update.ts';
import type { PathAttributes, UpdateMessage } from '../../../speaker/codec/types.ts';
import { bodyOf, codecContext, commentHex, loadVectors } from './update-support.ts';
import type { VectorContext } from './update-support.ts';

interface MalformedVector {
  description: string;
  provenance: string;
  context: VectorContext;
  session: SessionFacts;
  hex: string;
  comment: string[];
  expected: {
    action: string;
    throws?: boolean;
    subcode?: number;
    data?: string;
    discarded?: number[];
    duplicates?: number[];
    family?: { afi: number; safi: number };
    med?: number;
  };
}

const vectors = loadVectors<MalformedVector>('malformed-update');

/** The code/subcode/data the verdict stands on: the NOTIFICATION, or the problem that chose the action. */
function cause(v: UpdateVerdict) {
  return v.error ?? v.problems.find((p) => p.action === v.action);
}

describe('malformed UPDATE vectors', () => {
  it('cover RFC 4271 §6.3 and RFC 7606', () => {
    expect(vectors.filter((v) => v.file === 'rfc4271.json').length).toBeGreaterThanOrEqual(15);
    expect(vectors.filter((v) => v.file === 'rfc7606.json').length).toBeGreaterThanOrEqual(30);
  });

  describe.each(vectors.map((v) => [`${v.file}: ${v.description}`, v] as const))('%s', (_, v) => {
    const ctx = codecContext(v.context);
    const { expected } = v;

    it('is annotated octet for octet', () => expect(commentHex(v.comment)).toBe(v.hex));

    it(`→ ${expected.action}${expected.subcode ? `, UPDATE Message Error subcode ${expected.subcode}` : ''}`, () => {
      const body = bodyOf(v.hex);
      if (expected.throws) {
        const run = () => decodeUpdate(body, ctx);
        expect(run).toThrow(BgpError);
        try {
          run();
        } catch (e) {
          const err = e as BgpError;
          expect([err.code, err.subcode, toHex(err.data)]).toEqual([3, expected.subcode, expected.data]);
        }
        return;
      }
      const verdict = validateUpdate(decodeUpdate(body, ctx), ctx, v.session);
      expect(verdict.action).toBe(expected.action);
      if (expected.subcode !== undefined) expect(cause(verdict)?.subcode).toBe(expected.subcode);
      if (expected.data !== undefined) expect(toHex(cause(verdict)!.data)).toBe(expected.data);
      if (['session-reset', 'afi-safi-disable'].includes(expected.action)) expect(verdict.error?.code).toBe(3);
      else expect(verdict.error).toBeUndefined();
      expect(verdict.discarded).toEqual(expected.discarded ?? []);
      expect(verdict.duplicates).toEqual(expected.duplicates ?? []);
      if (expected.family) expect(verdict.family).toEqual(expected.family);
      if (expected.med !== undefined) expect(verdict.attributes.med).toBe(expected.med);
    });
  });
});

const ctx = codecContext({ fourOctetAs: true });
const ebgp = { isIbgp: false };
const judge = (msg: UpdateMessage, facts: SessionFacts = ebgp) =>
  validateUpdate(decodeUpdate(encodeUpdate(msg, ctx), ctx), ctx, facts);
const base: PathAttributes = { origin: 'igp', asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '192.0.2.1' };
const update = (m: Partial<UpdateMessage>): UpdateMessage => ({
  type: 'update',
  withdrawn: [],
  nlri: [],
  attributes: {},
  ...m,
});

describe('validateUpdate verdicts', () => {
  it('lists announcements with their next hops, and withdrawals, per family', () => {
    const v = judge(
      update({
        withdrawn: [{ prefix: '10.9.0.0/16' }],
        nlri: [{ prefix: '10.1.0.0/24' }],
        attributes: {
          ...base,
          asPath: [{ type: 'sequence', asns: [65001] }],
          mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [{ prefix: '2001:db8:1::/48' }] },
        },
      }),
    );
    expect(v.action).toBe('accept');
    expect(v.announced).toEqual([
      { afi: 1, safi: 1, nlri: [{ prefix: '10.1.0.0/24' }], nextHops: ['192.0.2.1'] },
      { afi: 2, safi: 1, nlri: [{ prefix: '2001:db8:1::/48' }], nextHops: ['2001:db8::1'] },
    ]);
    expect(v.withdrawn).toEqual([{ afi: 1, safi: 1, nlri: [{ prefix: '10.9.0.0/16' }] }]);
  });

  it('treat-as-withdraw turns every announcement of the UPDATE into a withdrawal', () => {
    const v = judge(
      update({
        nlri: [{ prefix: '10.1.0.0/24' }],
        attributes: {
          asPath: [{ type: 'sequence', asns: [65001] }],
          nextHop: '192.0.2.1',
          mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [{ prefix: '2001:db8:1::/48' }] },
        },
      }),
    );
    expect(v.action).toBe('treat-as-withdraw');
    expect(v.announced).toEqual([]);
    expect(v.withdrawn).toEqual([
      { afi: 1, safi: 1, nlri: [{ prefix: '10.1.0.0/24' }] },
      { afi: 2, safi: 1, nlri: [{ prefix: '2001:db8:1::/48' }] },
    ]);
  });

  it('needs no NEXT_HOP when the routes are all in MP_REACH_NLRI (RFC 4760 §3)', () => {
    const { nextHop: _, ...noNextHop } = base;
    const v = judge(
      update({
        attributes: { ...noNextHop, mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [{ prefix: '::/0' }] } },
      }),
    );
    expect(v.action).toBe('accept');
  });

  it('accepts End-of-RIB markers and withdrawal-only UPDATEs without mandatory attributes', () => {
    for (const msg of [endOfRib(1, 1), endOfRib(2, 1), update({ withdrawn: [{ prefix: '10.0.0.0/8' }] })]) {
      expect(judge(msg).action).toBe('accept');
    }
  });

  it('keeps LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST from an internal peer', () => {
    const attributes = { ...base, localPref: 200, originatorId: '10.0.0.2', clusterList: ['10.0.0.254'] };
    const v = judge(update({ nlri: [{ prefix: '10.1.0.0/24' }], attributes }), { isIbgp: true });
    expect(v.action).toBe('accept');
    expect(v.attributes).toMatchObject({ localPref: 200, originatorId: '10.0.0.2', clusterList: ['10.0.0.254'] });
  });

  it('treats a confederation peer as internal for LOCAL_PREF and confederation segments', () => {
    const asPath: PathAttributes['asPath'] = [{ type: 'confed-sequence', asns: [65100] }, { type: 'sequence', asns: [65001] }];
    const msg = update({ nlri: [{ prefix: '10.1.0.0/24' }], attributes: { ...base, asPath, localPref: 50 } });
    const confed = judge(msg, { isIbgp: false, isConfedPeer: true });
    expect([confed.action, confed.attributes.localPref]).toEqual(['accept', 50]);
    const external = judge(msg);
    expect([external.action, external.discarded]).toEqual(['treat-as-withdraw', [5]]);
  });

  it('compares the leftmost AS with AS_TRANS on a 2-octet session', () => {
    const ctx2 = codecContext({ fourOctetAs: false });
    const msg = update({ nlri: [{ prefix: '10.1.0.0/24' }], attributes: { ...base, asPath: [{ type: 'sequence', asns: [23456] }] } });
    const decoded = decodeUpdate(encodeUpdate(msg, ctx2), ctx2);
    expect(validateUpdate(decoded, ctx2, { isIbgp: false, peerAs: 4200000001 }).action).toBe('accept');
    expect(validateUpdate(decoded, ctx2, { isIbgp: false, peerAs: 65001 }).action).toBe('treat-as-withdraw');
  });
});
