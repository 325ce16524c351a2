// Parsers for BIRD 2.0.12's text output (birdc has no JSON): `show protocols all NAME`,
// `show route all ...` and `show route ... count`. Pure functions over the lines returned by
// birdCommand() (reply codes already stripped). Times are epoch seconds because the harness
// config sets `timeformat protocol "%s"` and `timeformat route "%s"`.

export interface BirdRouteStats {
  received: number | null;
  rejected: number | null;
  filtered: number | null;
  ignored: number | null;
  accepted: number | null;
}

export interface BirdChannel {
  name: string;
  state: string;
  table?: string;
  imported: number;
  filtered: number;
  exported: number;
  preferred: number;
  importUpdates?: BirdRouteStats;
  importWithdraws?: BirdRouteStats;
  exportUpdates?: BirdRouteStats;
  exportWithdraws?: BirdRouteStats;
  /** Every "Key: value" line of the channel, e.g. 'Neighbor GR', 'BGP Next hop'. */
  fields: Record<string, string>;
}

export interface BirdProtocol {
  name: string;
  proto: string;
  table: string;
  /** 'up' | 'start' | 'down' | 'flush' ... */
  state: string;
  /** When the protocol last changed state, epoch seconds. */
  since: number;
  /** now - since, seconds (0 when since is in the future). */
  uptimeSec: number;
  /** The Info column, e.g. 'Established' or 'Active        Socket: Connection refused'. */
  info: string;
  /** 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established' (BGP only). */
  bgpState?: string;
  lastError?: string;
  neighborAddress?: string;
  neighborPort?: number;
  neighborAs?: number;
  localAs?: number;
  neighborId?: string;
  /** e.g. 'external multihop AS4'. */
  session?: string;
  sourceAddress?: string;
  /** Negotiated hold time and keepalive time (right of the '/' in "Hold timer: 5.964/9"). */
  holdTime?: number;
  keepaliveTime?: number;
  /** "Neighbor graceful restart active": BIRD is keeping the neighbour's routes as stale. */
  gracefulRestartActive: boolean;
  /** Capability name → detail lines, e.g. { 'Graceful restart': ['Restart time: 120', ...] }. */
  localCapabilities: Record<string, string[]>;
  neighborCapabilities: Record<string, string[]>;
  /** Every "Key: value" line of the protocol part. */
  fields: Record<string, string>;
  channels: Record<string, BirdChannel>;
}

const indentOf = (line: string) => line.length - line.trimStart().length;

function stats(value: string): BirdRouteStats {
  const n = value.trim().split(/\s+/).map((v) => (v === '---' ? null : Number(v)));
  return { received: n[0] ?? null, rejected: n[1] ?? null, filtered: n[2] ?? null, ignored: n[3] ?? null, accepted: n[4] ?? null };
}

function routesLine(ch: BirdChannel, value: string): void {
  for (const m of value.matchAll(/(\d+) (imported|filtered|exported|preferred)/g)) ch[m[2] as 'imported'] = Number(m[1]);
}

const StatKeys: Record<string, keyof BirdChannel> = {
  'Import updates': 'importUpdates',
  'Import withdraws': 'importWithdraws',
  'Export updates': 'exportUpdates',
  'Export withdraws': 'exportWithdraws',
};

function channelLine(ch: BirdChannel, key: string, value: string): void {
  const stat = StatKeys[key];
  if (stat) (ch as unknown as Record<string, BirdRouteStats>)[stat] = stats(value);
  else if (key === 'State') ch.state = value;
  else if (key === 'Table') ch.table = value;
  else if (key === 'Routes') routesLine(ch, value);
  else ch.fields[key] = value;
}

function protocolFields(p: BirdProtocol): void {
  const f = p.fields;
  const num = (k: string) => (f[k] !== undefined ? Number(f[k]) : undefined);
  const right = (k: string) => (f[k]?.includes('/') ? Number(f[k]!.split('/')[1]) : undefined);
  p.bgpState = f['BGP state'];
  p.lastError = f['Last error'];
  p.neighborAddress = f['Neighbor address'];
  p.neighborPort = num('Neighbor port');
  p.neighborAs = num('Neighbor AS');
  p.localAs = num('Local AS');
  p.neighborId = f['Neighbor ID'];
  p.session = f['Session'];
  p.sourceAddress = f['Source address'];
  p.holdTime = right('Hold timer');
  p.keepaliveTime = right('Keepalive timer');
}

/** Parses `show protocols all NAME`; throws when the protocol line is missing. */
export function parseProtocol(lines: readonly string[], nowSec = Date.now() / 1000): BirdProtocol {
  const head = lines.findIndex((l) => l.startsWith('Name ') && l.includes('Proto'));
  const summary = head >= 0 ? lines[head + 1] : undefined;
  if (!summary) throw new Error(`no protocol in output:\n${lines.join('\n')}`);
  const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(summary);
  if (!m) throw new Error(`unreadable protocol line '${summary}'`);
  const since = Number(m[5]);
  const p: BirdProtocol = {
    name: m[1]!, proto: m[2]!, table: m[3]!, state: m[4]!, since,
    uptimeSec: Math.max(0, Math.floor(nowSec - since)), info: m[6]!.trim(),
    gracefulRestartActive: false, localCapabilities: {}, neighborCapabilities: {}, fields: {}, channels: {},
  };
  let channel: BirdChannel | null = null;
  let caps: Record<string, string[]> | null = null;
  let capName = '';
  for (const line of lines.slice(head + 2)) {
    if (line.trim() === '') continue;
    const indent = indentOf(line);
    const text = line.trim();
    if (indent === 2 && text.startsWith('Channel ')) {
      const name = text.slice('Channel '.length);
      channel = { name, state: '', imported: 0, filtered: 0, exported: 0, preferred: 0, fields: {} };
      p.channels[name] = channel;
      caps = null;
      continue;
    }
    if (caps && indent > 4) {
      if (indent === 6) caps[(capName = text)] = [];
      else caps[capName]?.push(text);
      continue;
    }
    caps = null;
    if (!channel && (text === 'Local capabilities' || text === 'Neighbor capabilities')) {
      caps = text === 'Local capabilities' ? p.localCapabilities : p.neighborCapabilities;
      continue;
    }
    if (text === 'Neighbor graceful restart active') {
      p.gracefulRestartActive = true;
      continue;
    }
    const kv = /^([^:]+):\s*(.*)$/.exec(text);
    if (!kv) continue;
    if (channel) channelLine(channel, kv[1]!.trim(), kv[2]!.trim());
    else p.fields[kv[1]!.trim()] = kv[2]!.trim();
  }
  protocolFields(p);
  return p;
}

export type BirdOrigin = 'igp' | 'egp' | 'incomplete';

export interface BirdRoute {
  table: string;
  prefix: string;
  protocol: string;
  /** 'unicast' | 'blackhole' | 'unreachable' | 'prohibited' | ... */
  dest: string;
  /** The best route for its prefix ('*' in the listing). */
  primary: boolean;
  /** When the route was last changed, epoch seconds. */
  since: number;
  /** The BGP neighbour the route came from, when BIRD shows it. */
  from?: string;
  preference: number;
  /** BGP.next_hop (the global one), else the gateway of a 'via' line. */
  nextHop?: string;
  /** The link-local second next hop of an IPv6 route, when present. */
  nextHopLinkLocal?: string;
  /** Flattened AS numbers, sets included; asPathText keeps BIRD's text ('{..}' for sets). */
  asPath: number[];
  asPathText?: string;
  /** 'ASN:VALUE', e.g. '65000:99'. */
  communities: string[];
  /** 'GA:L1:L2'. */
  largeCommunities: string[];
  /** BIRD's text of each extended community, e.g. 'rt, 65000, 1'. */
  extCommunities: string[];
  localPref?: number;
  med?: number;
  origin?: BirdOrigin;
  /**
   * The 's' flag of the listing: LLGR-stale (LLGR_STALE community). BIRD 2.0.12 does NOT flag
   * routes kept during ordinary graceful restart — see BirdProtocol.gracefulRestartActive.
   */
  stale: boolean;
  /** Every attribute line, e.g. { 'Type': 'BGP univ', 'BGP.origin': 'IGP', ... }. */
  attrs: Record<string, string>;
}

const RouteHead =
  /^(\S+)?\s+(\S+)\s+\[(\S+)\s+(\S+)(?:\s+from\s+(\S+))?\](\s+[*!])?\s*\((\d+)(-)?(s)?(?:\/[^)]*)?\)/;

function tuples(text: string): string[] {
  return [...text.matchAll(/\(([^)]*)\)/g)].map((m) => m[1]!.split(',').map((s) => s.trim()).join(':'));
}

function applyAttr(r: BirdRoute, key: string, value: string): void {
  r.attrs[key] = value;
  switch (key) {
    case 'BGP.origin':
      r.origin = value.toLowerCase() as BirdOrigin;
      break;
    case 'BGP.as_path':
      r.asPathText = value;
      r.asPath = (value.match(/\d+/g) ?? []).map(Number);
      break;
    case 'BGP.next_hop': {
      const [global, linkLocal] = value.split(/\s+/);
      r.nextHop = global;
      if (linkLocal) r.nextHopLinkLocal = linkLocal;
      break;
    }
    case 'BGP.local_pref':
      r.localPref = Number(value);
      break;
    case 'BGP.med':
      r.med = Number(value);
      break;
    case 'BGP.community':
      r.communities = tuples(value);
      break;
    case 'BGP.large_community':
      r.largeCommunities = tuples(value);
      break;
    case 'BGP.ext_community':
      r.extCommunities = [...value.matchAll(/\(([^)]*)\)/g)].map((m) => m[1]!.trim());
      break;
  }
}

/** Parses `show route all [table T] [protocol P]` (also works without `all`: no attributes then). */
export function parseRoutes(lines: readonly string[]): BirdRoute[] {
  const out: BirdRoute[] = [];
  let table = '';
  let prefix = '';
  let cur: BirdRoute | null = null;
  let lastKey = '';
  for (const line of lines) {
    const t = /^Table (\S+):$/.exec(line);
    if (t) {
      table = t[1]!;
      cur = null;
      continue;
    }
    if (line.startsWith('\t\t') && cur && lastKey) {
      // A long community list continues on lines indented by two tabs (nest/rt-attr.c).
      applyAttr(cur, lastKey, `${cur.attrs[lastKey]} ${line.trim()}`);
      continue;
    }
    if (line.startsWith('\t') && cur) {
      const text = line.trim();
      const via = /^via (\S+)(?: on (\S+))?/.exec(text);
      if (via) {
        cur.nextHop ??= via[1];
        continue;
      }
      const kv = /^([^:\s]+(?: [^:\s]+)*):\s?(.*)$/.exec(text);
      if (kv) applyAttr(cur, (lastKey = kv[1]!), kv[2]!.trim());
      continue;
    }
    const h = RouteHead.exec(line);
    if (!h) continue;
    if (h[1]) prefix = h[1];
    cur = {
      table, prefix, dest: h[2]!, protocol: h[3]!, since: Number(h[4]), primary: (h[6] ?? '').trim() === '*',
      preference: Number(h[7]), stale: h[9] === 's', asPath: [], communities: [], largeCommunities: [],
      extCommunities: [], attrs: {},
    };
    if (h[5]) cur.from = h[5];
    lastKey = '';
    out.push(cur);
  }
  // A BGP.next_hop seen after a 'via' line wins: it is what the peer sent.
  for (const r of out) if (r.attrs['BGP.next_hop']) r.nextHop = r.attrs['BGP.next_hop'].split(/\s+/)[0];
  return out;
}

/** Parses `show route [table T] [protocol P] count`: the number of routes that matched. */
export function parseRouteCount(lines: readonly string[]): number {
  for (const l of lines) {
    const m = /^(\d+) of \d+ routes/.exec(l.trim());
    if (m) return Number(m[1]);
  }
  throw new Error(`no route count in output:\n${lines.join('\n')}`);
}
