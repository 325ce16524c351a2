// The next hop our routes carry (speaker/rib/next-hop.ts; docs/cilium-semantics.md NH-1, NH-2),
// for every mode, on IPv4 and IPv6 sessions, with and without RFC 8950 extended next hop, with and
// without the node's addresses.
import { describe, expect, it } from 'vitest';
import type { NextHopIPv4Mode, NextHopIPv6Mode } from '../../../events/desired-state.ts';
import { nextHopFor, plainAddress, type NextHopInput } from '../../../speaker/rib/next-hop.ts';

const none = () => false;
const both = () => true;
const v4Session = '192.0.2.2';
const v6Session = '2001:db8::2';
const node = { nodeIPv4: '198.51.100.7', nodeIPv6: '2001:db8:7::7' };

const v4 = (mode: NextHopIPv4Mode, input: Partial<NextHopInput> & Pick<NextHopInput, 'localAddress'>) =>
  nextHopFor(1, { extendedNextHop: none, ...input, config: { ipv4: mode, ...input.config } });
const v6 = (mode: NextHopIPv6Mode, input: Partial<NextHopInput> & Pick<NextHopInput, 'localAddress'>) =>
  nextHopFor(2, { extendedNextHop: none, ...input, config: { ipv6: mode, ...input.config } });

describe('IPv4 routes (NH-1)', () => {
  it('auto: the session\'s IPv4 address in NEXT_HOP', () => {
    expect(v4('auto', { localAddress: v4Session, config: node })).toEqual({ hop: { nextHop: v4Session } });
    expect(v4('auto', { localAddress: `::ffff:${v4Session}` })).toEqual({ hop: { nextHop: v4Session } });
  });

  it('auto over IPv6: RFC 8950 when negotiated, else the node\'s IPv4 address, else not sent with the reason', () => {
    expect(v4('auto', { localAddress: v6Session, config: node, extendedNextHop: (afi, nh) => afi === 1 && nh === 2 })).toEqual({ hop: { mpNextHops: [v6Session] } });
    expect(v4('auto', { localAddress: v6Session, config: node })).toEqual({ hop: { nextHop: node.nodeIPv4 } });
    expect(v4('auto', { localAddress: v6Session })).toEqual({ unsent: expect.stringMatching(/RFC 8950 extended next hop not negotiated, and the node has no IPv4 address/) });
  });

  it('self: only the session\'s own address; over IPv6 only with RFC 8950', () => {
    expect(v4('self', { localAddress: v4Session, config: node })).toEqual({ hop: { nextHop: v4Session } });
    expect(v4('self', { localAddress: v6Session, config: node, extendedNextHop: both })).toEqual({ hop: { mpNextHops: [v6Session] } });
    expect(v4('self', { localAddress: v6Session, config: node })).toEqual({ unsent: expect.stringMatching(/next-hop-ipv4: self/) });
  });

  it('node: the node\'s IPv4 address on every session; without one, as auto', () => {
    expect(v4('node', { localAddress: v4Session, config: node })).toEqual({ hop: { nextHop: node.nodeIPv4 } });
    expect(v4('node', { localAddress: v6Session, config: node, extendedNextHop: both })).toEqual({ hop: { nextHop: node.nodeIPv4 } });
    expect(v4('node', { localAddress: v4Session })).toEqual({ hop: { nextHop: v4Session } });
  });
});

describe('IPv6 routes (NH-2): MP_REACH_NLRI, no capability needed (RFC 4760)', () => {
  it('auto over IPv6: the session\'s address (and a configured link-local, RFC 2545)', () => {
    expect(v6('auto', { localAddress: v6Session, config: node })).toEqual({ hop: { mpNextHops: [v6Session] } });
    expect(v6('auto', { localAddress: v6Session, config: { ipv6LinkLocal: 'fe80::2' } })).toEqual({ hop: { mpNextHops: [v6Session, 'fe80::2'] } });
  });

  it('auto over IPv4: the node\'s IPv6 address, else the interface\'s, else ::ffff:a.b.c.d — with or without extended next hop', () => {
    for (const extendedNextHop of [none, both]) {
      expect(v6('auto', { localAddress: v4Session, config: node, interfaceIPv6: '2001:db8::99', extendedNextHop })).toEqual({ hop: { mpNextHops: [node.nodeIPv6] } });
      expect(v6('auto', { localAddress: v4Session, interfaceIPv6: '2001:db8::99', extendedNextHop })).toEqual({ hop: { mpNextHops: ['2001:db8::99'] } });
      expect(v6('auto', { localAddress: v4Session, extendedNextHop })).toEqual({ hop: { mpNextHops: [`::ffff:${v4Session}`] } });
    }
  });

  it('self over IPv4: the mapped form only when extended next hop (AFI 2, next hop AFI 1) is negotiated', () => {
    expect(v6('self', { localAddress: v4Session, config: node, extendedNextHop: (afi, nh) => afi === 2 && nh === 1 })).toEqual({ hop: { mpNextHops: [`::ffff:${v4Session}`] } });
    expect(v6('self', { localAddress: v4Session, config: node })).toEqual({ unsent: expect.stringMatching(/extended next hop not negotiated \(next-hop-ipv6: self\)/) });
  });

  it('node: the node\'s IPv6 address on every session; without one, as auto', () => {
    expect(v6('node', { localAddress: v6Session, config: node })).toEqual({ hop: { mpNextHops: [node.nodeIPv6] } });
    expect(v6('node', { localAddress: v4Session, config: node })).toEqual({ hop: { mpNextHops: [node.nodeIPv6] } });
    expect(v6('node', { localAddress: v4Session })).toEqual({ hop: { mpNextHops: [`::ffff:${v4Session}`] } });
  });

  it('mapped: the mapped form over IPv4 even when the node has an IPv6 address; the session\'s address over IPv6', () => {
    expect(v6('mapped', { localAddress: v4Session, config: node, interfaceIPv6: '2001:db8::99' })).toEqual({ hop: { mpNextHops: [`::ffff:${v4Session}`] } });
    expect(v6('mapped', { localAddress: v6Session, config: node })).toEqual({ hop: { mpNextHops: [v6Session] } });
  });

  it('the defaults are auto', () => {
    expect(nextHopFor(2, { localAddress: v4Session, extendedNextHop: none, config: node })).toEqual(v6('auto', { localAddress: v4Session, config: node }));
    expect(nextHopFor(1, { localAddress: v6Session, extendedNextHop: none, config: node })).toEqual(v4('auto', { localAddress: v6Session, config: node }));
  });
});

it('plainAddress unwraps the IPv4-mapped form a dual-stack socket reports', () => {
  expect(plainAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
  expect(plainAddress('2001:db8::1')).toBe('2001:db8::1');
});
