// Node views (functions/desired/node-view.ts) as the writer uses them: after any sequence of
// changes folded into a world incrementally, a node's view
// - materialises to exactly the document a cold world (built fresh from the same objects, so no
//   cache can be derived from anything) gives, sessions part and text included;
// - holds in every slot exactly the routes the definition gives: every candidate of every route
//   source merged per prefix (the oracle below, written against the route rules, not the caches);
// - and diffViews from the node's previous view, however many steps back, turns the previous
//   routes into these, each (slot, prefix) once and never a change that changes nothing.
// Views already returned never change.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sessionsOf, slotId, type DesiredRouteChange } from '../../../events/desired-delta.ts';
import type { DesiredNodeState, DesiredRoute } from '../../../events/desired-state.ts';
import { selectedEntries } from '../../../functions/cilium/advertisement-selection.ts';
import type { RouteCandidate } from '../../../functions/cilium/candidates.ts';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { planNode } from '../../../functions/cilium/instances.ts';
import { computeNodeView, diffViews, materialiseView, slotRoutes, slotSize, type NodeView } from '../../../functions/incremental/node-view.ts';
import { podCIDRRoutes } from '../../../functions/cilium/pod-cidr-routes.ts';
import { podIPPoolRoutes } from '../../../functions/cilium/pod-ip-pool-routes.ts';
import { mergeRoutes } from '../../../functions/cilium/route-merge.ts';
import { SERVICE_NAME_SELECTOR_LABEL, SERVICE_NAMESPACE_SELECTOR_LABEL, type ServiceFacts } from '../../../functions/incremental/service-index.ts';
import { serviceCandidates } from '../../../functions/cilium/service-routes.ts';
import { parseIp, type IpAddress } from '../../../events/ip.ts';
import { mapKey } from '../../../functions/model/normalise.ts';
import { applyObject, deleteObject, worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import { applyChanges } from '../../../functions/store/apply-changes.ts';
import { changeOf, identity, initialArb, NODES, settingsArb, stepArb, type Obj } from './node-view-arbitraries.ts';

// --- the oracle ------------------------------------------------------------------------------------

const ips = (texts: readonly string[]) => texts.map(parseIp).filter((ip): ip is IpAddress => ip !== null);

/** Every Service's facts, straight from the world's maps. */
function facts(world: WorldView): ServiceFacts[] {
  return [...world.services.values()].map((service) => {
    const slices = [...world.endpointSlices.values()].filter(
      (s) => s.serviceName !== null && mapKey(s.meta.namespace, s.serviceName) === mapKey(service.meta.namespace, service.meta.name),
    );
    const ready = slices.flatMap((s) => s.endpoints).filter((e) => e.ready);
    return {
      service,
      labels: { ...service.meta.labels, [SERVICE_NAME_SELECTOR_LABEL]: service.meta.name, [SERVICE_NAMESPACE_SELECTOR_LABEL]: service.meta.namespace ?? '' },
      clusterIPs: ips(service.clusterIPs),
      externalIPs: ips(service.externalIPs),
      loadBalancerIPs: ips(service.loadBalancerIPs),
      readyEndpoints: ready.length,
      readyNodes: new Set(ready.flatMap((e) => (e.nodeName === null ? [] : [e.nodeName]))),
    };
  });
}

/** slotId → the slot's routes: every candidate of the slot's entries, merged per prefix. */
function oracle(world: WorldView, node: string): Map<string, DesiredRoute[]> {
  const out = new Map<string, DesiredRoute[]>();
  const services = facts(world);
  for (const inst of planNode(world, node).instances) {
    for (const peer of inst.peers) {
      for (const [afi, family] of [['ipv4', 4], ['ipv6', 6]] as const) {
        const listed = peer.settings.families.filter((f) => f.afi === afi && f.safi === 'unicast');
        if (listed.length === 0) continue;
        const entries = listed.flatMap((f) => selectedEntries(world, f.advertisements));
        const ctx = { world, node, family, entries };
        const all: RouteCandidate[] = [...podCIDRRoutes(ctx), ...podIPPoolRoutes(ctx)];
        for (const entry of entries) {
          if (entry.type !== 'Service') continue;
          for (const f of services) {
            const found = serviceCandidates(f, entry, family, world.settings);
            if (found === null) continue;
            all.push(...found.everyNode);
            if (found.onlyFrom.has(node)) all.push(...found.local);
          }
        }
        out.set(slotId({ instance: inst.name, peer: peer.name, afi }), mergeRoutes(all));
      }
    }
  }
  return out;
}

// --- reading documents by slot ---------------------------------------------------------------------

function routesBySlot(doc: DesiredNodeState): Map<string, Map<string, DesiredRoute>> {
  const out = new Map<string, Map<string, DesiredRoute>>();
  for (const inst of doc.instances) {
    for (const peer of inst.peers) {
      for (const fam of peer.families) {
        out.set(slotId({ instance: inst.name, peer: peer.name, afi: fam.afi }), new Map(fam.routes.map((r) => [r.prefix, r])));
      }
    }
  }
  return out;
}

/** prev's routes with the changes applied, checking each is a real change, and made once. */
function applyDiff(prev: DesiredNodeState, changes: readonly DesiredRouteChange[]): Map<string, Map<string, DesiredRoute>> {
  const slots = routesBySlot(prev);
  const seen = new Set<string>();
  for (const c of changes) {
    const id = slotId(c);
    const key = JSON.stringify([id, c.prefix]);
    expect(seen.has(key), `${key} changed twice`).toBe(false);
    seen.add(key);
    let routes = slots.get(id);
    if (routes === undefined) slots.set(id, (routes = new Map()));
    const before = routes.get(c.prefix);
    if (c.route === null) {
      expect(before, `withdraws ${key}, which was not there`).toBeDefined();
      routes.delete(c.prefix);
    } else {
      expect(c.route.prefix).toBe(c.prefix);
      expect(before, `re-sends ${key} unchanged`).not.toEqual(c.route);
      routes.set(c.prefix, c.route);
    }
  }
  for (const [id, routes] of slots) if (routes.size === 0) slots.delete(id);
  return slots;
}

const nonEmpty = (slots: Map<string, Map<string, DesiredRoute>>) => new Map([...slots].filter(([, routes]) => routes.size > 0));

/** Checks a view against the cold world's document and the oracle; returns the materialised document. */
function checkView(view: NodeView, cold: WorldView, node: string): DesiredNodeState {
  const doc = materialiseView(view);
  const expected = computeDesiredNode(cold, node);
  expect(doc).toStrictEqual(expected);
  expect(view.sessions).toStrictEqual(sessionsOf(expected));
  expect(view.sessionsText).toBe(JSON.stringify(sessionsOf(expected)));
  const reference = oracle(cold, node);
  const bySlot = routesBySlot(doc);
  expect(view.slots.map((s) => slotId(s.slot))).toEqual([...bySlot.keys()]);
  for (const slot of view.slots) {
    const id = slotId(slot.slot);
    expect([...bySlot.get(id)!.values()]).toEqual(reference.get(id));
    expect(slotSize(slot)).toBe(bySlot.get(id)!.size);
    expect(new Map([...slotRoutes(slot)].map((r) => [r.prefix, r]))).toEqual(bySlot.get(id));
  }
  return doc;
}

describe('node views', () => {
  it('equal a cold computation and the route definition, and diff exactly, after any changes', () => {
    fc.assert(
      fc.property(initialArb, settingsArb, fc.array(stepArb, { minLength: 1, maxLength: 12 }), (initial, settings, steps) => {
        const objects = new Map<string, Obj>();
        for (const o of initial) objects.set(identity(o), o);
        let world = worldFromObjects(objects.values(), settings);
        const last = new Map<string, { view: NodeView; doc: DesiredNodeState }>();
        for (const node of NODES) {
          const view = computeNodeView(world, node);
          last.set(node, { view, doc: materialiseView(view) });
        }
        const first = new Map([...last].map(([node, { view, doc }]) => [node, { view, json: JSON.stringify(doc) }]));

        for (const step of steps) {
          for (const { obj, del } of step.changes) {
            if (del) objects.delete(identity(obj));
            else objects.set(identity(obj), obj);
          }
          if (step.batched) {
            world = applyChanges(world, step.changes.map(({ obj, del }) => changeOf(obj, del)));
          } else {
            for (const { obj, del } of step.changes) {
              const { ref } = changeOf(obj, del);
              world = del ? deleteObject(world, ref) : applyObject(world, obj).world;
            }
          }
          // Every generated object is valid, so a cold world holds the same records.
          expect(world.invalid.size).toBe(0);
          if (!step.compute) continue;
          const cold = worldFromObjects(objects.values(), settings);
          for (const node of NODES) {
            const view = computeNodeView(world, node);
            const doc = checkView(view, cold, node);
            const prev = last.get(node)!;
            expect(applyDiff(prev.doc, diffViews(prev.view, view))).toEqual(nonEmpty(routesBySlot(doc)));
            last.set(node, { view, doc });
          }
        }
        for (const [node, { view, json }] of first) expect(JSON.stringify(materialiseView(view)), node).toBe(json);
      }),
      { numRuns: 400 },
    );
  });
});
