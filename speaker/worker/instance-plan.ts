// Planning a node's instances against its desired state (pure). One Speaker runs per desired
// instance; an instance is identified by name, and its local AS, router ID and listening port
// define the speaker: a change of any of them replaces the speaker (every session restarts, as
// when Cilium recreates a BGP instance, docs/cilium-semantics.md INST-6). Everything else is a peer-level change
// that Speaker.setPeers() applies by Cilium's neighbour rules (replace on address/AS change, hard
// reset on timers, in place otherwise — see speaker.ts).
//
// Order, as in Cilium's reconcilers: remove → replace → update → create, and within a speaker the
// routes of a peer are set before its session starts, so the first table ends with End-of-RIB.

import { createHash } from 'node:crypto';
import type { DesiredInstance } from '../../events/desired-state.ts';
import type { SpeakerPeer } from '../speaker.ts';
import type { PasswordLookup } from './secrets.ts';

export function instanceFingerprint(i: Pick<DesiredInstance, 'localASN' | 'routerID' | 'localPort'>): string {
  return `${i.localASN}|${i.routerID}|${i.localPort ?? '-'}`;
}

export interface InstancePlan {
  /** Running instances no longer desired. */
  readonly remove: readonly string[];
  /** Running instances whose AS, router ID or port changed. */
  readonly replace: readonly DesiredInstance[];
  /** Running instances that stay: their peers and routes are reconciled in place. */
  readonly update: readonly DesiredInstance[];
  readonly create: readonly DesiredInstance[];
}

/** `running`: instance name → fingerprint of the speaker that runs it. */
export function planInstances(running: ReadonlyMap<string, string>, desired: readonly DesiredInstance[]): InstancePlan {
  const wanted = new Set(desired.map((i) => i.name));
  const remove = [...running.keys()].filter((name) => !wanted.has(name)).sort();
  const replace: DesiredInstance[] = [];
  const update: DesiredInstance[] = [];
  const create: DesiredInstance[] = [];
  for (const i of desired) {
    const fp = running.get(i.name);
    if (fp === undefined) create.push(i);
    else if (fp !== instanceFingerprint(i)) replace.push(i);
    else update.push(i);
  }
  return { remove, replace, update, create };
}

/** The instance's peers as the Speaker takes them, passwords resolved from their Secret refs. */
export function speakerPeers(instance: DesiredInstance, passwords: PasswordLookup): SpeakerPeer[] {
  return instance.peers.map((p) => {
    const ref = p.config.authSecretRef;
    return { ...p, password: ref ? passwords(ref) : null };
  });
}

/** A digest of the passwords in force, by peer, to notice a changed Secret between revisions. */
export function passwordDigest(peers: readonly SpeakerPeer[]): string {
  return createHash('sha256')
    .update(JSON.stringify(peers.map((p) => [p.name, p.password ?? null])))
    .digest('hex');
}
