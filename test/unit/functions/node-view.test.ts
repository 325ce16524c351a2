// The incremental road (functions/incremental/desired-cache.ts) held to the definition
// (functions/cilium/desired-node.ts computeDesiredNode): after any sequence of changes folded into a
// world one by one or in batches, as the runner folds them, a node's view
// - materialises to exactly the document computeDesiredNode gives from scratch on a world built
//   fresh from the same objects, sessions part and text included, slot by slot;
// - and its diff from the node's previous view, however many steps back, turns the previous
//   routes into these, each (slot, prefix) once and never a change that changes nothing.
// Views already returned never change.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sessionsOf, slotId, type DesiredRouteChange } from '../../../events/desired-delta.ts';
import type { DesiredNodeState, DesiredRoute } from '../../../events/desired-state.ts';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { DesiredCache, type NodeView } from '../../../functions/incremental/desired-cache.ts';
import { slotRoutes, slotSize } from '../../../functions/incremental/slot-view.ts';
import { worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import { applyChanges } from '../../../functions/store/apply-changes.ts';
import { changeOf, identity, initialArb, NODES, settingsArb, stepArb, type Obj } from './node-view-arbitraries.ts';

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

/** Checks a view against the definition on the cold world; returns the materialised document. */
function checkView(cache: DesiredCache, view: NodeView, cold: WorldView, node: string): DesiredNodeState {
  const doc = cache.document(view);
  const expected = computeDesiredNode(cold, node);
  expect(doc).toStrictEqual(expected);
  expect(JSON.stringify(doc)).toBe(JSON.stringify(expected));
  expect(view.sessions).toStrictEqual(sessionsOf(expected));
  expect(view.sessionsText).toBe(JSON.stringify(sessionsOf(expected)));
  const bySlot = routesBySlot(expected);
  expect(view.slots.map((s) => slotId(s.slot))).toEqual([...bySlot.keys()]);
  for (const slot of view.slots) {
    const id = slotId(slot.slot);
    expect(slotSize(slot)).toBe(bySlot.get(id)!.size);
    expect(new Map([...slotRoutes(slot)].map((r) => [r.prefix, r]))).toEqual(bySlot.get(id));
  }
  return doc;
}

describe('node views', () => {
  it('equal the definition computed from scratch, and diff exactly, after any changes', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(initialArb, settingsArb, fc.array(stepArb, { minLength: 1, maxLength: 12 }), (initial, settings, steps) => {
        const cache = new DesiredCache();
        const objects = new Map<string, Obj>();
        for (const o of initial) objects.set(identity(o), o);
        let world = worldFromObjects(objects.values(), settings);
        const last = new Map<string, { view: NodeView; doc: DesiredNodeState }>();
        for (const node of NODES) {
          const view = cache.view(world, node);
          last.set(node, { view, doc: cache.document(view) });
        }
        const first = new Map([...last].map(([node, { view, doc }]) => [node, { view, json: JSON.stringify(doc) }]));

        for (const step of steps) {
          for (const { obj, del } of step.changes) {
            if (del) objects.delete(identity(obj));
            else objects.set(identity(obj), obj);
          }
          if (step.batched) world = applyChanges(world, step.changes.map(({ obj, del }) => changeOf(obj, del)));
          else for (const { obj, del } of step.changes) world = applyChanges(world, [changeOf(obj, del)]);
          // Every generated object is valid, so a cold world holds the same records.
          expect(world.invalid.size).toBe(0);
          if (!step.compute) continue;
          const cold = worldFromObjects(objects.values(), settings);
          for (const node of NODES) {
            const view = cache.view(world, node);
            const doc = checkView(cache, view, cold, node);
            const prev = last.get(node)!;
            expect(applyDiff(prev.doc, cache.diff(prev.view, view))).toEqual(nonEmpty(routesBySlot(doc)));
            last.set(node, { view, doc });
          }
        }
        for (const [node, { view, json }] of first) expect(JSON.stringify(cache.document(view)), node).toBe(json);
      }),
      { numRuns: 400 },
    );
  });
});
