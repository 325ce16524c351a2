// Everything the status writer would write, as a pure function of what it reads: the world (the
// functions' view in Redis), the conditions document, the speakers' reports and the objects the
// API server holds. Each write carries the digest of what it applies and of what this writer owns
// of the object today (server-side apply's managedFields), so the caller can skip writes that
// would change nothing. The caller decides when to write (change detection, the per-node
// cadence); this module only says what.

import { fieldsDigest, ownedByApply, withoutIdentity } from '../../events/kube/managed-fields.ts';
import { conditionsOf, resolveConditions, type ComputedCondition } from './conditions.ts';
import { KINDS, STATUS_WRITER_MANAGER, type KubeCondition, type LiveObject, type LiveObjects, type WrittenKind } from './live.ts';
import { planNodeConfigs, type NodeConfigAction } from './node-config-plan.ts';
import { desiredNodeConfigs, type NodeConfigSpec } from './node-config-spec.ts';
import { instanceStatuses, reconcileErrorCondition, type SpeakerReport } from './node-status.ts';
import { CONDITION_TYPES, objectIdentity, ownership, type Condition, type WorldView } from './rules.ts';

export interface StatusWriterInputs {
  readonly world: WorldView;
  /** The functions' conditions document; null until they wrote one. */
  readonly conditions: readonly Condition[] | null;
  readonly reports: ReadonlyMap<string, SpeakerReport>;
  readonly live: LiveObjects;
  /** Cilium's enable-bgp-control-plane-status-report: false clears what was written. */
  readonly statusReport: boolean;
  readonly now: Date;
  /** The version the BGP kinds are served under, e.g. cilium.io/v2. */
  readonly apiVersion: string;
}

interface WriteBase {
  readonly kind: WrittenKind;
  readonly name: string;
  /** kind/name, and /status for a status write: what change detection remembers a digest by. */
  readonly key: string;
  /** The live object's UID (null: it does not exist yet). */
  readonly uid: string | null;
}

/** A server-side apply of the object, or of its status subresource. */
export interface ApplyWrite extends WriteBase {
  readonly op: 'apply' | 'apply-status';
  readonly body: Record<string, unknown>;
  /** Of what the body applies (fieldsDigest). */
  readonly digest: string;
  /** Of what this writer owns of the live object now; null when there is no object. */
  readonly liveDigest: string | null;
  /** The node of a NodeConfig write (its status is rate-limited per node). */
  readonly node: string | null;
}

export interface DeleteWrite extends WriteBase {
  readonly op: 'delete';
  readonly uid: string;
  readonly why: string;
}

export type Write = ApplyWrite | DeleteWrite;

export interface StatusPlan {
  readonly writes: readonly Write[];
  /** Nodes whose NodeConfig another ClusterConfig holds: left alone. */
  readonly conflicts: readonly Extract<NodeConfigAction, { type: 'conflict' }>[];
}

const STATUS = '/status';

function applyWrite(kind: WrittenKind, name: string, live: LiveObject | null, body: Record<string, unknown>, status: boolean, node: string | null): Write {
  return {
    kind,
    name,
    key: `${kind}/${name}${status ? STATUS : ''}`,
    uid: live?.metadata.uid ?? null,
    op: status ? 'apply-status' : 'apply',
    body,
    digest: fieldsDigest(withoutIdentity(body)),
    liveDigest: live === null ? null : fieldsDigest(ownedByApply(live, STATUS_WRITER_MANAGER, status ? 'status' : '')),
    node,
  };
}

/** The conditions this writer applied to the object before (with their transition times). */
function ownConditions(live: LiveObject): KubeCondition[] {
  const owned = ownedByApply(live, STATUS_WRITER_MANAGER, 'status') as { status?: { conditions?: KubeCondition[] } };
  return owned.status?.conditions ?? [];
}

/**
 * An apply of the status subresource. Without fields it carries no `status` at all: server-side
 * apply then removes every status field this writer owned and leaves the others' (an empty
 * `status: {}` would leave a null status, which the schema refuses).
 */
const statusBody = (apiVersion: string, kind: WrittenKind, name: string, status: Record<string, unknown>) =>
  Object.keys(status).length === 0 ? { apiVersion, kind, metadata: { name } } : { apiVersion, kind, metadata: { name }, status };

function configConditions(inputs: StatusWriterInputs, kind: WrittenKind, live: LiveObject): ComputedCondition[] | null {
  const { world, conditions } = inputs;
  const name = live.metadata.name;
  const record = kind === KINDS.clusterConfig ? world.clusterConfigs.get(name) : world.peerConfigs.get(name);
  const invalid = world.invalid.has(objectIdentity(kind as 'CiliumBGPClusterConfig', null, name));
  // Not in the world yet (or any more): the watcher has not delivered it; nothing to say about it.
  if (conditions === null || (record === undefined && !invalid)) return null;
  const recordGeneration = record?.meta.generation ?? live.metadata.generation;
  return conditionsOf(conditions, kind, name).map((c) => ({
    ...c,
    observedGeneration: c.type === CONDITION_TYPES.invalidObject ? live.metadata.generation : recordGeneration,
  }));
}

function configStatusWrites(inputs: StatusWriterInputs, kind: WrittenKind, objects: ReadonlyMap<string, LiveObject>): Write[] {
  const out: Write[] = [];
  for (const live of objects.values()) {
    const name = live.metadata.name;
    if (!inputs.statusReport) {
      out.push(applyWrite(kind, name, live, statusBody(inputs.apiVersion, kind, name, {}), true, null));
      continue;
    }
    const computed = configConditions(inputs, kind, live);
    if (computed === null) continue;
    const generation = (kind === KINDS.clusterConfig ? inputs.world.clusterConfigs.get(name) : inputs.world.peerConfigs.get(name))?.meta.generation ?? live.metadata.generation;
    const conditions = resolveConditions(computed, ownConditions(live), inputs.now, generation ?? undefined);
    out.push(applyWrite(kind, name, live, statusBody(inputs.apiVersion, kind, name, conditions.length > 0 ? { conditions } : {}), true, null));
  }
  return out;
}

function nodeStatusBody(inputs: StatusWriterInputs, node: string, spec: NodeConfigSpec, live: LiveObject): Record<string, unknown> {
  const report = inputs.reports.get(node) ?? null;
  const bgpInstances = instanceStatuses(spec, report);
  const fromFunctions = inputs.conditions?.find((c) => c.kind === KINDS.nodeConfig && c.name === node && c.type === CONDITION_TYPES.bgpReconcileError);
  const condition = reconcileErrorCondition(fromFunctions?.message ?? null, report);
  const conditions = resolveConditions([condition], ownConditions(live), inputs.now, live.metadata.generation);
  return { ...(bgpInstances.length > 0 ? { bgpInstances } : {}), conditions };
}

export function planStatusWrites(inputs: StatusWriterInputs): StatusPlan {
  const { live, apiVersion } = inputs;
  const own = ownership(inputs.world);
  const actions = planNodeConfigs({
    desired: desiredNodeConfigs(inputs.world, own),
    selected: own.selected,
    liveClusterConfigs: live.clusterConfigs,
    liveNodeConfigs: live.nodeConfigs,
    apiVersion,
  });
  const writes: Write[] = [];
  const statuses: Write[] = [];
  const conflicts: Extract<NodeConfigAction, { type: 'conflict' }>[] = [];
  for (const a of actions) {
    if (a.type === 'conflict') {
      conflicts.push(a);
    } else if (a.type === 'delete') {
      writes.push({ kind: KINDS.nodeConfig, name: a.node, key: `${KINDS.nodeConfig}/${a.node}`, op: 'delete', uid: a.uid, why: a.why });
    } else {
      const body = { apiVersion, kind: KINDS.nodeConfig, metadata: { name: a.node, ownerReferences: [a.owner] }, spec: a.spec };
      writes.push(applyWrite(KINDS.nodeConfig, a.node, a.live, body, false, a.node));
      if (a.live !== null && inputs.statusReport) {
        statuses.push(applyWrite(KINDS.nodeConfig, a.node, a.live, statusBody(apiVersion, KINDS.nodeConfig, a.node, nodeStatusBody(inputs, a.node, a.spec, a.live)), true, a.node));
      }
    }
  }
  if (!inputs.statusReport) {
    for (const nc of live.nodeConfigs.values()) {
      statuses.push(applyWrite(KINDS.nodeConfig, nc.metadata.name, nc, statusBody(apiVersion, KINDS.nodeConfig, nc.metadata.name, {}), true, nc.metadata.name));
    }
  }
  return {
    writes: [...writes, ...statuses, ...configStatusWrites(inputs, KINDS.clusterConfig, live.clusterConfigs), ...configStatusWrites(inputs, KINDS.peerConfig, live.peerConfigs)],
    conflicts,
  };
}

/**
 * Change detection: write when what would be applied differs from what was last written to this
 * object (no read needed), or — when `verify` (a resync, or the object changed under us) — from
 * what this writer owns of the object as the API server holds it now.
 */
export function needsWrite(w: Write, lastWritten: { readonly uid: string | null; readonly digest: string } | undefined, verify: boolean): boolean {
  if (w.op === 'delete') return true;
  if (verify || lastWritten === undefined || lastWritten.uid !== w.uid) return w.digest !== w.liveDigest;
  return w.digest !== lastWritten.digest;
}
