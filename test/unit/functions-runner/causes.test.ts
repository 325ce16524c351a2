// The causes of a batch: each consumed event, as a Cause, listed for the nodes its own change could
// have made stale (dirty.ts's rule one change at a time; a sync marker: every node of the window);
// events of kinds bgpcast does not consume are no one's cause. Taken together the per-change rule
// names exactly the nodes dirtyTargets names for the whole window.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../../events/bus.ts';
import { EnvelopeSchemaVersion, objectEnvelope } from '../../../events/envelope.ts';
import { applyObject, deleteObject, emptyWorld, type WorldView } from '../../../functions/model/world.ts';
import { causeOf, causesByNode } from '../../../functions/runner/causes.ts';
import { dirtyTargets, nodesDirtiedBy } from '../../../functions/runner/dirty.ts';
import type { WorldChange } from '../../../functions/store/apply-changes.ts';
import { changes } from './changes-arbitrary.ts';

const at = new Date('2026-01-02T03:12:00.000Z');
const consumed = (envelope: ConsumedEvent['envelope'], offset: number): ConsumedEvent => ({ topic: 't', partition: 1, offset: String(offset), key: null, envelope });
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', resourceVersion: '42', uid: 'u-1' }, spec: {} };
const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker1' } };
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } };

describe('causesByNode', () => {
  const dirtiedBy = (ref: { kind: string; name: string } | null) => (ref === null ? ['worker1', 'worker2'] : ref.kind === 'Node' ? [ref.name] : ['worker1', 'worker2']);

  it('lists each event for the nodes its change could have made stale, in the order consumed', () => {
    const events = [
      consumed(objectEnvelope('modified', service, 'kube:a', at), 7),
      consumed(objectEnvelope('added', node, 'kube:a', at), 8),
      consumed(objectEnvelope('added', configMap, 'kube:a', at), 9),
      consumed({ schema: EnvelopeSchemaVersion, id: 'm', type: 'synced', apiVersion: 'v1', kind: 'Service', source: 'kube:a', observedAt: at.toISOString(), syncId: 's1' }, 10),
    ];
    const causes = causesByNode(events, dirtiedBy);
    expect([...causes.keys()].sort()).toEqual(['worker1', 'worker2']);
    expect(causes.get('worker1')!.map((c) => `${c.type} ${c.key} ${c.offset}`)).toEqual(['modified Service/default/web 7', 'added Node/worker1 8', 'synced Service 10']);
    expect(causes.get('worker2')!.map((c) => c.offset)).toEqual(['7', '10']);
    expect(causes.get('worker1')![0]).toEqual({ key: 'Service/default/web', type: 'modified', resourceVersion: '42', uid: 'u-1', source: 'kube:a', observedAt: '2026-01-02T03:12:00.000Z', partition: 1, offset: '7' });
  });

  it('causeOf keeps a sync marker by its kind', () => {
    const marker = consumed({ schema: EnvelopeSchemaVersion, id: 'm', type: 'synced', apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', source: 'kube:a', observedAt: at.toISOString(), syncId: 's1' }, 3);
    expect(causeOf(marker)).toMatchObject({ type: 'synced', key: expect.stringContaining('CiliumBGPPeerConfig'), resourceVersion: null, uid: null });
  });
});

describe('nodesDirtiedBy', () => {
  const walk = (start: WorldView, list: readonly WorldChange[]) =>
    list.reduce((w, c) => (c.raw === null ? deleteObject(w, c.ref) : applyObject(w, c.raw).world), start);

  it('names, change by change, exactly the nodes dirtyTargets names for the window', () => {
    fc.assert(
      fc.property(changes(10), changes(8), (setup, window) => {
        const start = walk(emptyWorld(), setup);
        const end = walk(start, window);
        const each = nodesDirtiedBy(start, end);
        const union = new Set(window.flatMap((c) => [...each(c.ref)]));
        expect([...union].sort()).toEqual([...dirtyTargets(start, end, window.map((c) => c.ref)).nodes].sort());
      }),
    );
  });
});
