// Wire tap events (speaker/tap/) as BMP messages, for the Adj-RIB-Out post-policy view of each
// session (RFC 8671 §5: the O and L flags): what the speaker sent is what it advertises after its
// outbound policy. Pure.
//
// - The per-peer header names the peer the UPDATEs are sent to (RFC 8671 §4): the remote address
//   of the TCP session, the AS and BGP Identifier of the peer's OPEN; A is set when the session has
//   no 4-octet AS (the UPDATEs go out with 2-octet AS_PATHs, RFC 7854 §4.2).
// - Peer Up and Peer Down carry the same O and L flags as the peer's Route Monitoring: RFC 8671
//   defines O for Route Monitoring, and pmbmpd files the peer's up and down by it (is_out).
// - Peer Down reason (RFC 7854 §4.9): our NOTIFICATION → 1 with it; closed by us without one (a
//   graceful restart) → 2 with FSM event 0 (no RFC 4271 event stands for it); the peer's
//   NOTIFICATION → 3 with it; the connection closed under us → 4; the peer removed from the
//   configuration → 5, since nothing more will be reported for it (the Cease / Peer De-configured
//   that went to the peer is in the wire tap's event).

import type { SessionDownEvent, SessionUpEvent, WireMessage } from '../tap/wire-events.ts';
import type { UpdateMessage } from '../codec/types.ts';
import { PeerDownReason } from './constants.ts';
import type { PeerDown, PerPeerHeader } from './encode.ts';
import { encodePeerDown, encodePeerUp, encodeRouteMonitoring } from './encode.ts';

/** FSM event code for a local close that no RFC 4271 §8.1 event stands for (RFC 7854 §4.9). */
const NoRelevantEvent = 0;

export function perPeerHeader(up: SessionUpEvent, timestampUs: number): PerPeerHeader {
  return {
    peerAddress: up.remote.address,
    peerAsn: up.receivedOpen.message.asn,
    peerBgpId: up.receivedOpen.message.bgpId,
    timestampUs,
    postPolicy: true,
    adjRibOut: true,
    twoOctetAsPath: !up.negotiated.fourOctetAs,
  };
}

const us = (ms: number) => Math.round(ms * 1000);

/** Who the session is, as Peer Up information (a String TLV). */
export function peerLabel(up: SessionUpEvent): string {
  const p = up.peer;
  const parts = [p.node && `node ${p.node}`, p.instance && `instance ${p.instance}`, `peer ${p.name}`];
  return parts.filter(Boolean).join(', ');
}

export function peerUpMessage(up: SessionUpEvent): Uint8Array {
  return encodePeerUp({
    peer: perPeerHeader(up, us(up.at)),
    localAddress: up.local.address,
    localPort: up.local.port,
    remotePort: up.remote.port,
    sentOpen: up.sentOpen.bytes,
    receivedOpen: up.receivedOpen.bytes,
    information: [peerLabel(up)],
  });
}

/** `atMs` null: the time the routes were advertised is not known (a resync), timestamp 0. */
export function routeMonitoringMessage(up: SessionUpEvent, update: WireMessage<UpdateMessage>, atMs: number | null): Uint8Array {
  return encodeRouteMonitoring({ peer: perPeerHeader(up, atMs === null ? 0 : us(atMs)), update: update.bytes });
}

export function peerDownOf(up: SessionUpEvent, down: SessionDownEvent): PeerDown {
  const peer = perPeerHeader(up, us(down.at));
  const n = down.notification;
  if (down.cause.by === 'local' && down.cause.reason === 'de-configured') return { peer, reason: PeerDownReason.Deconfigured };
  if (n !== null) {
    return { peer, reason: n.direction === 'sent' ? PeerDownReason.LocalNotification : PeerDownReason.RemoteNotification, notification: n.bytes };
  }
  if (down.cause.by === 'local') return { peer, reason: PeerDownReason.LocalNoNotification, fsmEvent: NoRelevantEvent };
  return { peer, reason: PeerDownReason.RemoteNoNotification };
}

export function peerDownMessage(up: SessionUpEvent, down: SessionDownEvent): Uint8Array {
  return encodePeerDown(peerDownOf(up, down));
}
