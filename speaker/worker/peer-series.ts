// The per-peer Prometheus series of a speaker process, from its sessions as they are at scrape
// time (as Cilium's agent collects its BGP series from the router manager at scrape time, nothing
// is pushed on a session change). Pure: the nodes' instance snapshots come in, samples go out.
//
// Cilium's labels (pkg/bgpv1/metrics/metrics.go): vrouter = the local AS in decimal, neighbor =
// the peer's address and configured port as Go's netip.AddrPortFrom(...).String() prints them,
// neighbor_asn = the configured peer AS; a route gauge per configured family of every peer,
// whatever the session's state. The counts are those of the `peers` table (status-peers.ts): 0
// unless the session is established.

import { formatIp, parseIp } from '../../events/ip.ts';
import type { SessionStatus } from '../session/session-status.ts';
import type { InstanceSnapshot } from './status-peers.ts';
import { buildPeersDocument } from './status-peers.ts';

export interface NodeSnapshot {
  readonly node: string;
  readonly revision: number;
  readonly instances: readonly InstanceSnapshot[];
}

export type Labels = Record<string, string>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

export interface PeerSeries {
  readonly sessionState: Sample[];
  readonly advertisedRoutes: Sample[];
  readonly receivedRoutes: Sample[];
  readonly messages: Sample[];
  readonly messageBytes: Sample[];
  readonly flaps: Sample[];
}

const MESSAGE_TYPES = ['open', 'update', 'notification', 'keepalive', 'route-refresh'] as const;
const DIRECTIONS = ['sent', 'received'] as const;

/**
 * "192.0.2.1:179", "[2001:db8::1]:179" (RFC 5952 form, IPv4-mapped as "::ffff:192.0.2.1"), as Go's
 * netip.AddrPort prints them. An address that does not parse is used as written.
 */
export function neighborLabel(address: string, port: number): string {
  const ip = parseIp(address);
  if (ip === null) return `${address}:${port}`;
  return ip.family === 6 ? `[${formatIp(ip)}]:${port}` : `${formatIp(ip)}:${port}`;
}

export function peerSeries(nodes: readonly NodeSnapshot[]): PeerSeries {
  const out: PeerSeries = { sessionState: [], advertisedRoutes: [], receivedRoutes: [], messages: [], messageBytes: [], flaps: [] };
  for (const n of nodes) {
    const doc = buildPeersDocument(n.node, n.revision, n.instances, [], { wallMs: 0, monoMs: 0 });
    const sessions = new Map(n.instances.map((i) => [i.instance.name, i.sessions]));
    for (const p of doc.peers) {
      const vrouter = String(p.localASN);
      const neighbor = neighborLabel(p.peerAddress, p.peerPort);
      const cilium = { vrouter, neighbor, neighbor_asn: String(p.peerASN), node: n.node };
      out.sessionState.push({ labels: cilium, value: p.state === 'established' ? 1 : 0 });
      for (const f of p.families) {
        out.advertisedRoutes.push({ labels: { ...cilium, afi: f.afi, safi: f.safi }, value: f.advertised });
        out.receivedRoutes.push({ labels: { ...cilium, afi: f.afi, safi: f.safi }, value: f.received });
      }
      const s = sessions.get(p.instance)?.get(p.name);
      if (s) pushCounters(out, { node: n.node, vrouter, neighbor }, s);
    }
  }
  return out;
}

function pushCounters(out: PeerSeries, peer: Labels, s: SessionStatus): void {
  for (const direction of DIRECTIONS) {
    for (const type of MESSAGE_TYPES) out.messages.push({ labels: { ...peer, direction, type }, value: s.messages[direction][type] });
    out.messageBytes.push({ labels: { ...peer, direction }, value: s.octets[direction] });
  }
  // Each Established period that ended: the ones reached, less the one still going.
  out.flaps.push({ labels: peer, value: Math.max(0, s.establishedCount - (s.state === 'Established' ? 1 : 0)) });
}
