// The world a fold of the log holds (log-fold.ts), as the functions see it, and what the pure
// functions compute from it. Pure. The ip-pool router-ID allocator is not run: a replayed world
// holds the RouterIDAllocation objects on the log, no more.
// The fold keeps each object's version in effect and, beside it, an invalid latest version
// (docs/cilium-semantics.md OBJ-5), as the store does, so the replayed world is the runner's.

import type { DesiredNodeState } from '../../events/desired-state.ts';
import { DesiredCache } from '../incremental/desired-cache.ts';
import { worldFromObjects, type WorldView } from '../model/world.ts';
import type { Settings } from '../settings.ts';
import { nodesOf, objectKeysOf, type FoldedObjects } from './world-load.ts';

/** The world of the fold's objects: the versions in effect, then the invalid latest ones beside them. */
export function worldOfObjects(folded: FoldedObjects, settings: Partial<Settings> = {}): WorldView {
  const texts = [...folded.objects.values(), ...folded.invalidObjects.values()];
  return worldFromObjects(texts.map((text) => JSON.parse(text) as unknown), settings);
}

/**
 * Every node a document may exist for in the fold's objects, with its desired state: the runner's
 * incremental road (incremental/desired-cache.ts; equal to computeDesiredNode), which computes what
 * the nodes share once. A cache given is reused: worlds that share maps share their work.
 */
export function desiredOfAll(folded: FoldedObjects, world: WorldView, cache = new DesiredCache()): Map<string, DesiredNodeState> {
  return new Map(nodesOf(objectKeysOf(folded)).map((node) => [node, cache.document(cache.view(world, node))]));
}

/** The prefixes a node's desired state announces to any of its peers. */
export function announcedPrefixes(doc: DesiredNodeState): Set<string> {
  const out = new Set<string>();
  for (const i of doc.instances) for (const p of i.peers) for (const f of p.families) for (const r of f.routes) out.add(r.prefix);
  return out;
}
