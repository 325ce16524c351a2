// Which of the applied nodes `bgpcast up` speaks for: those whose InternalIP is an address of this
// machine. An address is local when an interface has it, or when it falls in the subnet of a
// loopback interface (Linux puts 127.0.0.0/8 on lo, so 127.0.1.1 is ours without being
// configured). A CiliumNode's addresses count like its Node's. Pure: interfaces come in.

import type { NetworkInterfaceInfo } from 'node:os';
import type { KubeObject } from '../../events/envelope.ts';
import type { Redis } from 'ioredis';
import { maskTo, parseIp } from '../../events/ip.ts';
import { storeKeys } from '../../events/redis-keys.ts';
import { listDesiredNodes } from '../../functions/store/desired-store.ts';

export interface LocalNode {
  readonly name: string;
  readonly address: string;
}

function inSubnet(address: string, base: string, netmask: string): boolean {
  const [a, b, m] = [parseIp(address), parseIp(base), parseIp(netmask)];
  if (a?.family !== 4 || b?.family !== 4 || m?.family !== 4) return false;
  return (a.value & m.value) === (b.value & m.value);
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

/**
 * The Node and CiliumNode objects of the nodes that have a desired document in the stored world
 * (`<p>:{world}:desired-nodes`, `<p>:{world}:objects`): what earlier runs applied. A restarted `up`
 * speaks for them even when it applies no file.
 */
export async function storedNodeObjects(redis: Redis, prefix: string): Promise<KubeObject[]> {
  const keys = storeKeys(prefix);
  const names = await listDesiredNodes(redis, keys);
  if (names.length === 0) return [];
  const fields = names.flatMap((n) => [`Node/${n}`, `CiliumNode.cilium.io/${n}`]);
  const values = await redis.hmget(keys.objects, ...fields);
  return values.flatMap((v) => {
    if (v === null) return [];
    try {
      return [JSON.parse(v) as KubeObject];
    } catch {
      return [];
    }
  });
}

/**
 * How many objects of the stored world the given source published last (`<p>:{world}:object-sources`):
 * a plain `up` names those an earlier `up --kube` watcher left, which nothing updates without it.
 */
export async function storedObjectsFrom(redis: Redis, prefix: string, source: string): Promise<number> {
  return (await redis.hvals(storeKeys(prefix).objectSources)).filter((s) => s === source).length;
}
