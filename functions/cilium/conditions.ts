// Status conditions, computed from the world view (reference O9, O12, A30).
//
// ClusterConfig: cilium.io/NoMatchingNode, cilium.io/MissingPeerConfigs and
// cilium.io/ConflictingClusterConfig, always all three, True or False, with Cilium's reasons and
// messages (False messages as Cilium writes them: NoMatchingNode keeps its text, the others are
// empty). "Conflicting" follows the first-owner order of desired/ownership.ts: a config that
// selects a node owned by an earlier config names that owner.
// PeerConfig: cilium.io/MissingAuthSecret on every PeerConfig, as Cilium does. Where users go
// wrong (§11.4, cilium#38073, #45435) the text says more than Cilium's: a False condition for a
// Secret reference says the Secret was found and where, and a True one names the namespace that
// is read, and any other namespace holding a Secret of that name.
// bgpcast's own, where the reference is silent:
// - bgpcast.io/InvalidObject (reason ValidationFailed) on any object whose latest version failed
//   validation, listing each field and problem, and saying whether an earlier valid version stays
//   in effect (world.ts). Present only while the object is invalid.
// - cilium.io/BGPReconcileError (reason BGPReconcileError) on kind CiliumBGPNodeConfig, named after
//   the node, when an instance or peer had to be left out of the node's desired state; the
//   message is Cilium's "<instance>: <error>\n" lines. Present only while there is an error.
// Sorted by kind, namespace, name, type.
//
// The conditions are recomputed after every change (an InvalidObject condition can come from any
// kind), so the result is kept and returned again while every map it reads is the same object: a
// Service or EndpointSlice change then costs a comparison of a dozen references, not a planNode
// per node.

import { describeIssues, type InvalidObject } from '../model/validation.ts';
import { isRecordKind, mapKey } from '../model/normalise.ts';
import { WORLD_FIELD } from '../model/world.ts';
import type { ClusterConfig } from '../model/cluster-config.ts';
import type { PeerConfig } from '../model/peer-config.ts';
import type { WorldView } from '../model/world.ts';
import { planNode } from './instances.ts';
import { ownership } from './ownership.ts';

export interface Condition {
  readonly kind: string;
  /** Present for namespaced objects only. */
  readonly namespace?: string;
  readonly name: string;
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

export const CONDITION_TYPES = {
  noMatchingNode: 'cilium.io/NoMatchingNode',
  missingPeerConfigs: 'cilium.io/MissingPeerConfigs',
  conflictingClusterConfig: 'cilium.io/ConflictingClusterConfig',
  missingAuthSecret: 'cilium.io/MissingAuthSecret',
  bgpReconcileError: 'cilium.io/BGPReconcileError',
  invalidObject: 'bgpcast.io/InvalidObject',
} as const;

const status = (b: boolean): 'True' | 'False' => (b ? 'True' : 'False');
/** Go's %v of a []string: "[a b]". */
const goList = (items: readonly string[]): string => `[${items.join(' ')}]`;

function clusterConfigConditions(world: WorldView, config: ClusterConfig): Condition[] {
  const { selected, conflicts } = ownership(world);
  const name = config.meta.name;
  const base = { kind: 'CiliumBGPClusterConfig', name };
  const missing = [
    ...new Set(
      config.instances.flatMap((i) => i.peers.flatMap((p) => (p.peerConfigRef === null ? [] : [p.peerConfigRef]))),
    ),
  ]
    .filter((ref) => !world.peerConfigs.has(ref))
    .sort();
  const owners = conflicts.get(name) ?? [];
  return [
    {
      ...base,
      type: CONDITION_TYPES.conflictingClusterConfig,
      status: status(owners.length > 0),
      reason: 'ConflictingClusterConfigs',
      message: owners.length > 0 ? `Selecting the same node(s) with ClusterConfig(s): ${goList(owners)}` : '',
    },
    {
      ...base,
      type: CONDITION_TYPES.missingPeerConfigs,
      status: status(missing.length > 0),
      reason: 'MissingPeerConfigs',
      message: missing.length > 0 ? `Referenced CiliumBGPPeerConfig(s) are missing: ${goList(missing)}` : '',
    },
    {
      ...base,
      type: CONDITION_TYPES.noMatchingNode,
      status: status((selected.get(name) ?? []).length === 0),
      reason: 'NoMatchingNode',
      message: 'No node matches spec.nodeSelector',
    },
  ];
}

function peerConfigCondition(world: WorldView, config: PeerConfig): Condition {
  const ref = config.authSecretRef;
  const ns = world.settings.bgpSecretsNamespace;
  const base = {
    kind: 'CiliumBGPPeerConfig',
    name: config.meta.name,
    type: CONDITION_TYPES.missingAuthSecret,
    reason: 'MissingAuthSecret',
  };
  if (ref === null) return { ...base, status: 'False', message: '' };
  if (world.secrets.has(mapKey(ns, ref))) {
    return { ...base, status: 'False', message: `Referenced Auth Secret "${ref}" found in namespace "${ns}"` };
  }
  const elsewhere = [...world.secrets.values()].filter((s) => s.name === ref).map((s) => s.namespace).sort();
  const hint =
    elsewhere.length > 0
      ? ` (namespace "${ns}" is read; a Secret of that name exists in ${elsewhere.map((n) => `"${n}"`).join(', ')})`
      : ` (looked up in namespace "${ns}")`;
  return { ...base, status: 'True', message: `Referenced Auth Secret "${ref}" is missing${hint}` };
}

function invalidCondition(world: WorldView, inv: InvalidObject): Condition {
  const kept =
    isRecordKind(inv.kind) &&
    (world[WORLD_FIELD[inv.kind]] as ReadonlyMap<string, unknown>).has(mapKey(inv.namespace, inv.name));
  const effect = kept ? 'the last valid version stays in effect' : 'the object is ignored';
  return {
    kind: inv.kind,
    ...(inv.namespace === null ? {} : { namespace: inv.namespace }),
    name: inv.name,
    type: CONDITION_TYPES.invalidObject,
    status: 'True',
    reason: 'ValidationFailed',
    message: `${describeIssues(inv.issues)}; ${effect}`,
  };
}

function nodeConditions(world: WorldView): Condition[] {
  const out: Condition[] = [];
  for (const node of ownership(world).owner.keys()) {
    const { problems } = planNode(world, node);
    if (problems.length === 0) continue;
    out.push({
      kind: 'CiliumBGPNodeConfig',
      name: node,
      type: CONDITION_TYPES.bgpReconcileError,
      status: 'True',
      reason: 'BGPReconcileError',
      message: problems.map((p) => `${p}\n`).join(''),
    });
  }
  return out;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every part of the world the conditions read: the maps of the kinds with an invalid object too. */
function conditionInputs(world: WorldView): unknown[] {
  const kinds = new Set<string>();
  for (const inv of world.invalid.values()) if (isRecordKind(inv.kind)) kinds.add(WORLD_FIELD[inv.kind]);
  return [
    world.settings,
    world.clusterConfigs,
    world.peerConfigs,
    world.nodes,
    world.ciliumNodes,
    world.nodeConfigOverrides,
    world.secrets,
    world.invalid,
    ...[...kinds].sort().map((field) => world[field as keyof WorldView]),
  ];
}

let last: { readonly inputs: readonly unknown[]; readonly conditions: Condition[] } | null = null;

export function computeConditions(world: WorldView): Condition[] {
  const inputs = conditionInputs(world);
  if (last !== null && last.inputs.length === inputs.length && last.inputs.every((x, i) => x === inputs[i])) return last.conditions;
  const conditions = conditionsOf(world);
  last = { inputs, conditions };
  return conditions;
}

function conditionsOf(world: WorldView): Condition[] {
  const out: Condition[] = [
    ...[...world.clusterConfigs.values()].flatMap((c) => clusterConfigConditions(world, c)),
    ...[...world.peerConfigs.values()].map((c) => peerConfigCondition(world, c)),
    ...[...world.invalid.values()].map((inv) => invalidCondition(world, inv)),
    ...nodeConditions(world),
  ];
  return out.sort(
    (a, b) =>
      cmp(a.kind, b.kind) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name) || cmp(a.type, b.type),
  );
}
