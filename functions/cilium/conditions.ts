// Status conditions, computed from the world (docs/cilium-semantics.md COND-1 to COND-6):
// - ClusterConfig: cilium.io/NoMatchingNode, MissingPeerConfigs and ConflictingClusterConfig,
//   always all three, True or False, with Cilium's reasons and messages (COND-1); "conflicting"
//   follows the claim order of ownership.ts (OWN-2).
// - PeerConfig: cilium.io/MissingAuthSecret on every PeerConfig, its messages saying where the
//   Secret was looked for and found (COND-2).
// - CiliumBGPNodeConfig (named after the node): cilium.io/BGPReconcileError while an instance or
//   peer had to be left out, Cilium's "<instance>: <error>" lines (COND-5).
// - Any object whose latest version failed validation: bgpcast.io/InvalidObject (COND-6); so does a
//   PeerConfig with a bgpcast.io/ annotation ignored for a bad value (PEER-8 to PEER-10), unless
//   its latest version is invalid, which that condition then reports.
// - ClusterConfig, in the ip-pool router-ID mode: bgpcast.io/RouterIDPoolExhausted (COND-7).
// Sorted by kind, namespace, name, type (COND-4).

import { describeIssues, type InvalidObject } from '../model/validation.ts';
import { isRecordKind, mapKey, objectIdentity } from '../model/normalise.ts';
import { WORLD_FIELD } from '../model/world.ts';
import type { ClusterConfig } from '../model/cluster-config.ts';
import type { PeerConfig } from '../model/peer-config.ts';
import type { WorldView } from '../model/world.ts';
import { planNode } from './instances.ts';
import { ownership, type Ownership } from './ownership.ts';

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
  routerIdPoolExhausted: 'bgpcast.io/RouterIDPoolExhausted',
} as const;

const status = (b: boolean): 'True' | 'False' => (b ? 'True' : 'False');
/** Go's %v of a []string: "[a b]". */
const goList = (items: readonly string[]): string => `[${items.join(' ')}]`;

function clusterConfigConditions(world: WorldView, { selected, conflicts }: Ownership, config: ClusterConfig): Condition[] {
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
  const noneMatches = (selected.get(name) ?? []).length === 0;
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
      status: status(noneMatches),
      reason: 'NoMatchingNode',
      // False: not Cilium's text, which still says that no node matches (COND-1).
      message: noneMatches ? 'No node matches spec.nodeSelector' : 'At least one node matches spec.nodeSelector',
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
  const found = world.secrets.get(mapKey(ns, ref));
  if (found?.hasPassword === false) {
    // The speaker would run the session without TCP MD5: say so, where `peers` says "no password".
    return { ...base, status: 'True', message: `Referenced Auth Secret "${ref}" in namespace "${ns}" has no key "password"` };
  }
  if (found) {
    return { ...base, status: 'False', message: `Referenced Auth Secret "${ref}" found in namespace "${ns}"` };
  }
  const elsewhere = [...world.secrets.values()].filter((s) => s.name === ref).map((s) => s.namespace).sort();
  const hint =
    elsewhere.length > 0
      ? ` (namespace "${ns}" is read; a Secret of that name exists in ${elsewhere.map((n) => `"${n}"`).join(', ')})`
      : ` (looked up in namespace "${ns}")`;
  return { ...base, status: 'True', message: `Referenced Auth Secret "${ref}" is missing${hint}` };
}

/** COND-6: the latest version's problems, and whether its last valid version stays in effect (OBJ-5). */
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

/** bgpcast.io/ annotations ignored on a PeerConfig that is otherwise in effect. */
function ignoredAnnotationsCondition(config: PeerConfig): Condition {
  return {
    kind: 'CiliumBGPPeerConfig',
    name: config.meta.name,
    type: CONDITION_TYPES.invalidObject,
    status: 'True',
    reason: 'ValidationFailed',
    message: `${describeIssues(config.ignored)}; ${config.ignored.length === 1 ? 'this annotation is' : 'these annotations are'} ignored, the rest of the object is in effect`,
  };
}

/** COND-7: in the ip-pool mode, each ClusterConfig says whether nodes it owns wait for a router ID the pool does not have. */
function poolConditions(world: WorldView, exhaustedByConfig: ReadonlyMap<string, string[]>): Condition[] {
  if (world.settings.routerIdAllocationMode !== 'ip-pool') return [];
  return [...world.clusterConfigs.values()].map((config) => {
    const keys = (exhaustedByConfig.get(config.meta.name) ?? []).sort();
    const shown = keys.length > 20 ? [...keys.slice(0, 20), `and ${keys.length - 20} more`] : keys;
    return {
      kind: 'CiliumBGPClusterConfig',
      name: config.meta.name,
      type: CONDITION_TYPES.routerIdPoolExhausted,
      status: status(keys.length > 0),
      reason: 'RouterIDPoolExhausted',
      message:
        keys.length > 0
          ? `No router ID left in the pool ${world.settings.routerIdAllocationPool ?? ''} for ${keys.length} node instance(s): ${shown.join(', ')}`
          : '',
    };
  });
}

function nodeConditions(world: WorldView, { owner }: Ownership, exhaustedByConfig: Map<string, string[]>): Condition[] {
  const out: Condition[] = [];
  for (const [node, config] of owner) {
    const { problems, exhausted } = planNode(world, node);
    if (exhausted.length > 0) {
      const list = exhaustedByConfig.get(config.meta.name) ?? [];
      list.push(...exhausted.map((i) => `${node}/${i}`));
      exhaustedByConfig.set(config.meta.name, list);
    }
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

export function computeConditions(world: WorldView): Condition[] {
  const owners = ownership(world);
  const exhausted = new Map<string, string[]>();
  const nodes = nodeConditions(world, owners, exhausted);
  const out: Condition[] = [
    ...[...world.clusterConfigs.values()].flatMap((c) => clusterConfigConditions(world, owners, c)),
    ...poolConditions(world, exhausted),
    ...[...world.peerConfigs.values()].map((c) => peerConfigCondition(world, c)),
    ...[...world.invalid.values()].map((inv) => invalidCondition(world, inv)),
    ...[...world.peerConfigs.values()]
      .filter((c) => c.ignored.length > 0 && !world.invalid.has(objectIdentity('CiliumBGPPeerConfig', null, c.meta.name)))
      .map(ignoredAnnotationsCondition),
    ...nodes,
  ];
  return out.sort(
    (a, b) =>
      cmp(a.kind, b.kind) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name) || cmp(a.type, b.type),
  );
}
