// fast-check generators for OPEN messages whose encode∘decode must be the identity.

import fc from 'fast-check';
import type { Capability, OpenMessage } from '../../../speaker/codec/types.ts';

const known = new Set([1, 2, 5, 6, 64, 65, 69, 70, 71, 73, 128]);
const afi = fc.integer({ min: 0, max: 0xffff });
const safi = fc.integer({ min: 0, max: 0xff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const few = { maxLength: 4 };
const hexOctets = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b).toString('hex'));

export const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ code: fc.constant(1 as const), name: fc.constant('multiprotocol' as const), afi, safi }),
  fc.constant({ code: 2 as const, name: 'route-refresh' as const }),
  fc.record({
    code: fc.constant(5 as const),
    name: fc.constant('extended-next-hop' as const),
    entries: fc.array(fc.record({ afi, safi: afi, nextHopAfi: afi }), few),
  }),
  fc.constant({ code: 6 as const, name: 'extended-message' as const }),
  fc.record({
    code: fc.constant(64 as const),
    name: fc.constant('graceful-restart' as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 0xfff }),
    families: fc.array(fc.record({ afi, safi, forwardingPreserved: fc.boolean() }), few),
  }),
  fc.record({ code: fc.constant(65 as const), name: fc.constant('four-octet-as' as const), asn: u32 }),
  fc.record({
    code: fc.constant(69 as const),
    name: fc.constant('add-path' as const),
    families: fc.array(fc.record({ afi, safi, sendReceive: fc.constantFrom(1 as const, 2 as const, 3 as const) }), few),
  }),
  fc.constant({ code: 70 as const, name: 'enhanced-route-refresh' as const }),
  fc.record({
    code: fc.constant(71 as const),
    name: fc.constant('long-lived-graceful-restart' as const),
    families: fc.array(
      fc.record({ afi, safi, forwardingPreserved: fc.boolean(), staleTime: fc.integer({ min: 0, max: 0xffffff }) }),
      few,
    ),
  }),
  fc.record({
    code: fc.constant(73 as const),
    name: fc.constant('fqdn' as const),
    hostname: fc.string({ maxLength: 40 }),
    domain: fc.string({ maxLength: 40 }),
  }),
  fc.constant({ code: 128 as const, name: 'route-refresh-old' as const }),
  fc.record({
    code: fc.integer({ min: 0, max: 255 }).filter((c) => !known.has(c)),
    name: fc.constant('unknown' as const),
    hex: hexOctets(40),
  }),
);

export const openArb: fc.Arbitrary<OpenMessage> = fc
  .record({
    version: fc.integer({ min: 0, max: 255 }),
    myAs: fc.integer({ min: 0, max: 0xffff }),
    holdTime: fc.integer({ min: 0, max: 0xffff }),
    bgpId: fc.ipV4(),
    capabilities: fc.array(capabilityArb, { maxLength: 24 }),
  })
  .map((o) => {
    const four = o.capabilities.find((c) => c.name === 'four-octet-as');
    return { type: 'open' as const, ...o, asn: four ? four.asn : o.myAs };
  });
