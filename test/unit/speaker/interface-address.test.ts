// The IPv6 next hop an IPv4 session falls back to: an address of the interface that holds the
// session's local address (speaker/transport/interface-address.ts).
import { describe, expect, it } from 'vitest';
import { interfaceIPv6, type Interfaces } from '../../../speaker/transport/interface-address.ts';

const at = (family: 'IPv4' | 'IPv6', address: string, internal = false) =>
  ({ family, address, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, scopeid: 0 }) as never;

const interfaces: Interfaces = {
  lo: [at('IPv4', '127.0.0.1', true), at('IPv6', '::1', true)],
  eth0: [at('IPv4', '192.0.2.2'), at('IPv6', 'fe80::2'), at('IPv6', '::ffff:192.0.2.2'), at('IPv6', '2001:db8::2')],
  eth1: [at('IPv4', '198.51.100.2')],
  lo1: [at('IPv4', '203.0.113.9', true), at('IPv6', '2001:db8:9::9', true)],
};

describe('the IPv6 address of the interface a session leaves by', () => {
  it('the first global address of the interface holding the local IPv4 address', () => {
    expect(interfaceIPv6('192.0.2.2', interfaces)).toBe('2001:db8::2');
  });

  it('never ::1, a link-local or an IPv4-mapped address; null when the interface has no other', () => {
    expect(interfaceIPv6('127.0.0.1', interfaces)).toBeNull();
    expect(interfaceIPv6('198.51.100.2', interfaces)).toBeNull();
    expect(interfaceIPv6('10.9.9.9', interfaces)).toBeNull();
  });

  it('a node address on a loopback interface counts (BGP to the host)', () => {
    expect(interfaceIPv6('203.0.113.9', interfaces)).toBe('2001:db8:9::9');
  });
});
