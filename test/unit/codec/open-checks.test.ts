import { describe, expect, it } from 'vitest';
import { toHex } from '../../../speaker/codec/hex.ts';
import type { OpenExpectations } from '../../../speaker/codec/open-checks.ts';
import { checkOpen } from '../../../speaker/codec/open-checks.ts';
import { buildOpen, decodeOpen } from '../../../speaker/codec/open.ts';
import { bytesOf, loadVectors } from './message-vectors.ts';

describe('OPEN semantic checks (RFC 4271 §6.2, RFC 6793, RFC 6286, RFC 7607)', () => {
  for (const v of loadVectors('open-checks')) {
    it(`${v.file}: ${v.description}`, () => {
      const open = decodeOpen(bytesOf(v));
      const err = checkOpen(open, v.expectations as unknown as OpenExpectations);
      if (v.error === null) {
        expect(err).toBeNull();
        return;
      }
      expect(err).not.toBeNull();
      expect({ code: err!.code, subcode: err!.subcode, data: toHex(err!.data) }).toEqual(v.error);
    });
  }
});

describe('checkOpen order', () => {
  it('reports the version before anything else, then AS, hold time, identifier', () => {
    const all = { ...buildOpen({ asn: 1, holdTime: 1, bgpId: '0.0.0.0', capabilities: [] }), version: 3 };
    const expect_ = { peerAsn: 2, localBgpId: '192.0.2.1' };
    expect(checkOpen(all, expect_)?.subcode).toBe(1);
    expect(checkOpen({ ...all, version: 4 }, expect_)?.subcode).toBe(2);
    expect(checkOpen({ ...all, version: 4, asn: 2 }, expect_)?.subcode).toBe(6);
    expect(checkOpen({ ...all, version: 4, asn: 2, holdTime: 3 }, expect_)?.subcode).toBe(3);
    expect(checkOpen({ ...all, version: 4, asn: 2, holdTime: 3, bgpId: '10.0.0.1' }, expect_)).toBeNull();
  });

  it('accepts the edges of the unicast identifier space', () => {
    const ok = buildOpen({ asn: 2, holdTime: 90, bgpId: '223.255.255.255', capabilities: [] });
    const e = { peerAsn: 2, localBgpId: '192.0.2.1' };
    expect(checkOpen(ok, e)).toBeNull();
    expect(checkOpen({ ...ok, bgpId: '240.0.0.1' }, e)).toBeNull();
    expect(checkOpen({ ...ok, bgpId: '239.255.255.255' }, e)?.subcode).toBe(3);
  });
});
