// Which of the applied nodes `bgpcast up` speaks for: those whose InternalIP is an address of this
// machine. An address is local when an interface has it, or when it falls in the subnet of a
// loopback interface (Linux puts 127.0.0.0/8 on lo, so 127.0.1.1 is ours without being
// configured). A CiliumNode's addresses count like its Node's. Pure: interfaces come in.

import { isIPv4 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import type { KubeObject } from '../../events/envelope.ts';

export interface LocalNode {
  readonly name: string;
  readonly address: string;
}

function v4ToInt(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inSubnet(address: string, base: string, netmask: string): boolean {
  if (!isIPv4(address) || !isIPv4(base) || !isIPv4(netmask)) return false;
  const mask = v4ToInt(netmask);
  return ((v4ToInt(address) & mask) >>> 0) === ((v4ToInt(base) & mask) >>> 0);
}

export function isLocalAddress(address: string, interfaces: readonly NetworkInterfaceInfo[]): boolean {
  return interfaces.some((i) => i.address === address || (i.internal && inSubnet(address, i.address, i.netmask)));
}

/** Node → InternalIPs, from Node status.addresses and CiliumNode spec.addresses. */
function internalIPs(o: KubeObject): string[] {
  if (o.kind === 'Node') {
    const addrs = ((o['status'] as { addresses?: { type?: string; address?: string }[] } | undefined)?.addresses ?? []);
    return addrs.filter((a) => a.type === 'InternalIP' && a.address).map((a) => a.address!);
  }
  if (o.kind === 'CiliumNode') {
    const addrs = ((o['spec'] as { addresses?: { type?: string; ip?: string }[] } | undefined)?.addresses ?? []);
    return addrs.filter((a) => a.type === 'InternalIP' && a.ip).map((a) => a.ip!);
  }
  return [];
}

/** The nodes among `objects` with a local InternalIP, sorted by name; the first local one is kept. */
export function localNodes(objects: readonly KubeObject[], interfaces: readonly NetworkInterfaceInfo[]): LocalNode[] {
  const found = new Map<string, string>();
  for (const o of objects) {
    const name = o.metadata.name;
    if (found.has(name)) continue;
    const local = internalIPs(o).find((a) => isLocalAddress(a, interfaces));
    if (local) found.set(name, local);
  }
  return [...found].map(([name, address]) => ({ name, address })).sort((a, b) => (a.name < b.name ? -1 : 1));
}
