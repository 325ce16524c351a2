// Computing and reading a DesiredNodeState in tests.

import { expect } from 'vitest';
import type { DesiredNodeState, DesiredPeer, DesiredRoute } from '../../../events/desired-state.ts';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { DesiredCache } from '../../../functions/incremental/desired-cache.ts';
import type { WorldView } from '../../../functions/model/world.ts';

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

/**
 * A node's desired state by the definition (functions/cilium/desired-node.ts), checked against the
 * runner's road (a fresh DesiredCache): every example of a rule is a differential test as well.
 */
export function desiredState(world: WorldView, node: string): DesiredNodeState {
  const definition = computeDesiredNode(world, node);
  const cache = new DesiredCache();
  expect(cache.document(cache.view(world, node))).toStrictEqual(definition);
  return definition;
}
