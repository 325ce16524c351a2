// A peer's settings: its CiliumBGPPeerConfig with the agent's defaults filled in, where 0 counts as
// unset (docs/cilium-semantics.md PEER-1), and with what its bgpcast.io/ annotations switch on
// (PEER-8 to PEER-10); a peer without a PeerConfig reference gets every default (INST-5).

import type { NextHopIPv4Mode, NextHopIPv6Mode } from '../../events/desired-state.ts';
import type { PeerConfig, PeerFamily } from '../model/peer-config.ts';

export interface PeerSettings {
  readonly peerPort: number;
  readonly connectRetryTimeSeconds: number;
  readonly holdTimeSeconds: number;
  readonly keepAliveTimeSeconds: number;
  readonly ebgpMultihop: number;
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTimeSeconds: number };
  readonly authSecretRef: string | null;
  readonly families: readonly PeerFamily[];
  readonly gtsm: boolean;
  readonly maxPrefixes: number | null;
  readonly nextHop: { readonly ipv4: NextHopIPv4Mode; readonly ipv6: NextHopIPv6Mode };
}

export const PEER_DEFAULTS = {
  peerPort: 179,
  connectRetryTimeSeconds: 120,
  holdTimeSeconds: 90,
  keepAliveTimeSeconds: 30,
  ebgpMultihop: 1,
  restartTimeSeconds: 120,
} as const;

/** Both unicast families without advertisement selectors: negotiated, advertising nothing. */
const DEFAULT_FAMILIES: readonly PeerFamily[] = [
  { afi: 'ipv6', safi: 'unicast', advertisements: null },
  { afi: 'ipv4', safi: 'unicast', advertisements: null },
];

export const DEFAULT_PEER_SETTINGS: PeerSettings = {
  peerPort: PEER_DEFAULTS.peerPort,
  connectRetryTimeSeconds: PEER_DEFAULTS.connectRetryTimeSeconds,
  holdTimeSeconds: PEER_DEFAULTS.holdTimeSeconds,
  keepAliveTimeSeconds: PEER_DEFAULTS.keepAliveTimeSeconds,
  ebgpMultihop: PEER_DEFAULTS.ebgpMultihop,
  gracefulRestart: { enabled: false, restartTimeSeconds: PEER_DEFAULTS.restartTimeSeconds },
  authSecretRef: null,
  families: DEFAULT_FAMILIES,
  gtsm: false,
  maxPrefixes: null,
  nextHop: { ipv4: 'auto', ipv6: 'auto' },
};

const orDefault = (value: number | null, fallback: number): number => value || fallback;

export function peerSettings(config: PeerConfig): PeerSettings {
  return {
    peerPort: orDefault(config.peerPort, PEER_DEFAULTS.peerPort),
    connectRetryTimeSeconds: orDefault(config.connectRetryTimeSeconds, PEER_DEFAULTS.connectRetryTimeSeconds),
    holdTimeSeconds: orDefault(config.holdTimeSeconds, PEER_DEFAULTS.holdTimeSeconds),
    keepAliveTimeSeconds: orDefault(config.keepAliveTimeSeconds, PEER_DEFAULTS.keepAliveTimeSeconds),
    ebgpMultihop: orDefault(config.ebgpMultihop, PEER_DEFAULTS.ebgpMultihop),
    gracefulRestart: {
      enabled: config.gracefulRestart?.enabled ?? false,
      restartTimeSeconds: orDefault(config.gracefulRestart?.restartTimeSeconds ?? null, PEER_DEFAULTS.restartTimeSeconds),
    },
    authSecretRef: config.authSecretRef,
    families: config.families.length > 0 ? config.families : DEFAULT_FAMILIES,
    gtsm: config.extensions.gtsm ?? DEFAULT_PEER_SETTINGS.gtsm,
    maxPrefixes: config.extensions.maxPrefixes ?? DEFAULT_PEER_SETTINGS.maxPrefixes,
    nextHop: {
      ipv4: config.extensions.nextHopIPv4 ?? DEFAULT_PEER_SETTINGS.nextHop.ipv4,
      ipv6: config.extensions.nextHopIPv6 ?? DEFAULT_PEER_SETTINGS.nextHop.ipv6,
    },
  };
}
