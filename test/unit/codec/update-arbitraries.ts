// fast-check generators of well-formed UPDATE messages in their canonical decoded form.

import fc from 'fast-check';
import { attributeTable } from '../../../speaker/codec/attributes/table.ts';
import { formatIPv4, formatIPv6 } from '../../../speaker/codec/ip.ts';
import type { AsPathSegment, Nlri, PathAttributes, RawAttribute, UpdateMessage } from '../../../speaker/codec/types.ts';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const asn = (four: boolean) => fc.integer({ min: 0, max: four ? 0xffffffff : 0xffff });

/** A host address fit for NEXT_HOP: not 0.0.0.0, multicast or broadcast. */
export const ipv4Host = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
  .map((b) => formatIPv4(Uint8Array.from(b)));
const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIPv4(b));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b));

export function prefix(afi: 1 | 2): fc.Arbitrary<string> {
  const max = afi === 1 ? 32 : 128;
  return fc.tuple(fc.integer({ min: 0, max }), fc.uint8Array({ minLength: max / 8, maxLength: max / 8 })).map(([len, b]) => {
    for (let i = 0; i < b.length; i++) {
      const keep = Math.max(0, Math.min(8, len - 8 * i));
      b[i]! &= (0xff << (8 - keep)) & 0xff;
    }
    return `${afi === 1 ? formatIPv4(b) : formatIPv6(b)}/${len}`;
  });
}

export function nlriList(afi: 1 | 2, addPath: boolean, max = 20): fc.Arbitrary<Nlri[]> {
  const entry = addPath
    ? fc.record({ prefix: prefix(afi), pathId: u32 })
    : prefix(afi).map((p) => ({ prefix: p }));
  return fc.array(entry, { maxLength: max });
}

export function asPath(four: boolean): fc.Arbitrary<AsPathSegment[]> {
  const type = fc.constantFrom('set', 'sequence', 'confed-sequence', 'confed-set') as fc.Arbitrary<AsPathSegment['type']>;
  return fc.array(fc.record({ type, asns: fc.array(asn(four), { minLength: 1, maxLength: 12 }) }), { maxLength: 5 });
}

const unknownCodes = Array.from({ length: 256 }, (_, i) => i).filter((c) => !attributeTable.has(c));
/** Unknown optional transitive attributes as they are sent onward: Partial set. */
const unknown: fc.Arbitrary<RawAttribute[]> = fc
  .uniqueArray(
    fc.record({ code: fc.constantFrom(...unknownCodes), value: fc.uint8Array({ maxLength: 300 }) }),
    { selector: (a) => a.code, maxLength: 3 },
  )
  .map((list) =>
    list
      .sort((a, b) => a.code - b.code)
      .map(({ code, value }) => ({
        code,
        flags: 0xe0 | (value.length > 255 ? 0x10 : 0),
        hex: Buffer.from(value).toString('hex'),
      })),
  );

export interface Options {
  fourOctetAs: boolean;
  addPath: boolean;
}

export function pathAttributes({ fourOctetAs, addPath }: Options): fc.Arbitrary<PathAttributes> {
  const mpReach = fc.constantFrom(1, 2).chain((afi) =>
    fc.record({
      afi: fc.constant(afi),
      safi: fc.constantFrom(1, 2),
      nextHops: afi === 1 ? fc.oneof(ipv4Host.map((a) => [a]), fc.array(ipv6, { minLength: 1, maxLength: 2 })) : fc.array(ipv6, { minLength: 1, maxLength: 2 }),
      nlri: nlriList(afi as 1 | 2, addPath),
    }),
  );
  const mpUnreach = fc.constantFrom(1, 2).chain((afi) =>
    fc.record({ afi: fc.constant(afi), safi: fc.constantFrom(1, 2), withdrawn: nlriList(afi as 1 | 2, addPath) }),
  );
  return fc.record(
    {
      origin: fc.constantFrom('igp', 'egp', 'incomplete'),
      asPath: asPath(fourOctetAs),
      nextHop: ipv4Host,
      med: u32,
      localPref: u32,
      atomicAggregate: fc.constant(true),
      aggregator: fc.record({ asn: asn(fourOctetAs), address: ipv4 }),
      communities: fc.array(u32, { minLength: 1, maxLength: 80 }),
      originatorId: ipv4,
      clusterList: fc.array(ipv4, { minLength: 1, maxLength: 4 }),
      mpReach,
      mpUnreach,
      extendedCommunities: fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex')), { minLength: 1, maxLength: 4 }),
      as4Path: asPath(true).filter((p) => p.length > 0),
      as4Aggregator: fc.record({ asn: asn(true), address: ipv4 }),
      largeCommunities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 4 }),
      unknown: unknown.filter((u) => u.length > 0),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<PathAttributes>;
}

export function updateMessage(o: Options): fc.Arbitrary<UpdateMessage> {
  return fc.record({
    type: fc.constant('update' as const),
    withdrawn: nlriList(1, o.addPath),
    attributes: pathAttributes(o),
    nlri: nlriList(1, o.addPath),
  });
}
