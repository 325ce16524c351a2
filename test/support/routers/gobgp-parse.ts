// GoBGP 3.10's JSON (`gobgp ... -j`) to plain values. Pure.

/** One path as `gobgp global rib -j` / `neighbor ADDR adj-in -j` prints it (fields we read). */
interface GobgpJsonPath {
  nlri?: { prefix?: string };
  age?: number;
  best?: boolean;
  stale?: boolean;
  'source-id'?: string;
  'neighbor-ip'?: string;
  attrs?: GobgpJsonAttr[];
}

interface GobgpJsonAttr {
  type: number;
  value?: unknown;
  as_paths?: { segment_type: number; asns?: number[] }[];
  nexthop?: string;
  metric?: number;
  communities?: number[];
}

export type GobgpOrigin = 'igp' | 'egp' | 'incomplete';

export interface GobgpPath {
  prefix: string;
  /** NEXT_HOP, or the (first) next hop of MP_REACH_NLRI. */
  nextHop?: string;
  /** Flattened AS numbers of every segment. */
  asPath: number[];
  /** 'ASN:VALUE'. */
  communities: string[];
  /** 'GA:L1:L2'. */
  largeCommunities: string[];
  localPref?: number;
  med?: number;
  origin?: GobgpOrigin;
  best: boolean;
  stale: boolean;
  /** The neighbour it came from ('<nil>'/'' for local routes, as GoBGP prints it). */
  neighbor?: string;
  /** Age as GoBGP reports it (epoch seconds of the last change). */
  age?: number;
  raw: unknown;
}

const Origins: readonly GobgpOrigin[] = ['igp', 'egp', 'incomplete'];

function pathOf(prefix: string, p: GobgpJsonPath): GobgpPath {
  const out: GobgpPath = {
    prefix, asPath: [], communities: [], largeCommunities: [], best: p.best === true, stale: p.stale === true, raw: p,
  };
  if (p['neighbor-ip'] !== undefined) out.neighbor = p['neighbor-ip'];
  if (p.age !== undefined) out.age = p.age;
  for (const a of p.attrs ?? []) {
    switch (a.type) {
      case 1:
        out.origin = Origins[Number(a.value ?? 0)];
        break;
      case 2:
        out.asPath = (a.as_paths ?? []).flatMap((s) => s.asns ?? []);
        break;
      case 3:
        out.nextHop = a.nexthop;
        break;
      case 4:
        out.med = Number(a.metric ?? 0);
        break;
      case 5:
        out.localPref = Number(a.value ?? 0);
        break;
      case 8:
        out.communities = (a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`);
        break;
      case 14:
        out.nextHop ??= a.nexthop;
        break;
      case 32: {
        const v = (a.value ?? []) as { ASN: number; LocalData1: number; LocalData2: number }[];
        out.largeCommunities = v.map((c) => `${c.ASN}:${c.LocalData1}:${c.LocalData2}`);
        break;
      }
    }
  }
  return out;
}

/**
 * `{"PREFIX": [path, ...]}` → one GobgpPath per path. A prefix with an empty list (GoBGP lists
 * routes it treated as withdrawn, e.g. a 127/8 next hop, that way) yields nothing.
 */
export function parseGobgpRib(json: unknown): GobgpPath[] {
  if (json === null || typeof json !== 'object') return [];
  const out: GobgpPath[] = [];
  for (const [prefix, paths] of Object.entries(json as Record<string, GobgpJsonPath[] | null>)) {
    for (const p of paths ?? []) out.push(pathOf(p.nlri?.prefix ?? prefix, p));
  }
  return out;
}

/** apipb PeerState.SessionState; proto3 JSON leaves out 0 (unknown). */
export const SessionStates = ['unknown', 'idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'] as const;
export type GobgpSessionState = (typeof SessionStates)[number];

export function sessionStateOf(neighbor: unknown): GobgpSessionState {
  const n = (neighbor as { state?: { session_state?: number | string } } | null)?.state?.session_state;
  if (typeof n === 'string') return (n.toLowerCase() as GobgpSessionState) ?? 'unknown';
  return SessionStates[n ?? 0] ?? 'unknown';
}

/** "Table ipv4-unicast\nDestination: 3, Path: 3" → paths (the number BIRD-side counts compare with). */
export function parseRibSummary(text: string): { destinations: number; paths: number } {
  const m = /Destination:\s*(\d+),\s*Path:\s*(\d+)/.exec(text);
  if (!m) throw new Error(`unreadable rib summary: ${text.trim()}`);
  return { destinations: Number(m[1]), paths: Number(m[2]) };
}
