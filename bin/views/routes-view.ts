// `bgpcast routes available|advertised|received`: the table of `cilium bgp routes`
// (docs/cilium-semantics.md CLI-2) and its JSON. Pure.
//
//   Node      VRouter   Peer        Prefix           NextHop     Age      Attrs
//   worker1   64000     127.5.5.5   10.100.67.164/32 127.0.1.1   2m41s    [{Origin: i} {AsPath: 64000} {Nexthop: 127.0.1.1}]
//
// available = the instance's local RIB (the routes it originates; Cilium's loc-rib, next hop
// 0.0.0.0 / ::); advertised = the Adj-RIB-Out of each peer, with the attributes that went on the
// wire; received = the Adj-RIB-In (a bgpcast addition: Cilium shows none, cilium#34296). The Peer
// column is shown for advertised and received. Rows sorted by VRouter, peer address, prefix; the
// node name on the node's first line only.

import type { RouteReport, RoutesDocument } from '../../events/speaker-status.ts';
import { goDuration, renderTable } from './go-format.ts';
import { attrsText } from './route-attrs.ts';

export type RouteTable = 'available' | 'advertised' | 'received';

export interface RouteQuery {
  readonly table: RouteTable;
  readonly afi: 'ipv4' | 'ipv6';
  readonly safi: 'unicast';
  /** Only this peer address (advertised / received). */
  readonly peer?: string;
  /** Only this local AS (Cilium's `vrouter <asn>`). */
  readonly vrouter?: number;
}

export interface RouteRow {
  readonly vrouter: number;
  readonly peer: string | null;
  readonly route: RouteReport;
}

export function selectRoutes(doc: RoutesDocument, q: RouteQuery): RouteRow[] {
  const rows: RouteRow[] = [];
  const wanted = (r: RouteReport) => r.afi === q.afi && r.safi === q.safi;
  for (const inst of doc.instances) {
    if (q.vrouter !== undefined && inst.localASN !== q.vrouter) continue;
    if (q.table === 'available') {
      for (const r of inst.available) if (wanted(r)) rows.push({ vrouter: inst.localASN, peer: null, route: r });
      continue;
    }
    for (const p of inst.peers) {
      if (q.peer !== undefined && p.peerAddress !== q.peer) continue;
      for (const r of q.table === 'advertised' ? p.advertised : p.received) {
        if (wanted(r)) rows.push({ vrouter: inst.localASN, peer: p.peerAddress, route: r });
      }
    }
  }
  return rows.sort(
    (a, b) => a.vrouter - b.vrouter || cmp(a.peer ?? '', b.peer ?? '') || cmp(a.route.prefix, b.route.prefix),
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const ageMs = (r: RouteReport, nowMs: number) => Math.max(0, nowMs - Date.parse(r.since));

export function routesTable(docs: ReadonlyMap<string, RoutesDocument>, q: RouteQuery, nowMs: number): string {
  const withPeer = q.table !== 'available';
  const rows: string[][] = [['Node', 'VRouter', ...(withPeer ? ['Peer'] : []), 'Prefix', 'NextHop', 'Age', 'Attrs']];
  for (const node of [...docs.keys()].sort()) {
    selectRoutes(docs.get(node)!, q).forEach((row, i) => {
      const r = row.route;
      rows.push([
        i === 0 ? node : '',
        String(row.vrouter),
        ...(withPeer ? [row.peer ?? ''] : []),
        r.prefix,
        r.nextHop,
        goDuration(ageMs(r, nowMs)),
        attrsText(r),
      ]);
    });
  }
  return renderTable(rows);
}

/** node → routes in the shape of Cilium's BgpRoute model, attributes readable instead of base64. */
export function routesJson(docs: ReadonlyMap<string, RoutesDocument>, q: RouteQuery, nowMs: number): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const node of [...docs.keys()].sort()) {
    out[node] = selectRoutes(docs.get(node)!, q).map(({ vrouter, peer, route: r }) => ({
      'router-asn': vrouter,
      ...(peer !== null ? { neighbor: peer } : {}),
      prefix: r.prefix,
      paths: [
        {
          family: { afi: r.afi, safi: r.safi },
          nlri: r.prefix,
          'next-hop': r.nextHop,
          'age-nanoseconds': ageMs(r, nowMs) * 1_000_000,
          since: r.since,
          'path-attributes': r.attrs,
          attrs: attrsText(r),
        },
      ],
    }));
  }
  return out;
}
