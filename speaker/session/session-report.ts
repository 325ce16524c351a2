// The status snapshot of a session (session-status.ts), from its parts.

import type { FamilyKey } from '../codec/context.ts';
import { familyKey } from '../codec/context.ts';
import type { Capability } from '../codec/types.ts';
import type { Connection } from './connection.ts';
import type { Session } from './session.ts';
import type { SessionStatus } from './session-status.ts';

const names = (caps: readonly Capability[] | undefined) => [...new Set((caps ?? []).map((c) => c.name))];

export function sessionStatus(session: Session, conn: Connection, now: number): SessionStatus {
  const c = session.config;
  const state = conn.state;
  const ctx = conn.negotiated;
  const peer = state.peerOpen;
  const socket = conn.socket;
  const rib = session.adjRibOut;
  const sent: Record<FamilyKey, number> = {};
  const unsent: Record<FamilyKey, string> = {};
  const nextHops: Record<FamilyKey, string> = {};
  for (const f of rib?.families() ?? []) {
    sent[f] = rib!.count(f);
    const why = rib!.unsent(f);
    if (why) unsent[f] = why;
    const hop = rib!.nextHop(f);
    if (hop) nextHops[f] = hop;
  }
  const gr = ctx?.gracefulRestart ?? null;
  const established = state.name === 'Established' && state.establishedAt !== null;
  return {
    name: c.name,
    peerAddress: c.peerAddress,
    peerPort: c.peerPort,
    peerAsn: peer?.asn ?? c.peerAsn,
    localAsn: c.localAsn,
    state: state.name,
    uptimeMs: established ? Math.max(0, Math.round(now - state.establishedAt!)) : null,
    establishedSince: established && session.establishedWall ? session.establishedWall.toISOString() : null,
    localAddress: socket?.localAddress ?? null,
    localPort: socket?.localPort ?? null,
    remotePort: socket?.remotePort ?? null,
    peerRouterId: peer?.bgpId ?? null,
    negotiated:
      ctx && state.negotiated
        ? {
            holdTimeS: state.negotiated.holdTimeS,
            keepaliveS: state.negotiated.keepaliveS,
            fourOctetAs: ctx.fourOctetAs,
            extendedMessages: ctx.extendedMessages,
            routeRefresh: ctx.routeRefresh,
            enhancedRouteRefresh: ctx.enhancedRouteRefresh,
            peerGracefulRestart: gr ? { restartTime: gr.restartTime, restarting: gr.restarting, notification: gr.notification } : null,
            families: ctx.families.map((f) => familyKey(f.afi, f.safi)),
          }
        : null,
    capabilities: { sent: names(conn.sentOpen?.capabilities), received: names(peer?.capabilities) },
    messages: { sent: { ...session.counts.sent }, received: { ...session.counts.received } },
    octets: { ...session.octets },
    prefixes: { sent, received: session.adjRibIn.counts() },
    unsent,
    nextHops,
    lastError: state.lastError,
    establishedCount: session.establishedCount,
    gracefulShutdown: session.gracefulShutdown,
  };
}
