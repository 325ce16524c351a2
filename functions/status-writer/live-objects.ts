// The CiliumBGPClusterConfigs, PeerConfigs and NodeConfigs the API server holds, kept current by a
// list-then-watch loop per kind (events/kube/reflector.ts: back-off, 410 → relist), whole objects
// including managedFields, which tell what this writer owns. An answer to one of its own writes
// is taken in at once, so the next round does not see the object as it was before the write.

import type { KubeObject } from '../../events/envelope.ts';
import type { Logger } from '../../events/log.ts';
import type { KubeApi } from '../../events/kube/api.ts';
import { sleep } from '../../events/kube/backoff.ts';
import { runReflector } from '../../events/kube/reflector.ts';
import { collectionPath, servedVersion, watchedKinds, type WatchedKind } from '../../events/kube/watched-kinds.ts';
import { KINDS, type LiveObject, type LiveObjects, type WrittenKind } from './live.ts';

const byKind = (kind: string): WatchedKind => {
  const found = watchedKinds.find((k) => k.kind === kind);
  if (!found) throw new Error(`${kind} is not a watched kind`);
  return found;
};

/** CiliumBGPNodeConfig: a kind bgpcast writes, never consumes (so not one of events/kinds.ts). */
export const NODE_CONFIG_KIND: WatchedKind = {
  kind: KINDS.nodeConfig,
  group: 'cilium.io',
  versions: ['v2', 'v2alpha1'],
  namespaced: false,
  plural: 'ciliumbgpnodeconfigs',
  crd: true,
  preferred: ['v2', 'v2alpha1'],
};

export const WRITTEN_KINDS: Readonly<Record<WrittenKind, WatchedKind>> = {
  [KINDS.clusterConfig]: byKind(KINDS.clusterConfig),
  [KINDS.peerConfig]: byKind(KINDS.peerConfig),
  [KINDS.nodeConfig]: NODE_CONFIG_KIND,
};

/** The version the three kinds are all served under (v2 preferred); waits until the CRDs are there. */
export async function discoverVersion(api: KubeApi, log: Logger, signal: AbortSignal, retryMs = 10_000): Promise<string | undefined> {
  let said = false;
  while (!signal.aborted) {
    try {
      const cache = new Map();
      const versions = await Promise.all(Object.values(WRITTEN_KINDS).map((k) => servedVersion(api, k, cache)));
      const common = NODE_CONFIG_KIND.preferred.find((v) => versions.every((served) => served === v));
      if (common) return common;
      if (!said) log.warn({ served: versions }, 'the CiliumBGP CRDs are not all served under one version yet; waiting');
    } catch (e) {
      if (!said) log.warn({ err: (e as Error).message }, 'discovery failed; retrying');
    }
    said = true;
    await sleep(retryMs, signal);
  }
  return undefined;
}

/** Whether resourceVersion `a` is older than `b` (both etcd revisions; anything else: not older). */
function older(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

export class LiveObjectCache implements LiveObjects {
  readonly clusterConfigs = new Map<string, LiveObject>();
  readonly peerConfigs = new Map<string, LiveObject>();
  readonly nodeConfigs = new Map<string, LiveObject>();
  private readonly listed = new Set<WrittenKind>();
  private readonly onChange: (kind: WrittenKind, names: readonly string[]) => void;

  /** `onChange` is told of every object that changed, by kind and name (a listing names all). */
  constructor(onChange: (kind: WrittenKind, names: readonly string[]) => void) {
    this.onChange = onChange;
  }

  map(kind: WrittenKind): Map<string, LiveObject> {
    return kind === KINDS.clusterConfig ? this.clusterConfigs : kind === KINDS.peerConfig ? this.peerConfigs : this.nodeConfigs;
  }

  /** Every kind listed at least once. */
  get synced(): boolean {
    return this.listed.size === Object.keys(WRITTEN_KINDS).length;
  }

  /** The object as a write answered it, unless a newer version is already here. */
  take(kind: WrittenKind, object: LiveObject): void {
    const map = this.map(kind);
    const have = map.get(object.metadata.name);
    if (have && have.metadata.uid === object.metadata.uid && older(object.metadata.resourceVersion, have.metadata.resourceVersion)) return;
    map.set(object.metadata.name, object);
  }

  forget(kind: WrittenKind, name: string, uid: string): void {
    const map = this.map(kind);
    if (map.get(name)?.metadata.uid === uid) map.delete(name);
  }

  /** Lists and watches the three kinds until the signal aborts (a CRD removed: again once it is back). */
  run(api: KubeApi, version: string, log: Logger, signal: AbortSignal): Promise<unknown> {
    return Promise.all((Object.keys(WRITTEN_KINDS) as WrittenKind[]).map((kind) => this.reflect(kind, api, version, log, signal)));
  }

  private async reflect(kind: WrittenKind, api: KubeApi, version: string, log: Logger, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const end = await runReflector<LiveObject>(
        { api, kind: WRITTEN_KINDS[kind], version, log },
        {
          keep: (o: KubeObject) => o as unknown as LiveObject,
          onListed: (items) => {
            const map = this.map(kind);
            const names = new Set([...map.keys(), ...items.map((i) => i.metadata.name)]);
            map.clear();
            for (const item of items) map.set(item.metadata.name, item);
            this.listed.add(kind);
            this.onChange(kind, [...names]);
          },
          onEvent: (type, o) => {
            const object = o as unknown as LiveObject;
            if (type === 'DELETED') this.forget(kind, object.metadata.name, object.metadata.uid);
            else this.take(kind, object);
            this.onChange(kind, [object.metadata.name]);
          },
        },
        signal,
      );
      if (end === 'stopped') return;
      await sleep(10_000, signal);
    }
  }
}

/** /apis/cilium.io/<version>/<plural>/<name>, and /status. */
export function objectPath(kind: WrittenKind, version: string, name: string, status = false): string {
  return `${collectionPath(WRITTEN_KINDS[kind], version)}/${encodeURIComponent(name)}${status ? '/status' : ''}`;
}
