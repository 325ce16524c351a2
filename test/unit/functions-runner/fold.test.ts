// What the fold sends to Redis for each consumed event.
import { describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../../events/bus.ts';
import { EnvelopeSchemaVersion, objectEnvelope, type EventEnvelope } from '../../../events/envelope.ts';
import { decodePending, encodePending, foldArgs, foldChanges, foldEvent, foldPositions, stampHalves } from '../../../functions/store/fold.ts';
import { node, secret } from '../functions/builders.ts';

const at = (envelope: EventEnvelope, partition = 0, offset = '0'): ConsumedEvent => ({ topic: 't', partition, offset, key: null, envelope });

describe('foldEvent', () => {
  it('added and modified are upserts keyed by object identity; deleted is a delete', () => {
    const added = foldEvent(at(objectEnvelope('added', node('w1') as never, 'file:/x.yaml'), 2, '17'));
    expect(added).toMatchObject({ op: 'u', key: 'Node/w1', partition: '2', offset: '17', source: 'file:/x.yaml' });
    expect(foldEvent(at(objectEnvelope('modified', node('w1') as never, 's')))?.op).toBe('u');
    expect(foldEvent(at(objectEnvelope('deleted', node('w1') as never, 's')))).toMatchObject({ op: 'd', object: null });
  });

  it("a version that passes the schema but breaks bgpcast's rules folds as 'i', unstamped, with its validation errors (OBJ-5)", () => {
    const broken = { ...node('w1'), metadata: { name: 'w1' }, spec: { podCIDRs: ['not-a-cidr'] } };
    const e = foldEvent(at(objectEnvelope('modified', broken as never, 's'), 1, '9'))!;
    expect(e).toMatchObject({ op: 'i', key: 'Node/w1', partition: '1', offset: '9', normalised: { status: 'invalid' } });
    expect(e).not.toHaveProperty('firstSeen');
    expect(foldArgs([e])).toEqual(['i', 'Node/w1', '1', '9', 's', JSON.stringify(e.object)]);
    expect(foldChanges([e]).changes).toEqual([{ ref: { kind: 'Node', namespace: null, name: 'w1' }, raw: e.object, normalised: e.normalised }]);
  });

  it('an upsert of an object without creationTimestamp carries the envelope time, for the script to stamp it when first seen', () => {
    const when = new Date('2026-01-02T03:04:05.678Z');
    const e = foldEvent(at(objectEnvelope('added', node('w1') as never, 'file:/x.yaml', when)))!;
    expect(e).toMatchObject({ op: 'u', firstSeen: when.toISOString() });
    const [op, , , , , payload] = foldArgs([e]);
    expect(op).toBe('n');
    const [time, head, tail] = payload!.split('\n') as [string, string, string];
    expect(JSON.parse(head + time + tail)).toEqual({ ...node('w1'), metadata: { ...(node('w1')['metadata'] as object), creationTimestamp: when.toISOString() } });
    const stamped = { ...node('w1'), metadata: { name: 'w1', creationTimestamp: '2025-01-01T00:00:00Z' } };
    expect(foldEvent(at(objectEnvelope('added', stamped as never, 's')))).not.toHaveProperty('firstSeen');
  });

  it('the stamp halves give the object back with its creationTimestamp, whatever else it holds', () => {
    const cases: Record<string, unknown>[] = [
      { metadata: {} },
      { metadata: { creationTimestamp: null, name: 'x' } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'x', labels: { a: '"}' } }, spec: { podCIDRs: [] } },
    ];
    for (const o of cases) {
      const [head, tail] = stampHalves(o);
      const back = JSON.parse(`${head}"T"${tail}`) as Record<string, unknown>;
      expect(back).toEqual({ ...o, metadata: { ...(o['metadata'] as object), creationTimestamp: 'T' } });
    }
  });

  it('a Secret is stored without its data, whatever the producer sent', () => {
    const e = foldEvent(at(objectEnvelope('added', secret('auth') as never, 's')))!;
    expect(e.object).not.toHaveProperty('data');
    expect(e.object).toMatchObject({ dataKeys: ['password'] });
    expect(foldArgs([e]).join(' ')).not.toContain(Buffer.from('s3cret').toString('base64'));
  });

  it('kinds bgpcast does not consume are not folded', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } };
    expect(foldEvent(at(objectEnvelope('added', cm, 's')))).toBeNull();
  });

  it('a sync marker names the kind and its listing', () => {
    const marker: EventEnvelope = {
      schema: EnvelopeSchemaVersion,
      id: 'x',
      type: 'synced',
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNode',
      source: 'watch:a',
      observedAt: new Date().toISOString(),
      syncId: 'sync-1',
    };
    const e = foldEvent(at(marker, 1, '9'))!;
    expect(e).toMatchObject({ op: 's', key: 'CiliumNode.cilium.io', syncId: 'sync-1' });
    expect(foldArgs([e])).toEqual(['s', 'CiliumNode.cilium.io', '1', '9', 'watch:a', 'sync-1']);
    expect(foldChanges([e])).toEqual({ changes: [], marker: true });
  });

  it('a marker that lists its keys is a keyed marker carrying its part of the listing', () => {
    const marker: EventEnvelope = {
      schema: EnvelopeSchemaVersion,
      id: 'x',
      type: 'synced',
      apiVersion: 'v1',
      kind: 'Service',
      source: 'kube:a',
      observedAt: new Date().toISOString(),
      syncId: 'sync-2',
      keys: ['Service/default/web'],
      part: 1,
      parts: 3,
    };
    const e = foldEvent(at(marker, 4, '12'))!;
    expect(e).toMatchObject({ op: 'k', key: 'Service', listed: { keys: ['Service/default/web'], part: 1, parts: 3 } });
    expect(foldArgs([e]).slice(0, 5)).toEqual(['k', 'Service', '4', '12', 'kube:a']);
    expect(JSON.parse(foldArgs([e])[5]!)).toEqual({ syncId: 'sync-2', keys: ['Service/default/web'], part: 1, parts: 3 });
    expect(foldChanges([e]).marker).toBe(true);
    const whole = foldEvent(at({ ...marker, part: undefined, parts: undefined }, 4, '13'))!;
    expect(whole.listed).toEqual({ keys: ['Service/default/web'], part: 0, parts: 1 });
  });

  it('batch positions: the highest offset per partition', () => {
    const events = [
      foldEvent(at(objectEnvelope('added', node('a') as never, 's'), 0, '9'))!,
      foldEvent(at(objectEnvelope('added', node('b') as never, 's'), 0, '10'))!,
      foldEvent(at(objectEnvelope('added', node('c') as never, 's'), 3, '2'))!,
    ];
    expect(foldPositions(events)).toEqual({ '0': '10', '3': '2' });
  });

  it('pending entries round-trip', () => {
    const entry = { nodes: ['a', 'b'], conditions: true, positions: { '0': '5' }, at: '2024-01-01T00:00:00.000Z' };
    expect(decodePending(encodePending(entry))).toEqual(entry);
    expect(decodePending('nonsense')).toBeNull();
  });
});
