import { describe, expect, it } from 'vitest';
import { decodeUpdate, endOfRib, isEndOfRib } from '../../../speaker/codec/update.ts';
import { updateToJson } from '../../../speaker/codec/update-json.ts';
import { bodyOf, codecContext, loadVectors } from './update-support.ts';

const vectors = loadVectors<{ description: string; hex: string; context: { fourOctetAs: boolean; addPath?: string[] } }>('update');
const json = (file: string, description: string) => {
  const v = vectors.find((x) => x.file === file && x.description.startsWith(description))!;
  return updateToJson(decodeUpdate(bodyOf(v.hex), codecContext(v.context)).message);
};

describe('the bgpcast decode view of an UPDATE', () => {
  it('prints attributes with the field names the README documents', () => {
    expect(json('bird-ebgp-4octet.json', 'announce 10.1.0.0/24')).toEqual({
      withdrawn: [],
      nlri: ['10.1.0.0/24', '10.1.1.0/24'],
      attributes: {
        origin: 'igp',
        asPath: [{ type: 'sequence', asns: [4200000002] }],
        nextHop: '127.0.0.2',
        med: 50,
        communities: ['65000:100', '65535:65281'],
        largeCommunities: ['4200000002:1:2'],
      },
    });
  });

  it('prints AS_PATH as carried and AS4_PATH apart on a 2-octet session', () => {
    expect(json('bird-ebgp-2octet.json', 'announce 10.2.0.0/16').attributes).toMatchObject({
      asPath: [{ type: 'sequence', asns: [23456, 23456, 65010] }],
      as4Path: [{ type: 'sequence', asns: [4200000002, 4200000099, 65010] }],
      extendedCommunities: ['0002fde800000064', '01030a0000010007'],
    });
  });

  it('prints MP_REACH_NLRI and ADD-PATH prefixes as {prefix, pathId}', () => {
    expect(json('bird-addpath.json', 'announce 2001:db8:1::/48').attributes.mpReach).toEqual({
      afi: 'ipv6',
      safi: 'unicast',
      nextHops: ['::ffff:127.0.0.4'],
      nlri: [{ prefix: '2001:db8:1::/48', pathId: 3 }],
    });
  });

  it('marks End-of-RIB and still prints what it carries', () => {
    expect(updateToJson(endOfRib(1, 1))).toEqual({ withdrawn: [], nlri: [], attributes: {}, endOfRib: { afi: 'ipv4', safi: 'unicast' } });
    expect(updateToJson(endOfRib(2, 1))).toEqual({
      withdrawn: [],
      nlri: [],
      attributes: { mpUnreach: { afi: 'ipv6', safi: 'unicast', withdrawn: [] } },
      endOfRib: { afi: 'ipv6', safi: 'unicast' },
    });
    expect(json('bird-ebgp-4octet.json', 'End-of-RIB AFI 2').endOfRib).toEqual({ afi: 'ipv6', safi: 'unicast' });
  });

  it('prints unknown attributes, AGGREGATOR, ATOMIC_AGGREGATE, ORIGINATOR_ID and CLUSTER_LIST', () => {
    expect(json('rfc-examples.json', 'Unknown optional').attributes.unknown).toEqual([
      { code: 99, flags: 0xc0, hex: 'abcdef' },
      { code: 100, flags: 0x80, hex: '1234' },
    ]);
    expect(json('rfc-examples.json', 'All four').attributes).toMatchObject({
      asPath: [
        { type: 'confed-sequence', asns: [65001] },
        { type: 'sequence', asns: [65002, 65003] },
        { type: 'set', asns: [65004, 65005] },
        { type: 'confed-set', asns: [65006] },
      ],
      atomicAggregate: true,
      aggregator: { asn: 65003, address: '192.0.2.99' },
    });
    expect(json('rfc-examples.json', 'Route reflection').attributes).toMatchObject({
      localPref: 100,
      originatorId: '10.0.0.2',
      clusterList: ['10.0.0.254', '10.0.0.253'],
    });
  });
});

describe('End-of-RIB (RFC 4724 §2)', () => {
  it('recognises both forms and nothing else', () => {
    expect(isEndOfRib(endOfRib(1, 1))).toEqual({ afi: 1, safi: 1 });
    expect(isEndOfRib(endOfRib(2, 1))).toEqual({ afi: 2, safi: 1 });
    expect(isEndOfRib(endOfRib(1, 128))).toEqual({ afi: 1, safi: 128 });
    const withdraw = { ...endOfRib(2, 1) };
    withdraw.attributes = { mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8::/32' }] } };
    expect(isEndOfRib(withdraw)).toBeNull();
    expect(isEndOfRib({ ...endOfRib(1, 1), withdrawn: [{ prefix: '10.0.0.0/8' }] })).toBeNull();
    expect(isEndOfRib({ ...endOfRib(2, 1), attributes: { origin: 'igp', mpUnreach: { afi: 2, safi: 1, withdrawn: [] } } })).toBeNull();
  });
});
