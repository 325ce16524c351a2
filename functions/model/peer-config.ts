// CiliumBGPPeerConfig as written: the values the spec sets, null where it sets none. The agent's
// defaults (docs/cilium-semantics.md PEER-1) are a rule, applied in cilium/peer-settings.ts.

import { z } from 'zod';
import { labelSelectorSchema, type LabelSelector } from './label-selector.ts';
import { clusterMetaWithAnnotationsSchema, int, type ObjectMeta } from './meta.ts';
import { peerExtensions, type PeerExtensions } from './peer-annotations.ts';
import type { ValidationIssue } from './validation.ts';

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

export interface PeerConfig {
  readonly kind: 'CiliumBGPPeerConfig';
  readonly meta: ObjectMeta;
  /** As written: null when absent, 0 kept (the defaults of functions/cilium/peer-settings.ts read 0 as unset). */
  readonly peerPort: number | null;
  readonly connectRetryTimeSeconds: number | null;
  readonly holdTimeSeconds: number | null;
  readonly keepAliveTimeSeconds: number | null;
  readonly ebgpMultihop: number | null;
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTimeSeconds: number | null } | null;
  /** Name of a Secret in the BGP secrets namespace; the password itself is never read here. */
  readonly authSecretRef: string | null;
  /** As written; may be empty. */
  readonly families: readonly PeerFamily[];
  /** What its bgpcast.io/ annotations switch on (peer-annotations.ts). */
  readonly extensions: PeerExtensions;
  /** bgpcast.io/ annotations ignored for a bad value: the object stays valid, a condition says so. */
  readonly ignored: readonly ValidationIssue[];
}

/** 0 is accepted (it means "unset"), anything else must be in range. */
const optional = (min: number, max: number) => z.union([z.literal(0), int(min, max)]).nullish();

export const peerConfigSchema = z
  .object({
    metadata: clusterMetaWithAnnotationsSchema,
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
  .transform(
    ({ metadata, spec }): PeerConfig => ({
      kind: 'CiliumBGPPeerConfig',
      meta: metadata.meta,
      ...peerExtensions(metadata.annotations),
      peerPort: spec?.transport?.peerPort ?? null,
      connectRetryTimeSeconds: spec?.timers?.connectRetryTimeSeconds ?? null,
      holdTimeSeconds: spec?.timers?.holdTimeSeconds ?? null,
      keepAliveTimeSeconds: spec?.timers?.keepAliveTimeSeconds ?? null,
      ebgpMultihop: spec?.ebgpMultihop ?? null,
      gracefulRestart: spec?.gracefulRestart
        ? { enabled: spec.gracefulRestart.enabled, restartTimeSeconds: spec.gracefulRestart.restartTimeSeconds ?? null }
        : null,
      authSecretRef: spec?.authSecretRef || null,
      families: spec?.families ?? [],
    }),
  );
