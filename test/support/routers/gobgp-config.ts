// GoBGP 3.10 configuration (TOML) for a test router, rendered from options (pure). It relies on
// (test/support/routers/README.md): default import/export policies accept; the first outgoing connect
// comes ~5 s after start and ~5 s after any drop (hard-coded); as a receiver GoBGP drops IPv4
// routes whose NEXT_HOP is in 127/8, so give routes toward it another next hop.

export type GobgpFamily = 'ipv4-unicast' | 'ipv6-unicast';

export interface GobgpNeighborOptions {
  address: string;
  peerAs: number;
  /** transport.config.local-address (also the source of outgoing connections). */
  localAddress?: string;
  /** The neighbour's port (default 179). */
  remotePort?: number;
  /** Only accept connections. */
  passive?: boolean;
  holdTime?: number;
  keepaliveInterval?: number;
  /** Seconds between connect attempts (GoBGP's own minimum delays still apply). */
  connectRetry?: number;
  /** TCP MD5 (RFC 2385). */
  password?: string;
  /** Advertise graceful restart (with per-family mp-graceful-restart); true = restart time 120. */
  gracefulRestart?: boolean | { restartTime?: number; helperOnly?: boolean };
  /** Enable eBGP multihop with this TTL. */
  ebgpMultihopTtl?: number;
  /** Default both unicast families. */
  families?: GobgpFamily[];
}

export interface GobgpOptions {
  as: number;
  routerId: string;
  /** Listening port; -1 = do not listen (active only). */
  port: number;
  /** global.config.local-address-list: the addresses GoBGP listens on. */
  addresses: string[];
  neighbors: GobgpNeighborOptions[];
}

const q = (s: string) => JSON.stringify(s); // a TOML basic string is a JSON string for our inputs

function neighbor(n: GobgpNeighborOptions): string[] {
  const out = [
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = ${q(n.address)}`,
    `    peer-as = ${n.peerAs}`,
  ];
  if (n.password !== undefined) out.push(`    auth-password = ${q(n.password)}`);
  const transport: string[] = [];
  if (n.localAddress) transport.push(`    local-address = ${q(n.localAddress)}`);
  if (n.remotePort !== undefined) transport.push(`    remote-port = ${n.remotePort}`);
  if (n.passive) transport.push('    passive-mode = true');
  if (transport.length) out.push('  [neighbors.transport.config]', ...transport);
  out.push('  [neighbors.timers.config]', `    connect-retry = ${n.connectRetry ?? 1}`);
  if (n.holdTime !== undefined) out.push(`    hold-time = ${n.holdTime}`);
  if (n.keepaliveInterval !== undefined) out.push(`    keepalive-interval = ${n.keepaliveInterval}`);
  if (n.ebgpMultihopTtl !== undefined) {
    out.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${n.ebgpMultihopTtl}`);
  }
  const gr = n.gracefulRestart === true ? {} : n.gracefulRestart || undefined;
  if (gr) {
    out.push('  [neighbors.graceful-restart.config]', '    enabled = true', `    restart-time = ${gr.restartTime ?? 120}`);
    if (gr.helperOnly) out.push('    helper-only = true');
  }
  for (const family of n.families ?? ['ipv4-unicast', 'ipv6-unicast']) {
    out.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = ${q(family)}`);
    if (gr) out.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
  }
  return out;
}

export function renderGobgpConfig(opts: GobgpOptions): string {
  const out = [
    '# Written by test/support/routers/gobgp.ts',
    '[global.config]',
    `  as = ${opts.as}`,
    `  router-id = ${q(opts.routerId)}`,
    `  port = ${opts.port}`,
    `  local-address-list = [${opts.addresses.map(q).join(', ')}]`,
  ];
  for (const n of opts.neighbors) out.push(...neighbor(n));
  return out.join('\n') + '\n';
}
