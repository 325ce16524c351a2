// computeDesiredNode: the whole desired BGP state of one node, a pure function of the world view.
// Instances and peers come from planNode (instances.ts); each peer family then gets the routes of
// the advertisement entries its selector picks (advertisement-selection.ts), from the three route
// sources (pod-cidr-routes.ts, pod-ip-pool-routes.ts, service-routes.ts), merged per prefix
// (route-merge.ts). It is the node's view (node-view.ts) printed in full; callers that keep the
// previous view can write only the changes instead (diffViews).

import type { DesiredNodeState } from '../../events/desired-state.ts';
import type { WorldView } from '../model/world.ts';
import { computeNodeView, materialiseView } from '../incremental/node-view.ts';

export function computeDesiredNode(world: WorldView, node: string): DesiredNodeState {
  return materialiseView(computeNodeView(world, node));
}
