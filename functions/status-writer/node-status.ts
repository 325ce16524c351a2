// A CiliumBGPNodeConfig's status from its node's speaker report, and its
// cilium.io/BGPReconcileError condition (docs/cilium-semantics.md STAT-1, COND-5; Cilium's
// pkg/bgpv1/manager/reconcilerv2/crd_status.go). A node without a report has no bgpInstances.

import { STALE_AFTER_HEARTBEATS, type PeerReport, type PeersDocument } from '../../events/speaker-status.ts';
import { kubeTime, type ComputedCondition } from './conditions.ts';
import type { NodeConfigSpec } from './node-config-spec.ts';
import { CONDITION_TYPES } from './rules.ts';

/** A node's report as read from Redis, with the heartbeat fields that tell whether it is current. */
export interface SpeakerReport {
  readonly peers: PeersDocument | null;
  readonly updatedAt: string | null;
  readonly heartbeatMs: number | null;
  readonly stoppedAt: string | null;
  /** When it was read (epoch ms): its heartbeat is judged as of then, so a status computed from it does not age. */
  readonly readAtMs: number;
}

/** Cilium's spelling of the session states. */
export const PEERING_STATE: Readonly<Record<string, string>> = {
  idle: 'idle',
  connect: 'connect',
  active: 'active',
  opensent: 'open_sent',
  openconfirm: 'open_confirm',
  established: 'established',
};

export interface RouteCount {
  readonly afi: string;
  readonly safi: string;
  readonly received: number;
  readonly advertised: number;
}

export interface PeerStatus {
  readonly name: string;
  readonly peerAddress: string;
  readonly peerASN?: number;
  readonly peeringState?: string;
  readonly establishedTime?: string;
  readonly timers?: { readonly appliedHoldTimeSeconds: number; readonly appliedKeepaliveSeconds: number };
  readonly routeCount?: readonly RouteCount[];
}

export interface InstanceStatus {
  readonly name: string;
  readonly localASN?: number;
  readonly peers?: readonly PeerStatus[];
}

/** Whether the report described a running speaker when it was read. */
export function isCurrent(report: SpeakerReport): boolean {
  if (report.stoppedAt !== null || report.updatedAt === null) return false;
  const heartbeat = report.heartbeatMs || 5_000;
  return report.readAtMs - Date.parse(report.updatedAt) <= STALE_AFTER_HEARTBEATS * heartbeat;
}

function peerStatus(configured: { name: string; peerAddress: string; peerASN: number }, running: PeerReport | undefined, current: boolean): PeerStatus {
  const base = { name: configured.name, peerAddress: configured.peerAddress };
  if (running === undefined) return { ...base, peerASN: configured.peerASN };
  const peerASN = configured.peerASN === 0 && running.remoteASN !== null ? running.remoteASN : configured.peerASN;
  if (!current) return { ...base, peerASN, peeringState: 'unknown' };
  const established = running.state === 'established' && running.establishedSince !== null;
  const n = running.negotiated;
  return {
    ...base,
    peerASN,
    peeringState: PEERING_STATE[running.state] ?? 'unknown',
    ...(established ? { establishedTime: kubeTime(new Date(running.establishedSince!)) } : {}),
    ...(n ? { timers: { appliedHoldTimeSeconds: n.holdTimeSeconds, appliedKeepaliveSeconds: n.keepAliveTimeSeconds } } : {}),
    ...(running.families.length > 0
      ? { routeCount: running.families.map((f) => ({ afi: f.afi, safi: f.safi, received: f.received, advertised: f.advertised })) }
      : {}),
  };
}

/** status.bgpInstances: the spec's instances the speaker runs (none without a report). */
export function instanceStatuses(spec: NodeConfigSpec, report: SpeakerReport | null): InstanceStatus[] {
  const doc = report?.peers;
  if (!report || !doc) return [];
  const current = isCurrent(report);
  const failed = new Set(doc.errors.map((e) => e.instance));
  const reported = new Set(doc.peers.map((p) => p.instance));
  const out: InstanceStatus[] = [];
  for (const inst of spec.bgpInstances) {
    if (failed.has(inst.name) && !reported.has(inst.name)) continue;
    const peers = (inst.peers ?? [])
      .filter((p): p is typeof p & { peerAddress: string } => p.peerAddress !== undefined)
      .map((p) => {
        const running = doc.peers.find((r) => r.instance === inst.name && r.name === p.name && r.peerAddress === p.peerAddress);
        return peerStatus({ name: p.name, peerAddress: p.peerAddress, peerASN: p.peerASN ?? 0 }, running, current);
      });
    out.push({ name: inst.name, ...(inst.localASN === undefined ? {} : { localASN: inst.localASN }), ...(peers.length > 0 ? { peers } : {}) });
  }
  return out;
}

/** Cilium caps the condition's message at 32 KiB, ending before the line that would pass it. */
const MESSAGE_LIMIT = 32 * 1024;

/**
 * cilium.io/BGPReconcileError from the functions' lines (their condition's message) and the
 * speaker's instance errors, sorted by instance, each source's order kept within one.
 */
export function reconcileErrorCondition(functionsMessage: string | null, report: SpeakerReport | null): ComputedCondition {
  const lines = (functionsMessage ?? '').split('\n').filter((l) => l !== '');
  for (const e of report?.peers?.errors ?? []) lines.push(`${e.instance}: ${e.error}`);
  const instanceOf = (line: string) => line.slice(0, line.indexOf(':'));
  const sorted = lines.map((line, i) => ({ line, i })).sort((a, b) => (instanceOf(a.line) < instanceOf(b.line) ? -1 : instanceOf(a.line) > instanceOf(b.line) ? 1 : a.i - b.i));
  let message = '';
  for (const { line } of sorted) {
    if (Buffer.byteLength(message) + Buffer.byteLength(line) + 1 > MESSAGE_LIMIT) break;
    message += `${line}\n`;
  }
  return { type: CONDITION_TYPES.bgpReconcileError, status: message === '' ? 'False' : 'True', reason: 'BGPReconcileError', message };
}
