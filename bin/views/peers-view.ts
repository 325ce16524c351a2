// `bgpcast peers`: the table of `cilium bgp peers` (docs/cilium-semantics.md CLI-1) and its JSON.
// Pure: the reports and the clock come in, text comes out.
//
//   Node      Local AS   Peer AS   Peer Address   Session State   Uptime   Family         Received   Advertised
//   worker1   64000      65000     127.5.5.5      established     33m26s   ipv4/unicast   0          2
//
// Nodes by name; within a node peers by local AS, then peer address (as cilium-cli sorts); one
// line per configured family, the node name on the node's first line only, the session columns on
// the peer's first line only. Uptime is Go's duration rounded to seconds; Received and Advertised
// are 0 unless the session is established (cilium#39861).
//
// JSON maps node → array of peers in the shape of Cilium's BgpPeer model (kebab-case keys), plus
// the fields bgpcast adds (name, instance, router-id, local-address, remote-asn, last-error,
// established-count, per family the next hop and why it is not sent). `-o wide` adds the columns
// Next Hop and Not Sent to the table.

import type { PeerReport, PeersDocument } from '../../events/speaker-status.ts';
import { goDuration, renderTable } from './go-format.ts';

export function sortPeers(peers: readonly PeerReport[]): PeerReport[] {
  return [...peers].sort((a, b) =>
    a.localASN !== b.localASN ? a.localASN - b.localASN : a.peerAddress < b.peerAddress ? -1 : a.peerAddress > b.peerAddress ? 1 : 0,
  );
}

/** The configured AS; for a peer configured with AS 0 ("any"), the one its OPEN named. */
const peerAs = (p: PeerReport) => p.peerASN || p.remoteASN || 0;

function uptimeMs(p: PeerReport, nowMs: number): number {
  return p.state === 'established' && p.establishedSince ? Math.max(0, nowMs - Date.parse(p.establishedSince)) : 0;
}

/** `wide` adds, per family, the next hop its routes carry and why it is not sent when it is not. */
export function peersTable(docs: ReadonlyMap<string, PeersDocument>, nowMs: number, wide = false): string {
  const head = ['Node', 'Local AS', 'Peer AS', 'Peer Address', 'Session State', 'Uptime', 'Family', 'Received', 'Advertised'];
  const rows: string[][] = [wide ? [...head, 'Next Hop', 'Not Sent'] : head];
  for (const node of [...docs.keys()].sort()) {
    sortPeers(docs.get(node)!.peers).forEach((p, i) => {
      const session = [String(p.localASN), String(peerAs(p)), p.peerAddress, p.state, goDuration(uptimeMs(p, nowMs))];
      const families = p.families.length ? p.families : [null];
      families.forEach((f, j) => {
        const first = i === 0 && j === 0 ? node : '';
        const fam = f ? [`${f.afi}/${f.safi}`, String(f.received), String(f.advertised)] : ['', '', ''];
        const more = wide ? [f?.nextHop ?? '', f?.unsent ?? ''] : [];
        rows.push([first, ...(j === 0 ? session : ['', '', '', '', '']), ...fam, ...more]);
      });
    });
  }
  return renderTable(rows);
}

/** One line per family configured but not sent while its session is up, for stderr under the table. */
export function unsentNotes(docs: ReadonlyMap<string, PeersDocument>): string[] {
  const out: string[] = [];
  for (const node of [...docs.keys()].sort()) {
    for (const p of sortPeers(docs.get(node)!.peers)) {
      for (const f of p.families) {
        if (p.state === 'established' && f.unsent) out.push(`${node}: ${f.afi}/${f.safi} to ${p.peerAddress} is not sent: ${f.unsent}`);
      }
    }
  }
  return out;
}

export function peersJson(docs: ReadonlyMap<string, PeersDocument>, nowMs: number): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const node of [...docs.keys()].sort()) {
    out[node] = sortPeers(docs.get(node)!.peers).map((p) => ({
      'local-asn': p.localASN,
      'peer-asn': peerAs(p),
      'peer-address': p.peerAddress,
      'peer-port': p.peerPort,
      'session-state': p.state,
      'uptime-nanoseconds': uptimeMs(p, nowMs) * 1_000_000,
      'applied-hold-time-seconds': p.negotiated?.holdTimeSeconds ?? 0,
      'applied-keep-alive-time-seconds': p.negotiated?.keepAliveTimeSeconds ?? 0,
      'configured-hold-time-seconds': p.configured.holdTimeSeconds,
      'configured-keep-alive-time-seconds': p.configured.keepAliveTimeSeconds,
      'connect-retry-time-seconds': p.configured.connectRetryTimeSeconds,
      'ebgp-multihop-ttl': p.configured.ebgpMultihop,
      'graceful-restart': { enabled: p.configured.gracefulRestart.enabled, 'restart-time-seconds': p.configured.gracefulRestart.restartTimeSeconds },
      'tcp-password-enabled': p.configured.passwordSet,
      families: p.families.map((f) => ({
        afi: f.afi,
        safi: f.safi,
        received: f.received,
        advertised: f.advertised,
        ...(f.unsent ? { unsent: f.unsent } : {}),
        ...(f.nextHop ? { 'next-hop': f.nextHop } : {}),
      })),
      name: p.name,
      instance: p.instance,
      'router-id': p.routerID,
      'local-address': p.localAddress,
      'remote-asn': p.remoteASN,
      'negotiated-families': p.negotiated?.families ?? [],
      'established-count': p.establishedCount,
      'graceful-shutdown': p.gracefulShutdown,
      'last-error': p.lastError,
    }));
  }
  return out;
}
