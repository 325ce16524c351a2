// The world a fold of the log holds (log-fold.ts), as the functions see it, and what the pure
// functions compute from it. Pure. The ip-pool router-ID allocator is not run: a replayed world
// holds the RouterIDAllocation objects on the log, no more.
//
// The store keeps an object's latest version only; the runner, folding change by change, keeps the
// last valid version of an object in effect while its latest is invalid (model/world.ts,
// docs/cilium-semantics.md OBJ-5). So a replay notes each object's last valid version as the fold
// goes (ValidVersions) and builds the world from it and the latest: the runner's world, not the
// one a reload of the latest versions alone would give.

import type { DesiredNodeState } from '../../events/desired-state.ts';
import { DesiredCache } from '../incremental/desired-cache.ts';
import { normaliseObject } from '../model/normalise.ts';
import { worldFromObjects, type WorldView } from '../model/world.ts';
import type { Settings } from '../settings.ts';
import { nodesOf } from './world-load.ts';

/** Each object's last valid version, as the fold sets and removes objects (a LogFold observer). */
export class ValidVersions {
  readonly #valid = new Map<string, string>();

  readonly note = (key: string, text: string | undefined): void => {
    if (text === undefined) this.#valid.delete(key);
    else if (normaliseObject(JSON.parse(text) as unknown).status === 'ok') this.#valid.set(key, text);
  };

  get(key: string): string | undefined {
    return this.#valid.get(key);
  }

  copy(): ValidVersions {
    const c = new ValidVersions();
    for (const [k, v] of this.#valid) c.#valid.set(k, v);
    return c;
  }
}

/**
 * The world of the fold's objects (object key → JSON): an object whose latest version is invalid
 * is folded after its last valid one, which stays in effect (without `valid`: the latest alone).
 */
export function worldOfObjects(objects: ReadonlyMap<string, string>, settings: Partial<Settings> = {}, valid?: ValidVersions): WorldView {
  const raws: unknown[] = [];
  for (const [key, text] of objects) {
    const last = valid?.get(key);
    if (last !== undefined && last !== text) raws.push(JSON.parse(last) as unknown);
    raws.push(JSON.parse(text) as unknown);
  }
  return worldFromObjects(raws, settings);
}

/**
 * Every node a document may exist for in the fold's objects, with its desired state: the runner's
 * incremental road (incremental/desired-cache.ts; equal to computeDesiredNode), which computes what
 * the nodes share once. A cache given is reused: worlds that share maps share their work.
 */
export function desiredOfAll(objects: ReadonlyMap<string, string>, world: WorldView, cache = new DesiredCache()): Map<string, DesiredNodeState> {
  return new Map(nodesOf(objects.keys()).map((node) => [node, cache.document(cache.view(world, node))]));
}

/** The prefixes a node's desired state announces to any of its peers. */
export function announcedPrefixes(doc: DesiredNodeState): Set<string> {
  const out = new Set<string>();
  for (const i of doc.instances) for (const p of i.peers) for (const f of p.families) for (const r of f.routes) out.add(r.prefix);
  return out;
}
