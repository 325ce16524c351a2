// What a node's desired sessions become on this node: the address of each auto-discovered peer
// (or why it has none), and the Interface routes of each route slot (discovery.ts), merged per
// prefix among themselves (MERGE-1). Pure; the worker compares two resolutions by `text` to tell
// whether a change of the node's facts changed anything it uses.

import { slotId } from '../../events/desired-delta.ts';
import type { DesiredInstance, DesiredRoute } from '../../events/desired-state.ts';
import { mergeDesiredRoutes } from '../../events/desired-state.ts';
import { defaultGateway, interfaceHostRoutes, unnumberedPeer, type Discovered } from './discovery.ts';
import type { NodeFacts } from './ip-json.ts';

export interface NodeResolution {
  /** Auto-discovered peers only, by peerKey(instance, peer). */
  readonly peers: ReadonlyMap<string, Discovered>;
  /** Interface routes by slotId, then prefix; slots without any are absent. */
  readonly extras: ReadonlyMap<string, ReadonlyMap<string, DesiredRoute>>;
  /** Equal texts mean equal resolutions. */
  readonly text: string;
}

export const EMPTY_RESOLUTION: NodeResolution = { peers: new Map(), extras: new Map(), text: '[[],[]]' };

export const peerKey = (instance: string, peer: string): string => `${instance}\n${peer}`;

/** Whether a node's sessions use node facts at all (an auto-discovered peer, an Interface advertisement). */
export function needsFacts(instances: readonly DesiredInstance[]): boolean {
  return instances.some((i) => i.peers.some((p) => p.autoDiscovery !== undefined || p.families.some((f) => (f.interfaces?.length ?? 0) > 0)));
}

/** `facts` null: the node's facts are not read (yet); discovery then finds nothing. */
export function resolveNode(instances: readonly DesiredInstance[], facts: NodeFacts | null): NodeResolution {
  const peers = new Map<string, Discovered>();
  const extras = new Map<string, Map<string, DesiredRoute>>();
  for (const inst of instances) {
    for (const peer of inst.peers) {
      const ad = peer.autoDiscovery;
      if (peer.peerAddress === null && ad !== undefined) {
        const found: Discovered =
          facts === null
            ? { problem: "the node's links and routes are not read (yet)" }
            : ad.mode === 'DefaultGateway'
              ? defaultGateway(facts, ad.addressFamily)
              : unnumberedPeer(facts, ad.interface);
        peers.set(peerKey(inst.name, peer.name), found);
      }
      if (facts === null) continue;
      for (const fam of peer.families) {
        if (!fam.interfaces || fam.interfaces.length === 0) continue;
        const routes = new Map<string, DesiredRoute>();
        for (const adv of fam.interfaces) {
          for (const prefix of interfaceHostRoutes(facts, adv.interface, fam.afi)) {
            const route: DesiredRoute = {
              prefix,
              communities: adv.communities,
              largeCommunities: adv.largeCommunities,
              localPreference: adv.localPreference,
              origin: 'igp',
            };
            const held = routes.get(prefix);
            routes.set(prefix, held === undefined ? route : mergeDesiredRoutes(held, route));
          }
        }
        if (routes.size > 0) extras.set(slotId({ instance: inst.name, peer: peer.name, afi: fam.afi }), routes);
      }
    }
  }
  const text = JSON.stringify([[...peers], [...extras].map(([slot, routes]) => [slot, [...routes.values()]])]);
  return { peers, extras, text };
}

/** The route a session gets at a prefix: the document's, the Interface route's, or both merged. */
export function effectiveRoute(desired: DesiredRoute | undefined, extra: DesiredRoute | undefined): DesiredRoute | undefined {
  if (extra === undefined) return desired;
  if (desired === undefined) return extra;
  return mergeDesiredRoutes(desired, extra);
}
