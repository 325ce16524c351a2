// Which applied nodes `bgpcast up` speaks for, and the demo router's BIRD config.

import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isLocalAddress, localNodes } from '../../../bin/commands/up-nodes.ts';
import type { KubeObject } from '../../../events/envelope.ts';
import { renderDemoBirdConfig } from '../../../infra/local/bird.ts';

const lo: NetworkInterfaceInfo = { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' };
const lo6: NetworkInterfaceInfo = { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 };
const eth: NetworkInterfaceInfo = { address: '192.0.2.7', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.0.2.7/24' };
const ifaces = [lo, lo6, eth];

const node = (name: string, ip: string): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: ip }] } }) as KubeObject;

describe('local addresses', () => {
  it('127/8 is local through lo; an interface address is local; its subnet neighbours are not', () => {
    expect(isLocalAddress('127.0.2.1', ifaces)).toBe(true);
    expect(isLocalAddress('::1', ifaces)).toBe(true);
    expect(isLocalAddress('192.0.2.7', ifaces)).toBe(true);
    expect(isLocalAddress('192.0.2.8', ifaces)).toBe(false);
    expect(isLocalAddress('172.16.0.1', ifaces)).toBe(false);
  });

  it('picks the nodes whose InternalIP is local, sorted, CiliumNode addresses included', () => {
    const cn = { apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'worker3' }, spec: { addresses: [{ type: 'InternalIP', ip: '192.0.2.7' }] } } as KubeObject;
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '127.0.0.1' } } as KubeObject;
    expect(localNodes([node('worker2', '127.0.2.1'), node('remote', '172.16.0.1'), node('worker1', '127.0.1.1'), cn, svc], ifaces)).toEqual([
      { name: 'worker1', address: '127.0.1.1' },
      { name: 'worker2', address: '127.0.2.1' },
      { name: 'worker3', address: '192.0.2.7' },
    ]);
  });
});

describe('demo router config', () => {
  it('passive multihop eBGP neighbours, graceful restart aware, strict bind, no kernel protocol', () => {
    const conf = renderDemoBirdConfig({ address: '127.5.5.5', port: 179, asn: 65000, neighbors: [{ name: 'worker1', address: '127.0.1.1', asn: 64000 }] });
    expect(conf).toContain('router id 127.5.5.5;');
    expect(conf).toContain('protocol bgp worker1 {\n  local 127.5.5.5 port 179 as 65000;\n  neighbor 127.0.1.1 as 64000;\n  strict bind yes;\n  multihop;\n  passive on;');
    expect(conf).toContain('graceful restart aware;');
    expect(conf).not.toContain('protocol kernel');
    expect(() => renderDemoBirdConfig({ address: '127.5.5.5', port: 179, asn: 65000, neighbors: [{ name: 'bad-name', address: '127.0.1.1', asn: 1 }] })).toThrow();
  });
});
