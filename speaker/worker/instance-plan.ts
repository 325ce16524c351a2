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
import { EMPTY_RESOLUTION, peerKey, type NodeResolution } from '../node/resolve.ts';

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

/**
 * The instance's peers as the Speaker takes them: passwords resolved from their Secret refs, an
 * auto-discovered peer with the address found on the node, and left out while it has none.
 */
export function speakerPeers(instance: DesiredInstance, passwords: PasswordLookup, resolution: NodeResolution = EMPTY_RESOLUTION): SpeakerPeer[] {
  const out: SpeakerPeer[] = [];
  for (const p of instance.peers) {
    let peerAddress = p.peerAddress;
    if (peerAddress === null) {
      const found = resolution.peers.get(peerKey(instance.name, p.name));
      if (found === undefined || !('address' in found)) continue;
      peerAddress = found.address;
    }
    const ref = p.config.authSecretRef;
    out.push({ ...p, peerAddress, password: ref ? passwords(ref) : null });
  }
  return out;
}

/** The instance as it runs on the node: auto-discovered peers with their address, those without one left out. */
export function resolvedInstance(instance: DesiredInstance, resolution: NodeResolution): DesiredInstance {
  if (instance.peers.every((p) => p.peerAddress !== null)) return instance;
  const peers = instance.peers.flatMap((p) => {
    if (p.peerAddress !== null) return [p];
    const found = resolution.peers.get(peerKey(instance.name, p.name));
    return found !== undefined && 'address' in found ? [{ ...p, peerAddress: found.address }] : [];
  });
  return { ...instance, peers };
}

/** A digest of the passwords in force, by peer, to notice a changed Secret between revisions. */
export function passwordDigest(peers: readonly SpeakerPeer[]): string {
  return createHash('sha256')
    .update(JSON.stringify(peers.map((p) => [p.name, p.password ?? null])))
    .digest('hex');
}
