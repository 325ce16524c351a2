// The functions' rules and types the status writer builds on, gathered in one place: which
// ClusterConfig owns which node, and the conditions the functions compute. The status writer
// reads their results; it never decides these again.

export { ownership, type Ownership } from '../cilium/ownership.ts';
export { CONDITION_TYPES, type Condition } from '../cilium/conditions.ts';
export type { ClusterConfig, ClusterPeer, AutoDiscovery } from '../model/cluster-config.ts';
export type { NodeConfigOverride } from '../model/node-config-override.ts';
export type { WorldView } from '../model/world.ts';
export { mapKey, objectIdentity } from '../model/normalise.ts';
