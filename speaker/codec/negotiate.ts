// What two OPENs agree on, as the CodecContext of the session plus the session's own settings:
// RFC 4271 §4.2 (hold time: the smaller; keepalive: a third of it, §10), RFC 4760 §8 (families:
// both sides' multiprotocol capabilities; a side without any speaks IPv4 unicast only),
// RFC 6793 §4 (4-octet AS: both), RFC 8654 §3 (extended messages: both), RFC 2918 §4 and
// RFC 7313 §4 (route refresh: both), RFC 7911 §5 (ADD-PATH per direction and family),
// RFC 4724 §4 and RFC 8538 (the peer's graceful restart capability, if any).

import type { CodecContext, FamilyKey } from './context.ts';
import { familyKey } from './context.ts';
import type { Capability, GracefulRestartCap, OpenMessage } from './types.ts';

export interface Family {
  readonly afi: number;
  readonly safi: number;
}

export interface Negotiated extends CodecContext {
  /** Seconds; 0 means no hold timer and no keepalives (RFC 4271 §4.2). */
  readonly holdTime: number;
  readonly keepalive: number;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** Families both sides speak, in the order of our OPEN. */
  readonly families: Family[];
  /** The peer's graceful restart capability, or null when it sent none. */
  readonly gracefulRestart: GracefulRestartCap | null;
}

const ipv4Unicast: Family = { afi: 1, safi: 1 };

function has(open: OpenMessage, name: Capability['name']): boolean {
  return open.capabilities.some((c) => c.name === name);
}

function familiesOf(open: OpenMessage): Family[] {
  const mp = open.capabilities.flatMap((c) => (c.name === 'multiprotocol' ? [{ afi: c.afi, safi: c.safi }] : []));
  return mp.length > 0 ? mp : [ipv4Unicast];
}

/** Send/Receive bits of each family in a side's ADD-PATH capabilities (1 receive, 2 send). */
function addPathModes(open: OpenMessage): Map<FamilyKey, number> {
  const modes = new Map<FamilyKey, number>();
  for (const c of open.capabilities) {
    if (c.name !== 'add-path') continue;
    for (const f of c.families) modes.set(familyKey(f.afi, f.safi), f.sendReceive);
  }
  return modes;
}

const Receive = 1;
const Send = 2;

function addPath(local: OpenMessage, remote: OpenMessage): { receive: Set<FamilyKey>; send: Set<FamilyKey> } {
  const ours = addPathModes(local);
  const theirs = addPathModes(remote);
  const receive = new Set<FamilyKey>();
  const send = new Set<FamilyKey>();
  for (const [key, mode] of ours) {
    const peer = theirs.get(key) ?? 0;
    if (mode & Receive && peer & Send) receive.add(key);
    if (mode & Send && peer & Receive) send.add(key);
  }
  return { receive, send };
}

function routeRefreshOf(open: OpenMessage): boolean {
  return has(open, 'route-refresh') || has(open, 'route-refresh-old');
}

export function negotiate(localOpen: OpenMessage, remoteOpen: OpenMessage): Negotiated {
  const holdTime = Math.min(localOpen.holdTime, remoteOpen.holdTime);
  const remoteFamilies = new Set(familiesOf(remoteOpen).map((f) => familyKey(f.afi, f.safi)));
  const families = familiesOf(localOpen).filter((f) => remoteFamilies.has(familyKey(f.afi, f.safi)));
  const { receive, send } = addPath(localOpen, remoteOpen);
  const both = (name: Capability['name']) => has(localOpen, name) && has(remoteOpen, name);
  const gr = remoteOpen.capabilities.find((c) => c.name === 'graceful-restart');
  return {
    holdTime,
    keepalive: Math.floor(holdTime / 3),
    fourOctetAs: both('four-octet-as'),
    extendedMessages: both('extended-message'),
    routeRefresh: routeRefreshOf(localOpen) && routeRefreshOf(remoteOpen),
    enhancedRouteRefresh: both('enhanced-route-refresh'),
    families,
    addPathReceive: receive,
    addPathSend: send,
    gracefulRestart: gr ?? null,
  };
}
