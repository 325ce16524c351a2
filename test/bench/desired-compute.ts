// Pure desired-state micro-benchmark: prints figures, asserts nothing. `node test/bench/desired-compute.ts`
//
// The desired state of 100 nodes × 10,000 Services (half externalTrafficPolicy Cluster, half
// Local, each with an EndpointSlice on two nodes), the world of test/bench/functions.ts, without
// Kafka or Redis. Changes are folded as the runner folds them (applyChanges). Baseline, the
// definition: computeDesiredNode (functions/cilium/desired-node.ts) from scratch, one node. Then the
// runner's road, a DesiredCache (functions/incremental/), each node's whole document:
//   cold        every node of a fresh cache (its per-world indexes built on the first node);
//   warm        every node again, same world;
//   node change one node right after a Node label change (median of 7 changes);
//   svc change  one node, and then all nodes, right after a Service change (median of 7).
// Then the views a writer keeps per node to write only changes:
//   views, node change  DesiredCache.view + diff for the changed node (median of 7);
//   views, svc change   DesiredCache.view + diff for all nodes after an eTP=Cluster Service's
//                       LoadBalancer IP moved, so every node changes (median of 7); and the same
//                       from scratch (fresh maps, nothing derived: caches rebuilt, bases compared
//                       route by route) for comparison.

import { computeDesiredNode } from '../../functions/cilium/desired-node.ts';
import { DesiredCache, type NodeView } from '../../functions/incremental/desired-cache.ts';
import { worldFromObjects, type WorldView } from '../../functions/model/world.ts';
import { applyChanges } from '../../functions/store/apply-changes.ts';
import { config, node, nodeName, service, slice } from './support/bench-cluster.ts';

type Obj = Record<string, unknown>;
const NODES = 100;
const SERVICES = 10_000;
const say = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const objects: Obj[] = [...config];
for (let j = 0; j < NODES; j++) objects.push(node(j));
for (let i = 0; i < SERVICES; i++) objects.push(service(i), slice(i, NODES));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
/** One object folded as the runner folds a batch: the new map records where it came from. */
const apply = (w: WorldView, obj: Obj): WorldView => {
  const meta = obj['metadata'] as { name: string; namespace?: string };
  return applyChanges(w, [{ ref: { kind: obj['kind'] as string, namespace: meta.namespace ?? null, name: meta.name }, raw: obj }]);
};
const cache = new DesiredCache();
const documentOf = (w: WorldView, name: string) => cache.document(cache.view(w, name));
const allNodes = (w: WorldView) => {
  let routes = 0;
  for (let j = 0; j < NODES; j++) routes += documentOf(w, nodeName(j)).instances[0]?.peers[0]?.families[0]?.routes.length ?? 0;
  return routes;
};

let world = worldFromObjects(objects);
say(`desired-compute: ${NODES} nodes × ${fmt(SERVICES, 0)} Services (half eTP=Local)`);
const cold = time(() => allNodes(world));
say(`  cold        all nodes ${fmt(cold)} ms  (${fmt(cold / NODES)} ms/node)`);
const warm = time(() => allNodes(world));
say(`  warm        all nodes ${fmt(warm)} ms  (${fmt(warm / NODES)} ms/node)`);

const nodeSamples: number[] = [];
for (let k = 1; k <= 7; k++) {
  world = apply(world, node(k, k));
  nodeSamples.push(time(() => documentOf(world, nodeName(k))));
  allNodes(world);
}
say(`  node change one node ${fmt(median(nodeSamples))} ms  (median of 7)`);

const svcOne: number[] = [];
const svcAll: number[] = [];
for (let k = 1; k <= 7; k++) {
  world = apply(world, service(k, '172.30'));
  svcOne.push(time(() => documentOf(world, nodeName(0))));
  svcAll.push(time(() => allNodes(world)));
}
say(`  svc change  one node ${fmt(median(svcOne))} ms, then all nodes ${fmt(median(svcAll))} ms (${fmt(median(svcAll) / NODES)} ms/node)  (median of 7)`);

// --- views ---------------------------------------------------------------------------------------

const views = new Map<string, NodeView>();
for (let j = 0; j < NODES; j++) views.set(nodeName(j), cache.view(world, nodeName(j)));
const refresh = (w: WorldView, name: string): number => {
  const next = cache.view(w, name);
  const changes = cache.diff(views.get(name)!, next).length;
  views.set(name, next);
  return changes;
};

const viewNode: number[] = [];
for (let k = 1; k <= 7; k++) {
  world = apply(world, node(k, k + 10));
  viewNode.push(time(() => refresh(world, nodeName(k))));
  for (let j = 0; j < NODES; j++) refresh(world, nodeName(j));
}
say(`  views, node change                  view + diff, that node ${fmt(median(viewNode), 3)} ms  (median of 7)`);

// Even-numbered Services are externalTrafficPolicy=Cluster: every node advertises their VIP.
const viewSvc: number[] = [];
let changes = 0;
for (let k = 1; k <= 7; k++) {
  world = apply(world, service(2 * k, '172.31'));
  viewSvc.push(
    time(() => {
      changes = 0;
      for (let j = 0; j < NODES; j++) changes += refresh(world, nodeName(j));
    }),
  );
}
say(`  views, svc change                   view + diff, all nodes ${fmt(median(viewSvc))} ms  (${fmt(changes / NODES, 0)} route changes/node; median of 7)`);

// The same on worlds that share no derivation with the views' (fresh maps): every cache rebuilt,
// bases compared route by route. What any Service change costs without the derivation.
const coldSvc: number[] = [];
for (let k = 8; k <= 10; k++) {
  world = apply(world, service(2 * k, '172.31'));
  const cold = { ...world, services: new Map(world.services), endpointSlices: new Map(world.endpointSlices) };
  coldSvc.push(
    time(() => {
      for (let j = 0; j < NODES; j++) refresh(cold, nodeName(j));
    }),
  );
}
say(`  views, svc change from scratch (no derivation)  all nodes ${fmt(median(coldSvc))} ms  (median of 3)`);

// Last, so that its garbage does not weigh on the figures above.
const definition: number[] = [];
for (let k = 0; k < 3; k++) definition.push(time(() => computeDesiredNode(world, nodeName(k))));
say(`  baseline    computeDesiredNode from scratch (the definition), one node ${fmt(median(definition))} ms  (median of 3)`);
