// Messages the tests of `bgpcast decode` feed it, with the JSON it must print for them.

import { encodeMessage } from '../../../speaker/codec/message.ts';
import { buildOpen } from '../../../speaker/codec/open.ts';
import { contextOf } from '../../../speaker/codec/decode-input.ts';
import type { PathAttributes } from '../../../speaker/codec/types.ts';

export const ctx = contextOf({});
export const marker = 'ff'.repeat(16);
export const keepalive = encodeMessage({ type: 'keepalive' }, ctx);
export const attributes: PathAttributes = {
  origin: 'igp',
  asPath: [{ type: 'sequence', asns: [65001, 4_200_000_000] }],
  nextHop: '192.0.2.1',
  communities: [65001 * 65536 + 100],
};
export const update = encodeMessage({ type: 'update', withdrawn: [{ prefix: '10.0.0.0/8' }], attributes, nlri: [{ prefix: '198.51.100.0/24' }] }, ctx);
export const updateJson = {
  type: 'update',
  length: update.length,
  withdrawn: ['10.0.0.0/8'],
  nlri: ['198.51.100.0/24'],
  attributes: {
    origin: 'igp',
    asPath: [{ type: 'sequence', asns: [65001, 4_200_000_000] }],
    nextHop: '192.0.2.1',
    communities: ['65001:100'],
  },
};
export const open = encodeMessage(buildOpen({ asn: 4_200_000_000, holdTime: 90, bgpId: '192.0.2.1', capabilities: [{ code: 65, name: 'four-octet-as', asn: 4_200_000_000 }] }), ctx);
/** Withdrawn Routes Length 5 in a 4-octet body: UPDATE Message Error / Malformed Attribute List. */
export const badUpdate = `${marker}0017020005 0000`;
