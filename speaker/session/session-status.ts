// The facts a session reports for `bgpcast peers` and the worker's status document.

import type { FamilyKey } from '../codec/context.ts';
import type { FsmStateName, LastError } from './fsm-types.ts';

export type MessageKind = 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh';

export interface MessageCounts {
  open: number;
  update: number;
  notification: number;
  keepalive: number;
  'route-refresh': number;
}

export const zeroCounts = (): MessageCounts => ({ open: 0, update: 0, notification: 0, keepalive: 0, 'route-refresh': 0 });

export interface NegotiatedStatus {
  readonly holdTimeS: number;
  readonly keepaliveS: number;
  readonly fourOctetAs: boolean;
  readonly extendedMessages: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** The peer's graceful restart capability, as received. */
  readonly peerGracefulRestart: { restartTime: number; restarting: boolean; notification: boolean } | null;
  readonly families: FamilyKey[];
}

export interface SessionStatus {
  readonly name: string;
  readonly peerAddress: string;
  readonly peerPort: number;
  readonly peerAsn: number;
  readonly localAsn: number;
  readonly state: FsmStateName;
  /** Milliseconds in Established, or null. */
  readonly uptimeMs: number | null;
  /** Wall-clock time Established was reached (ISO 8601), or null. */
  readonly establishedSince: string | null;
  readonly localAddress: string | null;
  readonly localPort: number | null;
  readonly remotePort: number | null;
  readonly peerRouterId: string | null;
  readonly negotiated: NegotiatedStatus | null;
  readonly capabilities: { readonly sent: string[]; readonly received: string[] };
  readonly messages: { readonly sent: MessageCounts; readonly received: MessageCounts };
  /** Octets of the messages counted above, headers included. */
  readonly octets: { readonly sent: number; readonly received: number };
  readonly prefixes: { readonly sent: Record<FamilyKey, number>; readonly received: Record<FamilyKey, number> };
  /** Families negotiated but not sent, with the reason (e.g. no usable next hop). */
  readonly unsent: Record<FamilyKey, string>;
  /** Families sent, with the next hop their routes carry (speaker/rib/next-hop.ts). */
  readonly nextHops: Record<FamilyKey, string>;
  readonly lastError: LastError | null;
  readonly establishedCount: number;
  readonly gracefulShutdown: boolean;
}
