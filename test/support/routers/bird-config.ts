// BIRD 2 configuration for a test router, rendered from options (pure: no files, no processes).
// What the defaults rely on (test/support/routers/README.md):
// - `multihop` by default: a direct eBGP session to a 127/8 neighbour fails ("Invalid remote
//   address"); next hops are then resolved recursively through an IGP table that holds a default
//   route via `lo`, so every next hop (127/8, 192.0.2.x, 2001:db8::x) resolves;
// - `strict bind yes`, or BIRD listens on *:PORT and takes the port from every other daemon;
// - `connect delay time 1` and `error wait time 1,10` instead of 5 s and 60,300 s;
// - no `protocol kernel`: nothing reaches the host's routing tables.

export interface BirdChannelOptions {
  /** `import` clause: 'all' (default), 'none', or a filter body such as `where net ~ 10.0.0.0/8`. */
  import?: string;
  /**
   * `export` clause: 'none', 'all', 'static' (the static routes of this config only), or a filter
   * body. Default: 'static' when the config has static routes of this family, else 'none'.
   */
  export?: string;
  /** `extended next hop on` (ipv6 channel over an IPv4 session; BIRD rejects IPv4-mapped next hops without it). */
  extendedNextHop?: boolean;
  /** `next hop address X`: the next hop of exported routes (e.g. 192.0.2.10 toward GoBGP, which drops 127/8). */
  nextHopAddress?: string;
  /** `next hop self`. */
  nextHopSelf?: boolean;
  /** `add paths rx|tx|on`. */
  addPaths?: 'rx' | 'tx' | 'on';
  /** Raw lines added inside the channel block. */
  extra?: string[];
}

export interface BirdBgpOptions {
  /**
   * Protocol name (letters, digits, underscore), used by protocol() and routes(). Not a BIRD
   * keyword: 'ibgp', 'ebgp', 'bgp', 'static', 'kernel'... are rejected by BIRD's parser.
   */
  name: string;
  /** Defaults to BirdOptions.address. */
  localAddress?: string;
  /** The port BIRD listens on and connects from; defaults to BirdOptions.port. */
  localPort?: number;
  localAs: number;
  neighborAddress: string;
  /** Default 179. */
  neighborPort?: number;
  neighborAs: number;
  /** Only accept connections (never connect). */
  passive?: boolean;
  /** true (default) = `multihop`, a number = `multihop N`, false = direct session. */
  multihop?: boolean | number;
  holdTime?: number;
  keepaliveTime?: number;
  /** Seconds before the first connect (default 1). */
  connectDelay?: number;
  /** `error wait time MIN,MAX` (default [1, 10]). */
  errorWait?: [number, number];
  /** `graceful restart aware` (helper: keep the peer's routes as stale while it restarts). */
  gracefulRestartAware?: boolean;
  /** `graceful restart time N` (how long the helper waits for the peer to come back). */
  gracefulRestartTime?: number;
  /** TCP MD5 (RFC 2385) `password`. */
  password?: string;
  /** `ttl security on` (GTSM, RFC 5082). */
  ttlSecurity?: boolean;
  /** Channels; both present by default. false leaves the family out of the session. */
  ipv4?: BirdChannelOptions | false;
  ipv6?: BirdChannelOptions | false;
  /** Raw lines added inside the protocol block. */
  extra?: string[];
}

export interface BirdStaticRoute {
  /** e.g. '198.51.100.0/24' or '2001:db8:100::/48'; a blackhole route, BGP sets the next hop. */
  prefix: string;
  /** 'ASN:VALUE' strings, e.g. '65000:99'. */
  communities?: string[];
  /** 'GA:L1:L2' strings. */
  largeCommunities?: string[];
  localPref?: number;
  med?: number;
  /** Prepended to the AS path (the first element ends up leftmost). */
  asPathPrepend?: number[];
}

export interface BirdOptions {
  routerId: string;
  /** Default local address of the BGP protocols, e.g. '127.64.1.1'. */
  address: string;
  /** Default listening port of the BGP protocols. */
  port: number;
  protocols: BirdBgpOptions[];
  staticRoutes?: BirdStaticRoute[];
  /** `debug protocols all` (logs every message; slow with many routes). */
  debug?: boolean;
  /** Raw text appended to the config. */
  extraConfig?: string;
}

export const IgpTable = { ipv4: 'igp4', ipv6: 'igp6' } as const;
export const StaticProtocol = { ipv4: 'statics4', ipv6: 'statics6' } as const;

function isIPv6(prefix: string): boolean {
  return prefix.includes(':');
}

function pair(text: string, parts: number): string {
  const p = text.split(':');
  if (p.length !== parts || p.some((x) => !/^\d+$/.test(x))) throw new Error(`bad community '${text}'`);
  return `(${p.join(',')})`;
}

function staticRoute(r: BirdStaticRoute): string {
  const body: string[] = [];
  for (const c of r.communities ?? []) body.push(`bgp_community.add(${pair(c, 2)});`);
  for (const c of r.largeCommunities ?? []) body.push(`bgp_large_community.add(${pair(c, 3)});`);
  if (r.localPref !== undefined) body.push(`bgp_local_pref = ${r.localPref};`);
  if (r.med !== undefined) body.push(`bgp_med = ${r.med};`);
  for (const asn of [...(r.asPathPrepend ?? [])].reverse()) body.push(`bgp_path.prepend(${asn});`);
  return `  route ${r.prefix} blackhole${body.length ? ` { ${body.join(' ')} }` : ''};`;
}

function channel(family: 'ipv4' | 'ipv6', c: BirdChannelOptions, hasStatics: boolean): string[] {
  const exp = c.export ?? (hasStatics ? 'static' : 'none');
  const exportClause =
    exp === 'all' || exp === 'none' ? `export ${exp};` : exp === 'static' ? `export where proto = "${StaticProtocol[family]}";` : `export ${exp};`;
  const imp = c.import ?? 'all';
  const lines = [
    `  ${family} {`,
    `    import ${imp};`,
    `    ${exportClause}`,
  ];
  // The IGP tables resolve next hops of a multihop/iBGP session (see the header); an ipv6 channel
  // resolves IPv4 (mapped) next hops only with extended next hop, and BIRD refuses the ipv4 table
  // there without it.
  if (family === 'ipv4' || c.extendedNextHop) lines.push(`    igp table ${IgpTable.ipv4};`);
  if (family === 'ipv6') lines.push(`    igp table ${IgpTable.ipv6};`);
  if (c.extendedNextHop) lines.push('    extended next hop on;');
  if (c.nextHopAddress) lines.push(`    next hop address ${c.nextHopAddress};`);
  if (c.nextHopSelf) lines.push('    next hop self;');
  if (c.addPaths) lines.push(`    add paths ${c.addPaths};`);
  lines.push(...(c.extra ?? []).map((l) => `    ${l}`), '  };');
  return lines;
}

function bgpProtocol(opts: BirdOptions, p: BirdBgpOptions, statics: { ipv4: boolean; ipv6: boolean }): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name)) throw new Error(`bad BIRD protocol name '${p.name}'`);
  const lines = [
    `protocol bgp ${p.name} {`,
    `  local ${p.localAddress ?? opts.address} port ${p.localPort ?? opts.port} as ${p.localAs};`,
    `  neighbor ${p.neighborAddress} port ${p.neighborPort ?? 179} as ${p.neighborAs};`,
    '  strict bind yes;',
  ];
  const mh = p.multihop ?? true;
  if (mh !== false) lines.push(mh === true ? '  multihop;' : `  multihop ${mh};`);
  else lines.push('  direct;');
  if (p.passive) lines.push('  passive on;');
  if (p.holdTime !== undefined) lines.push(`  hold time ${p.holdTime};`);
  if (p.keepaliveTime !== undefined) lines.push(`  keepalive time ${p.keepaliveTime};`);
  lines.push(`  connect delay time ${p.connectDelay ?? 1};`);
  const [ewMin, ewMax] = p.errorWait ?? [1, 10];
  lines.push(`  error wait time ${ewMin},${ewMax};`);
  if (p.gracefulRestartAware) lines.push('  graceful restart aware;');
  if (p.gracefulRestartTime !== undefined) lines.push(`  graceful restart time ${p.gracefulRestartTime};`);
  if (p.password !== undefined) lines.push(`  password "${p.password.replace(/["\\]/g, '\\$&')}";`);
  if (p.ttlSecurity) lines.push('  ttl security on;');
  if (p.ipv4 !== false) lines.push(...channel('ipv4', p.ipv4 ?? {}, statics.ipv4));
  if (p.ipv6 !== false) lines.push(...channel('ipv6', { extendedNextHop: true, ...p.ipv6 }, statics.ipv6));
  lines.push(...(p.extra ?? []).map((l) => `  ${l}`), '}');
  return lines.join('\n');
}

/** The whole bird.conf for `opts`. */
export function renderBirdConfig(opts: BirdOptions): string {
  const statics = opts.staticRoutes ?? [];
  const v4 = statics.filter((r) => !isIPv6(r.prefix));
  const v6 = statics.filter((r) => isIPv6(r.prefix));
  const out = [
    '# Written by test/support/routers/bird.ts',
    `router id ${opts.routerId};`,
    'log stderr all;',
    // Epoch seconds in `show protocols` and `show route`: parseable, and uptime = now - since.
    'timeformat protocol "%s";',
    'timeformat route "%s";',
    opts.debug ? 'debug protocols all;' : '',
    `ipv4 table ${IgpTable.ipv4};`,
    `ipv6 table ${IgpTable.ipv6};`,
    'protocol device { scan time 60; }',
    `protocol static igp_default4 { ipv4 { table ${IgpTable.ipv4}; }; route 0.0.0.0/0 via "lo"; }`,
    `protocol static igp_default6 { ipv6 { table ${IgpTable.ipv6}; }; route ::/0 via "lo"; }`,
  ];
  if (v4.length) out.push(`protocol static ${StaticProtocol.ipv4} {\n  ipv4;\n${v4.map(staticRoute).join('\n')}\n}`);
  if (v6.length) out.push(`protocol static ${StaticProtocol.ipv6} {\n  ipv6;\n${v6.map(staticRoute).join('\n')}\n}`);
  const neighbors = new Set<string>();
  for (const p of opts.protocols) {
    // BIRD locks (neighbour address, port): a second protocol to the same pair stays Idle forever.
    const key = `${p.neighborAddress} ${p.neighborPort ?? 179}`;
    if (neighbors.has(key)) throw new Error(`two BGP protocols to ${key}: BIRD would leave the second Idle`);
    neighbors.add(key);
    out.push(bgpProtocol(opts, p, { ipv4: v4.length > 0, ipv6: v6.length > 0 }));
  }
  if (opts.extraConfig) out.push(opts.extraConfig);
  return out.filter((l) => l !== '').join('\n') + '\n';
}
