// Reading the speakers' status documents for `bgpcast peers` / `bgpcast routes`: which nodes to
// show, and whether each one's report can be trusted. Like cilium-cli since cilium-cli#3041, a
// node without a usable report is named on stderr and the other nodes still print.
//
// The nodes: the one given with --node, else every node with a desired document or a speaker
// heartbeat. A node whose desired state has no BGP instance and that no speaker reports for is
// skipped quietly (a control-plane node, say). A report is stale when its heartbeat is older
// than three promised heartbeat intervals; a speaker that stopped on purpose says so.

import type { Redis } from 'ioredis';
import { DESIRED_FIELDS, desiredNodesKey, nodeKeys, speakersKey, STATUS_FIELDS } from '../../events/redis-keys.ts';
import { STALE_AFTER_HEARTBEATS } from '../../events/speaker-status.ts';

export interface RawNodeStatus {
  readonly node: string;
  readonly updatedAt: string | null;
  readonly heartbeatMs: string | null;
  readonly stoppedAt: string | null;
  readonly stoppedHow: string | null;
  /** The requested document field (peers or routes), JSON text. */
  readonly document: string | null;
  /** Whether the node's desired state has at least one instance (null: no desired document). */
  readonly wantsSpeaker: boolean | null;
}

export type NodeVerdict<T> =
  | { readonly node: string; readonly ok: true; readonly document: T }
  | { readonly node: string; readonly ok: false; readonly problem: string }
  | { readonly node: string; readonly ok: 'skip' };

/** Pure: what to make of one node's raw status at `nowMs`. */
export function judgeNode<T>(raw: RawNodeStatus, nowMs: number, parse: (text: string) => T, explicit: boolean): NodeVerdict<T> {
  const { node } = raw;
  if (raw.updatedAt === null) {
    if (raw.wantsSpeaker === true) {
      return { node, ok: false, problem: `node ${node}: no speaker has reported (is \`bgpcast speaker --node ${node}\` running?)` };
    }
    if (explicit) {
      const why = raw.wantsSpeaker === false ? 'no BGP instance is configured for it' : 'no desired state and no speaker';
      return { node, ok: false, problem: `node ${node}: ${why}` };
    }
    return { node, ok: 'skip' };
  }
  const age = nowMs - Date.parse(raw.updatedAt);
  if (raw.stoppedAt !== null) {
    const how = raw.stoppedHow === 'restarting' ? ' for a restart (graceful restart: the routers keep its routes)' : raw.stoppedHow === 'drained' ? ' after draining' : '';
    return { node, ok: false, problem: `node ${node}: the speaker stopped${how} ${ago(nowMs - Date.parse(raw.stoppedAt))} ago` };
  }
  const heartbeat = Number(raw.heartbeatMs ?? 5000) || 5000;
  if (age > STALE_AFTER_HEARTBEATS * heartbeat) {
    return { node, ok: false, problem: `node ${node}: the speaker's report is stale (last heartbeat ${ago(age)} ago, expected every ${ago(heartbeat)})` };
  }
  if (raw.document === null) return { node, ok: false, problem: `node ${node}: the speaker has not written its report yet` };
  try {
    return { node, ok: true, document: parse(raw.document) };
  } catch (e) {
    return { node, ok: false, problem: `node ${node}: unreadable report (${(e as Error).message.split('\n')[0]})` };
  }
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** The nodes to show: `only`, or every node known to the functions or the speakers, sorted. */
export async function listNodes(redis: Redis, prefix: string, only: string | undefined): Promise<string[]> {
  if (only !== undefined) return [only];
  const [desired, speakers] = await Promise.all([redis.smembers(desiredNodesKey(prefix)), redis.zrange(speakersKey(prefix), 0, -1)]);
  return [...new Set([...desired, ...speakers])].sort();
}

export async function readNodeStatus(redis: Redis, prefix: string, node: string, field: 'peers' | 'routes'): Promise<RawNodeStatus> {
  const keys = nodeKeys(prefix, node);
  const [status, desired] = await Promise.all([
    redis.hmget(keys.status, STATUS_FIELDS.updatedAt, STATUS_FIELDS.heartbeatMs, STATUS_FIELDS.stoppedAt, STATUS_FIELDS.stoppedHow, STATUS_FIELDS[field]),
    redis.hget(keys.desired, DESIRED_FIELDS.sessions),
  ]);
  const [updatedAt, heartbeatMs, stoppedAt, stoppedHow, document] = status;
  return {
    node,
    updatedAt: updatedAt ?? null,
    heartbeatMs: heartbeatMs ?? null,
    stoppedAt: stoppedAt ?? null,
    stoppedHow: stoppedHow ?? null,
    document: document ?? null,
    wantsSpeaker: desired == null ? null : hasInstances(desired),
  };
}

/** From the sessions part (the document without its routes): is any BGP instance configured? */
function hasInstances(sessionsText: string): boolean {
  try {
    const d = JSON.parse(sessionsText) as { instances?: unknown[] };
    return Array.isArray(d.instances) && d.instances.length > 0;
  } catch {
    return true;
  }
}

export interface Collected<T> {
  readonly documents: Map<string, T>;
  readonly problems: string[];
}

/** Reads and judges every node to show; the I/O half of the two status commands. */
export async function collectReports<T>(
  redis: Redis,
  prefix: string,
  only: string | undefined,
  field: 'peers' | 'routes',
  parse: (text: string) => T,
  nowMs: () => number,
): Promise<Collected<T>> {
  const nodes = await listNodes(redis, prefix, only);
  const raws = await Promise.all(nodes.map((n) => readNodeStatus(redis, prefix, n, field)));
  const now = nowMs();
  const documents = new Map<string, T>();
  const problems: string[] = [];
  for (const raw of raws) {
    const v = judgeNode(raw, now, parse, only !== undefined);
    if (v.ok === true) documents.set(v.node, v.document);
    else if (v.ok === false) problems.push(v.problem);
  }
  return { documents, problems };
}
