// The fan-out of a window of changes. The property that matters: another instance may have
// written a node's document from any world along the window, including versions the window does
// not show, so every node whose desired state differs between ANY intermediate world and the end
// must be listed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeDesiredNode } from '../../../functions/cilium/desired-node.ts';
import { affectedNodes } from '../../../functions/runner/affected-nodes.ts';
import { applyObject, deleteObject, emptyWorld, worldFromObjects, type WorldView } from '../../../functions/model/world.ts';
import { allNodes, dirtyTargets, mergeDirty } from '../../../functions/runner/dirty.ts';
import type { WorldChange } from '../../../functions/store/apply-changes.ts';
import { changes, NODES } from './changes-arbitrary.ts';
import { node, service, simpleCluster } from '../functions/builders.ts';

/** The worlds along a sequence of changes, first and last included. */
function walk(start: WorldView, list: readonly WorldChange[]): WorldView[] {
  const worlds = [start];
  let w = start;
  for (const c of list) {
    w = c.raw === null ? deleteObject(w, c.ref) : applyObject(w, c.raw).world;
    worlds.push(w);
  }
  return worlds;
}

const doc = (w: WorldView, n: string) => JSON.stringify(computeDesiredNode(w, n));

describe('dirtyTargets', () => {
  it('lists every node whose state at the end differs from its state at any world along the window', () => {
    fc.assert(
      fc.property(changes(10), changes(8), (setup, window) => {
        const [start] = walk(emptyWorld(), setup).slice(-1);
        const worlds = walk(start!, window);
        const end = worlds[worlds.length - 1]!;
        const dirty = dirtyTargets(start!, end, window.map((c) => c.ref));
        for (const w of worlds) {
          for (const n of NODES) {
            if (doc(w, n) !== doc(end, n)) expect(dirty.nodes.has(n), `node ${n}`).toBe(true);
          }
        }
        expect(dirty.conditions).toBe(window.length > 0);
      }),
      { numRuns: 400 },
    );
  });

  it('a ClusterConfig changed and changed back lists the nodes its hidden version selected', () => {
    const bgpOnly = simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } });
    const start = worldFromObjects([node('w1', { bgp: 'true' }, { ips: ['172.16.1.1'] }), node('cp', {}, { ips: ['172.16.0.1'] }), bgpOnly]);
    const window = [
      { ref: { kind: 'CiliumBGPClusterConfig', name: 'c' }, raw: simpleCluster('c') },
      { ref: { kind: 'CiliumBGPClusterConfig', name: 'c' }, raw: bgpOnly },
    ];
    const worlds = walk(start, window);
    // Another instance may have written cp's document from the middle world.
    expect(doc(worlds[1]!, 'cp')).not.toBe(doc(worlds[2]!, 'cp'));
    expect(dirtyTargets(start, worlds[2]!, window.map((c) => c.ref)).nodes.has('cp')).toBe(true);
  });

  it('is a superset of affectedNodes applied change by change', () => {
    fc.assert(
      fc.property(changes(10), changes(8), (setup, window) => {
        const [start] = walk(emptyWorld(), setup).slice(-1);
        const worlds = walk(start!, window);
        const dirty = dirtyTargets(start!, worlds[worlds.length - 1]!, window.map((c) => c.ref));
        window.forEach((c, i) => {
          for (const n of affectedNodes(worlds[i]!, worlds[i + 1]!, c.ref)) expect(dirty.nodes.has(n)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('a Service change lists the BGP nodes only; a ClusterConfig change lists every node', () => {
    const w = worldFromObjects([
      node('w1', { bgp: 'true' }),
      node('cp'),
      simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } } }),
    ]);
    const after = applyObject(w, service('s', { clusterIPs: ['10.96.0.1'] })).world;
    expect([...dirtyTargets(w, after, [{ kind: 'Service', namespace: 'default', name: 's' }]).nodes]).toEqual(['w1']);
    expect([...dirtyTargets(w, w, [{ kind: 'CiliumBGPClusterConfig', name: 'c' }]).nodes].sort()).toEqual(['cp', 'w1']);
  });

  it('everything: every node of both worlds and the conditions', () => {
    const before = worldFromObjects([node('a')]);
    const after = worldFromObjects([node('b')]);
    const d = dirtyTargets(before, after, [], true);
    expect([...d.nodes].sort()).toEqual(['a', 'b']);
    expect(d.conditions).toBe(true);
    expect(allNodes(after)).toEqual(['b']);
  });

  it('mergeDirty unions nodes and conditions', () => {
    const m = mergeDirty({ nodes: new Set(['a']), conditions: false }, { nodes: new Set(['b']), conditions: true });
    expect([...m.nodes]).toEqual(['a', 'b']);
    expect(m.conditions).toBe(true);
  });
});
