// Reading parts of a DesiredNodeState in tests.

import type { DesiredNodeState, DesiredPeer, DesiredRoute } from '../../../events/desired-state.ts';

export function onlyPeer(state: DesiredNodeState): DesiredPeer {
  const peers = state.instances.flatMap((i) => i.peers);
  if (peers.length !== 1) throw new Error(`expected one peer, got ${peers.length}`);
  return peers[0]!;
}

export function routesOf(state: DesiredNodeState, afi: 'ipv4' | 'ipv6' = 'ipv4'): readonly DesiredRoute[] {
  return onlyPeer(state).families.find((f) => f.afi === afi)?.routes ?? [];
}

export function prefixesOf(state: DesiredNodeState, afi: 'ipv4' | 'ipv6' = 'ipv4'): string[] {
  return routesOf(state, afi).map((r) => r.prefix);
}

export function route(state: DesiredNodeState, prefix: string): DesiredRoute | undefined {
  return onlyPeer(state)
    .families.flatMap((f) => f.routes)
    .find((r) => r.prefix === prefix);
}
