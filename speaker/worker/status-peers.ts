// The peers part of a node's status document (events/speaker-status.ts), from the sessions'
// status snapshots. Pure: the caller passes the wall clock and the session clock's reading, so
// monotonic timestamps (last error) can be turned into wall-clock instants.

import type { DesiredInstance, DesiredPeer } from '../../events/desired-state.ts';
import type { FamilyCounts, InstanceErrorReport, PeerReport, PeerSessionState, PeersDocument } from '../../events/speaker-status.ts';
import type { FamilyKey } from '../codec/context.ts';
import { errorCodeName, errorSubcodeName } from '../codec/errors.ts';
import type { SessionStatus } from '../session/session-status.ts';
import { desiredFamilyKey } from '../speaker.ts';

export interface InstanceSnapshot {
  readonly instance: DesiredInstance;
  /** The sessions' status, by peer name. */
  readonly sessions: ReadonlyMap<string, SessionStatus>;
  /** Peer names with a password found for their authSecretRef. */
  readonly passwordSet: ReadonlySet<string>;
}

export interface Clocks {
  /** Wall clock, epoch ms. */
  readonly wallMs: number;
  /** The session clock (monotonic) at the same moment. */
  readonly monoMs: number;
}

const familyName: Record<FamilyKey, string> = { '1/1': 'ipv4/unicast', '2/1': 'ipv6/unicast' };

export function familyKeyName(k: FamilyKey): string {
  return familyName[k] ?? k;
}

export function buildPeersDocument(
  node: string,
  revision: number,
  instances: readonly InstanceSnapshot[],
  errors: readonly InstanceErrorReport[],
  clocks: Clocks,
): PeersDocument {
  const peers: PeerReport[] = [];
  for (const snap of instances) {
    for (const p of snap.instance.peers) {
      peers.push(peerReport(snap.instance, p, snap.sessions.get(p.name) ?? null, snap.passwordSet.has(p.name), clocks));
    }
  }
  return { node, revision, peers, errors: [...errors] };
}

function peerReport(i: DesiredInstance, p: DesiredPeer, s: SessionStatus | null, passwordSet: boolean, clocks: Clocks): PeerReport {
  const established = s?.state === 'Established';
  const families: FamilyCounts[] = p.families.map((f) => {
    const key = desiredFamilyKey(f);
    const unsent = s?.unsent[key] ?? (established && s?.negotiated && !s.negotiated.families.includes(key) ? 'family not negotiated' : undefined);
    const nextHop = established ? s.nextHops[key] : undefined;
    return {
      afi: f.afi,
      safi: f.safi,
      received: established ? (s.prefixes.received[key] ?? 0) : 0,
      advertised: established ? (s.prefixes.sent[key] ?? 0) : 0,
      ...(unsent ? { unsent } : {}),
      ...(nextHop ? { nextHop } : {}),
    };
  });
  const c = p.config;
  const n = established ? s.negotiated : null;
  return {
    instance: i.name,
    localASN: i.localASN,
    routerID: i.routerID,
    name: p.name,
    // A running instance is resolved (NodeWorker.instances): an auto-discovered peer has the address found.
    peerAddress: p.peerAddress ?? '',
    peerPort: c.peerPort,
    peerASN: p.peerASN,
    remoteASN: established ? s.peerAsn : null,
    localAddress: s?.localAddress ?? p.localAddress,
    state: (s?.state.toLowerCase() ?? 'idle') as PeerSessionState,
    establishedSince: established ? (s.establishedSince ?? null) : null,
    establishedCount: s?.establishedCount ?? 0,
    configured: {
      holdTimeSeconds: c.holdTimeSeconds,
      keepAliveTimeSeconds: c.keepAliveTimeSeconds,
      connectRetryTimeSeconds: c.connectRetryTimeSeconds,
      ebgpMultihop: c.ebgpMultihop,
      gracefulRestart: { ...c.gracefulRestart },
      authSecretRef: c.authSecretRef ? { ...c.authSecretRef } : null,
      passwordSet,
      gtsm: c.gtsm,
      maxPrefixes: c.maxPrefixes,
      nextHop: { ipv4: c.nextHop.ipv4, ipv6: c.nextHop.ipv6 },
    },
    negotiated: n
      ? {
          holdTimeSeconds: n.holdTimeS,
          keepAliveTimeSeconds: n.keepaliveS,
          families: n.families.map(familyKeyName),
          fourOctetAs: n.fourOctetAs,
          extendedMessages: n.extendedMessages,
          routeRefresh: n.routeRefresh,
          peerGracefulRestart: n.peerGracefulRestart ? { ...n.peerGracefulRestart } : null,
        }
      : null,
    families,
    lastError: s?.lastError
      ? {
          code: s.lastError.code,
          subcode: s.lastError.subcode,
          name: `${errorCodeName(s.lastError.code)} / ${errorSubcodeName(s.lastError.code, s.lastError.subcode)}`,
          direction: s.lastError.direction,
          at: new Date(Math.round(clocks.wallMs - (clocks.monoMs - s.lastError.at))).toISOString(),
        }
      : null,
    gracefulShutdown: s?.gracefulShutdown ?? false,
  };
}

/**
 * What, when it changes, makes the status worth rewriting: states, session counts and the
 * UPDATE counters either way (a route sent or received). Cheap, computed every status tick.
 */
export function statusSignature(instances: readonly InstanceSnapshot[]): string {
  const parts: (string | number)[] = [];
  for (const snap of instances) {
    for (const [name, s] of snap.sessions) {
      parts.push(snap.instance.name, name, s.state, s.establishedCount, s.messages.sent.update, s.messages.received.update);
      parts.push(s.gracefulShutdown ? 1 : 0, s.lastError?.at ?? '-');
    }
  }
  return parts.join('|');
}
