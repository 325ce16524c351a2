// Building blocks for the speaker's tests: desired-state peers and routes, a Speaker with
// test-friendly timers (short back-off, quiet logs), bounded waits on its status, and a Connect
// action that touches no network, for unit tests.
import net from 'node:net';
import { DEFAULT_NEXT_HOP, type DesiredPeerConfig, type DesiredRoute } from '../../events/desired-state.ts';
import { defaultContext } from '../../speaker/codec/context.ts';
import type { Negotiated } from '../../speaker/codec/negotiate.ts';
import { createLogger } from '../../events/log.ts';
import type { SessionStatus } from '../../speaker/session/session-status.ts';
import type { SpeakerOptions, SpeakerPeer } from '../../speaker/speaker.ts';
import { Speaker } from '../../speaker/speaker.ts';
import { ensureSockopt } from '../../speaker/transport/sockopt.ts';
import { waitFor } from './routers/common.ts';

export const testBackoff = { baseMs: 500, factor: 2, maxMs: 4000, stableMs: 60_000 };

/**
 * A Connect action without a network: the attempt fails at once, as against a closed port, and no
 * socket is ever opened (an unconnected net.Socket holds no file descriptor).
 */
export function refusedConnect(): net.Socket {
  const socket = new net.Socket();
  socket.destroy(Object.assign(new Error('connect ECONNREFUSED (no network in unit tests)'), { code: 'ECONNREFUSED' }));
  return socket;
}

/** What an established session negotiated: 4-octet AS, route refresh, these AFIs (SAFI 1), no GR. */
export function negotiatedContext(afis: readonly number[] = [1]): Negotiated {
  return {
    ...defaultContext,
    holdTime: 90,
    keepalive: 30,
    routeRefresh: true,
    enhancedRouteRefresh: false,
    families: afis.map((afi) => ({ afi, safi: 1 })),
    gracefulRestart: null,
  };
}

export function route(prefix: string, extra: Partial<DesiredRoute> = {}): DesiredRoute {
  return { prefix, communities: [], largeCommunities: [], localPreference: null, origin: 'igp', ...extra };
}

/** A desired peer's session settings: Cilium's defaults (PEER-1), with `over` on top. */
export function peerConfig(over: Partial<DesiredPeerConfig> = {}): DesiredPeerConfig {
  return {
    peerPort: 179,
    holdTimeSeconds: 90,
    keepAliveTimeSeconds: 30,
    connectRetryTimeSeconds: 120,
    ebgpMultihop: 1,
    gracefulRestart: { enabled: false, restartTimeSeconds: 120 },
    authSecretRef: null,
    gtsm: false,
    maxPrefixes: null,
    nextHop: DEFAULT_NEXT_HOP,
    ...over,
  };
}

export interface PeerSpec {
  name?: string;
  peerAddress: string;
  peerPort: number;
  peerASN: number;
  localAddress: string | null;
  ipv4?: DesiredRoute[];
  ipv6?: DesiredRoute[];
  holdTime?: number;
  keepalive?: number;
  multihop?: number;
  gracefulRestart?: { enabled: boolean; restartTimeSeconds: number };
  password?: string | null;
  /** Other settings of desired state: gtsm, maxPrefixes, nextHop. */
  config?: Partial<DesiredPeerConfig>;
  extra?: Partial<SpeakerPeer>;
}

export function peer(s: PeerSpec): SpeakerPeer {
  const families: SpeakerPeer['families'][number][] = [];
  if (s.ipv4) families.push({ afi: 'ipv4', safi: 'unicast', routes: s.ipv4 });
  if (s.ipv6) families.push({ afi: 'ipv6', safi: 'unicast', routes: s.ipv6 });
  return {
    name: s.name ?? 'router',
    peerAddress: s.peerAddress,
    peerASN: s.peerASN,
    localAddress: s.localAddress,
    config: {
      peerPort: s.peerPort,
      holdTimeSeconds: s.holdTime ?? 9,
      keepAliveTimeSeconds: s.keepalive ?? 3,
      connectRetryTimeSeconds: 2,
      ebgpMultihop: s.multihop ?? 1,
      gracefulRestart: s.gracefulRestart ?? { enabled: false, restartTimeSeconds: 120 },
      authSecretRef: null,
      gtsm: false,
      maxPrefixes: null,
      nextHop: DEFAULT_NEXT_HOP,
      ...s.config,
    },
    families,
    password: s.password ?? null,
    ...s.extra,
  };
}

const log = createLogger('speaker-test', process.env['BGPCAST_LOG_LEVEL'] ?? 'warn');

/** A started Speaker (the native addon built first) with short back-off. */
export async function startSpeaker(o: Partial<SpeakerOptions> & Pick<SpeakerOptions, 'localASN'>): Promise<Speaker> {
  ensureSockopt();
  const speaker = new Speaker({ routerID: '10.255.0.2', localPort: null, backoff: testBackoff, log, ...o });
  await speaker.start();
  return speaker;
}

/** Waits until the peer's session satisfies `check`; returns its status. */
export function waitSession(
  speaker: Speaker,
  name: string,
  check: (s: SessionStatus) => boolean,
  timeoutMs: number,
  what = `session ${name}`,
): Promise<SessionStatus> {
  return waitFor(
    () => {
      const s = speaker.session(name)?.status();
      return s && check(s) ? s : false;
    },
    { timeoutMs, what, detail: () => JSON.stringify(speaker.session(name)?.status() ?? null) },
  );
}

export const established = (s: SessionStatus) => s.state === 'Established';
