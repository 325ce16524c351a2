// The node's facts as iproute2 prints them (`ip -json link|addr|route|neigh show`), read into plain
// records. Pure: the reader (node-facts.ts) runs the commands. An entry that does not have the
// shape a field needs is left out, never an error: the kernel's output is input like any other.

import { parseIp } from '../../events/ip.ts';

export interface NodeLink {
  readonly name: string;
  /** Administratively up (the UP flag). */
  readonly up: boolean;
  /** The kernel's operational state: UP, DOWN, UNKNOWN (loopback, dummy), LOWERLAYERDOWN … */
  readonly operState: string;
}

export interface NodeAddress {
  readonly link: string;
  readonly family: 4 | 6;
  /** As printed (RFC 5952 for IPv6), without a zone. */
  readonly address: string;
  readonly prefixLength: number;
  /** Not yet usable (IPv6 duplicate address detection under way) or refused by it. */
  readonly tentative: boolean;
}

export interface NodeRoute {
  readonly family: 4 | 6;
  /** 'default' or a prefix. */
  readonly dst: string;
  readonly gateway: string | null;
  readonly dev: string | null;
  /** The route's priority; absent in the output means 0. */
  readonly metric: number;
}

export interface NodeNeighbour {
  readonly link: string;
  readonly family: 4 | 6;
  readonly address: string;
  /** The neighbour said it is a router (an RA, or the R flag of a neighbour advertisement). */
  readonly router: boolean;
  /** REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, PERMANENT, NOARP … */
  readonly states: readonly string[];
}

export interface NodeFacts {
  readonly links: readonly NodeLink[];
  readonly addresses: readonly NodeAddress[];
  readonly routes: readonly NodeRoute[];
  readonly neighbours: readonly NodeNeighbour[];
}

export const NO_FACTS: NodeFacts = { links: [], addresses: [], routes: [], neighbours: [] };

type Json = Record<string, unknown>;

const entries = (v: unknown): Json[] =>
  Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x)) : [];
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function familyOf(address: string): 4 | 6 | null {
  return parseIp(address)?.family ?? null;
}

/** `ip -json link show`. */
export function parseLinks(json: unknown): NodeLink[] {
  const out: NodeLink[] = [];
  for (const e of entries(json)) {
    const name = text(e['ifname']);
    if (name === null) continue;
    out.push({ name, up: strings(e['flags']).includes('UP'), operState: text(e['operstate']) ?? 'UNKNOWN' });
  }
  return out;
}

/** `ip -json addr show`: every address of every link. */
export function parseAddresses(json: unknown): NodeAddress[] {
  const out: NodeAddress[] = [];
  for (const e of entries(json)) {
    const link = text(e['ifname']);
    if (link === null) continue;
    for (const a of entries(e['addr_info'])) {
      const address = text(a['local']);
      const family = a['family'] === 'inet' ? 4 : a['family'] === 'inet6' ? 6 : null;
      const prefixLength = a['prefixlen'];
      if (address === null || family === null || familyOf(address) !== family) continue;
      if (typeof prefixLength !== 'number') continue;
      const tentative = a['tentative'] === true || a['dadfailed'] === true;
      out.push({ link, family, address, prefixLength, tentative });
    }
  }
  return out;
}

/**
 * `ip -json -4 route show` or `-6`: one record per next hop (a multipath route gives one per
 * `nexthops` entry, each with the route's metric).
 */
export function parseRoutes(json: unknown, family: 4 | 6): NodeRoute[] {
  const out: NodeRoute[] = [];
  for (const e of entries(json)) {
    const dst = text(e['dst']);
    if (dst === null) continue;
    const metric = typeof e['metric'] === 'number' ? e['metric'] : 0;
    const hops = e['nexthops'] === undefined ? [e] : entries(e['nexthops']);
    for (const h of hops) {
      const gateway = text(h['gateway']);
      if (gateway !== null && familyOf(gateway) !== family) continue;
      out.push({ family, dst, gateway, dev: text(h['dev']), metric });
    }
  }
  return out;
}

/** `ip -json neigh show`. The router flag is printed as a key (`"router": null`). */
export function parseNeighbours(json: unknown): NodeNeighbour[] {
  const out: NodeNeighbour[] = [];
  for (const e of entries(json)) {
    const address = text(e['dst']);
    const link = text(e['dev']);
    if (address === null || link === null) continue;
    const family = familyOf(address);
    if (family === null) continue;
    out.push({ link, family, address, router: 'router' in e, states: strings(e['state']) });
  }
  return out;
}
