// Which NodeConfigs to write, delete or leave alone (docs/cilium-semantics.md NCFG-1 to NCFG-3).
// Where the API server and the world disagree (the watcher has not delivered a change yet) it
// waits: no owner reference to a ClusterConfig the API server does not hold, no delete for one the
// world does not know; a NodeConfig being deleted (finalizers) is neither written nor deleted again.

import { clusterConfigOwners, KINDS, type LiveObject, type OwnerReference } from './live.ts';
import type { DesiredNodeConfig, NodeConfigSpec } from './node-config-spec.ts';

export type NodeConfigAction =
  | { readonly type: 'apply'; readonly node: string; readonly owner: OwnerReference; readonly spec: NodeConfigSpec; readonly live: LiveObject | null }
  | { readonly type: 'delete'; readonly node: string; readonly uid: string; readonly why: string }
  | { readonly type: 'conflict'; readonly node: string; readonly owner: string; readonly heldBy: readonly string[] };

export interface NodeConfigPlanInput {
  readonly desired: ReadonlyMap<string, DesiredNodeConfig>;
  /** ClusterConfig name → the nodes its selector matches (the world's). */
  readonly selected: ReadonlyMap<string, readonly string[]>;
  readonly liveClusterConfigs: ReadonlyMap<string, LiveObject>;
  readonly liveNodeConfigs: ReadonlyMap<string, LiveObject>;
  /** The apiVersion the ClusterConfigs are served under, for the owner reference. */
  readonly apiVersion: string;
}

export function ownerReference(config: LiveObject, apiVersion: string): OwnerReference {
  return { apiVersion, kind: KINDS.clusterConfig, name: config.metadata.name, uid: config.metadata.uid, controller: true };
}

export function planNodeConfigs(input: NodeConfigPlanInput): NodeConfigAction[] {
  const configsByUid = new Map([...input.liveClusterConfigs.values()].map((c) => [c.metadata.uid, c]));
  const deletes: NodeConfigAction[] = [];
  for (const nc of input.liveNodeConfigs.values()) {
    const owners = clusterConfigOwners(nc);
    if (nc.metadata.deletionTimestamp !== undefined) continue;
    if (owners.length === 0) continue;
    const why = deleteReason(nc, owners, configsByUid, input.selected);
    if (why !== null) deletes.push({ type: 'delete', node: nc.metadata.name, uid: nc.metadata.uid, why });
  }
  const deleting = new Set(deletes.map((d) => d.node));

  const writes: NodeConfigAction[] = [];
  for (const d of input.desired.values()) {
    const config = input.liveClusterConfigs.get(d.owner);
    if (config === undefined || deleting.has(d.node)) continue;
    const live = input.liveNodeConfigs.get(d.node) ?? null;
    // Being deleted: written again once it is gone.
    if (live?.metadata.deletionTimestamp !== undefined) continue;
    if (live !== null && !clusterConfigOwners(live).includes(config.metadata.uid)) {
      const heldBy = (live.metadata.ownerReferences ?? []).filter((r) => r.kind === KINDS.clusterConfig).map((r) => r.name);
      writes.push({ type: 'conflict', node: d.node, owner: d.owner, heldBy });
      continue;
    }
    writes.push({ type: 'apply', node: d.node, owner: ownerReference(config, input.apiVersion), spec: d.spec, live });
  }
  return [...deletes, ...writes];
}

function deleteReason(
  nc: LiveObject,
  owners: readonly string[],
  configsByUid: ReadonlyMap<string, LiveObject>,
  selected: ReadonlyMap<string, readonly string[]>,
): string | null {
  const live = owners.map((uid) => configsByUid.get(uid)).filter((c): c is LiveObject => c !== undefined);
  if (live.length === 0) return 'its CiliumBGPClusterConfig is gone';
  for (const config of live) {
    const nodes = selected.get(config.metadata.name);
    if (nodes === undefined || nodes.includes(nc.metadata.name)) return null;
  }
  return `CiliumBGPClusterConfig ${live.map((c) => c.metadata.name).join(', ')} no longer selects the node`;
}
