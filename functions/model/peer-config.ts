// CiliumBGPPeerConfig (reference §3). The agent-side defaults P1–P5 are applied here, so every
// record is complete; a value that is nil or 0 counts as unset (SetDefaults):
//   P1 peerPort 179; P2 connectRetry 120, hold 90, keepalive 30; P3 ebgpMultihop 1;
//   P4 gracefulRestart {enabled:false, restartTimeSeconds:120}, restartTime 0/nil → 120;
//   P5 no families → [ipv6/unicast, ipv4/unicast] with no advertisement selectors.
// P5 leaves the selectors nil, so the defaulted families advertise nothing, exactly as the agent's
// use of the raw (undefaulted) families does (A14).

import { z } from 'zod';
import { labelSelectorSchema, type LabelSelector } from './label-selector.ts';
import { clusterMetaSchema, int, type ObjectMeta } from './meta.ts';

export const AFIS = { ipv4: 1, ipv6: 2, l2vpn: 25, ls: 16388, opaque: 16397 } as const;
export const SAFIS = {
  unicast: 1,
  multicast: 2,
  mpls_label: 4,
  encapsulation: 7,
  vpls: 65,
  evpn: 70,
  ls: 71,
  sr_policy: 73,
  mup: 85,
  mpls_vpn: 128,
  mpls_vpn_multicast: 129,
  route_target_constraints: 132,
  flowspec_unicast: 133,
  flowspec_vpn: 134,
  key_value: 241,
} as const;
export type Afi = keyof typeof AFIS;
export type Safi = keyof typeof SAFIS;

export interface PeerFamily {
  readonly afi: Afi;
  readonly safi: Safi;
  /** Selects CiliumBGPAdvertisement objects by metadata.labels; null selects none. */
  readonly advertisements: LabelSelector | null;
}

export interface PeerSettings {
  readonly peerPort: number;
  readonly connectRetryTimeSeconds: number;
  readonly holdTimeSeconds: number;
  readonly keepAliveTimeSeconds: number;
  readonly ebgpMultihop: number;
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTimeSeconds: number };
  /** Name of a Secret in the BGP secrets namespace; the password itself is never read here. */
  readonly authSecretRef: string | null;
  readonly families: readonly PeerFamily[];
}

export interface PeerConfig extends PeerSettings {
  readonly kind: 'CiliumBGPPeerConfig';
  readonly meta: ObjectMeta;
}

export const PEER_DEFAULTS = {
  peerPort: 179,
  connectRetryTimeSeconds: 120,
  holdTimeSeconds: 90,
  keepAliveTimeSeconds: 30,
  ebgpMultihop: 1,
  restartTimeSeconds: 120,
} as const;

/** The settings of a peer without a peerConfigRef (A8): all defaults. */
export const DEFAULT_PEER_SETTINGS: PeerSettings = {
  peerPort: PEER_DEFAULTS.peerPort,
  connectRetryTimeSeconds: PEER_DEFAULTS.connectRetryTimeSeconds,
  holdTimeSeconds: PEER_DEFAULTS.holdTimeSeconds,
  keepAliveTimeSeconds: PEER_DEFAULTS.keepAliveTimeSeconds,
  ebgpMultihop: PEER_DEFAULTS.ebgpMultihop,
  gracefulRestart: { enabled: false, restartTimeSeconds: PEER_DEFAULTS.restartTimeSeconds },
  authSecretRef: null,
  families: [
    { afi: 'ipv6', safi: 'unicast', advertisements: null },
    { afi: 'ipv4', safi: 'unicast', advertisements: null },
  ],
};

/** 0 is accepted as "unset" (SetDefaults), anything else must be in range. */
const optional = (min: number, max: number) => z.union([z.literal(0), int(min, max)]).nullish();
const orDefault = (value: number | null | undefined, fallback: number): number => value || fallback;

export const peerConfigSchema = z
  .object({
    metadata: clusterMetaSchema,
    spec: z
      .object({
        transport: z.object({ peerPort: optional(1, 65535) }).nullish(),
        timers: z
          .object({
            connectRetryTimeSeconds: optional(1, 2147483647),
            holdTimeSeconds: optional(3, 65535),
            keepAliveTimeSeconds: optional(1, 65535),
          })
          .nullish(),
        authSecretRef: z.string().nullish(),
        gracefulRestart: z
          .object({ enabled: z.boolean({ error: 'required boolean' }), restartTimeSeconds: optional(1, 4095) })
          .nullish(),
        ebgpMultihop: optional(1, 255),
        families: z
          .array(
            z.object({
              afi: z.enum(Object.keys(AFIS) as [Afi, ...Afi[]]),
              safi: z.enum(Object.keys(SAFIS) as [Safi, ...Safi[]]),
              advertisements: labelSelectorSchema,
            }),
          )
          .nullish(),
      })
      .nullish(),
  })
  .transform(({ metadata, spec }): PeerConfig => {
    const families = spec?.families ?? [];
    return {
      kind: 'CiliumBGPPeerConfig',
      meta: metadata,
      peerPort: orDefault(spec?.transport?.peerPort, PEER_DEFAULTS.peerPort),
      connectRetryTimeSeconds: orDefault(spec?.timers?.connectRetryTimeSeconds, PEER_DEFAULTS.connectRetryTimeSeconds),
      holdTimeSeconds: orDefault(spec?.timers?.holdTimeSeconds, PEER_DEFAULTS.holdTimeSeconds),
      keepAliveTimeSeconds: orDefault(spec?.timers?.keepAliveTimeSeconds, PEER_DEFAULTS.keepAliveTimeSeconds),
      ebgpMultihop: orDefault(spec?.ebgpMultihop, PEER_DEFAULTS.ebgpMultihop),
      gracefulRestart: {
        enabled: spec?.gracefulRestart?.enabled ?? false,
        restartTimeSeconds: orDefault(spec?.gracefulRestart?.restartTimeSeconds, PEER_DEFAULTS.restartTimeSeconds),
      },
      authSecretRef: spec?.authSecretRef || null,
      families: families.length > 0 ? families : DEFAULT_PEER_SETTINGS.families,
    };
  });
