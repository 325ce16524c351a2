// A sync marker's copies: each partition gets the listing's keys that hash to it, split into parts
// when a copy would not fit a record.
import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { decodeEnvelope, encodeEnvelope, EnvelopeSchemaVersion, type SyncedEvent } from '../../../events/envelope.ts';
import { markerCopies } from '../../../events/sync-marker.ts';

const marker = (keys?: string[]): SyncedEvent => ({
  schema: EnvelopeSchemaVersion,
  id: 'm',
  type: 'synced',
  apiVersion: 'v1',
  kind: 'Service',
  source: 'kube:test',
  observedAt: '2026-01-01T00:00:00.000Z',
  syncId: 's1',
  ...(keys ? { keys } : {}),
});

const services = (n: number) => Array.from({ length: n }, (_, i) => `Service/default/svc-${String(i).padStart(5, '0')}`);

// The producer's own partitioner, as the publisher calls it.
function kafkaPartitionOf(count: number): (key: string) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, partitionErrorCode: 0, leader: 0, replicas: [0], isr: [0], offlineReplicas: [] }));
  return (key) => partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
}

describe('marker copies', () => {
  it('without keys, every partition gets the marker as it is (the v1 meaning)', () => {
    const copies = markerCopies(marker(), [0, 1, 2], () => 0);
    expect(copies.map((c) => c.partition)).toEqual([0, 1, 2]);
    expect(copies.every((c) => c.envelope.keys === undefined && c.envelope.part === undefined)).toBe(true);
  });

  it('with keys, each partition holds exactly the keys the partitioner sends there', () => {
    const keys = services(600);
    const partitionOf = kafkaPartitionOf(6);
    const copies = markerCopies(marker(keys), [0, 1, 2, 3, 4, 5], partitionOf);
    expect(copies.map((c) => c.partition)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const c of copies) {
      expect(c.envelope.keys!.every((k) => partitionOf(k) === c.partition)).toBe(true);
      expect(c.envelope.part).toBeUndefined();
      expect(decodeEnvelope(encodeEnvelope(c.envelope))).toEqual(c.envelope);
    }
    expect(copies.flatMap((c) => c.envelope.keys!).sort()).toEqual(keys);
  });

  it('a partition without keys still gets a copy with an empty list: everything there is gone', () => {
    const copies = markerCopies(marker(['Service/default/a']), [0, 1], () => 1);
    expect(copies).toEqual([
      { partition: 0, envelope: expect.objectContaining({ keys: [] }) },
      { partition: 1, envelope: expect.objectContaining({ keys: ['Service/default/a'] }) },
    ]);
  });

  it('a copy larger than the limit is split into parts that each fit, in key order', () => {
    const keys = services(1_000);
    const limit = 2_000;
    const copies = markerCopies(marker(keys), [0, 1], (k) => Number(k.endsWith('1')), limit);
    for (const partition of [0, 1]) {
      const parts = copies.filter((c) => c.partition === partition).map((c) => c.envelope);
      expect(parts.length).toBeGreaterThan(1);
      parts.forEach((p, i) => {
        expect(p).toMatchObject({ part: i, parts: parts.length, syncId: 's1' });
        expect(encodeEnvelope(p).length).toBeLessThanOrEqual(limit);
      });
      const joined = parts.flatMap((p) => p.keys!);
      expect(joined).toEqual(keys.filter((k) => Number(k.endsWith('1')) === partition));
    }
  });

  it('the envelope refuses a part without its count or keys, or a part past the count', () => {
    const bad = (extra: Partial<SyncedEvent>) => () => encodeEnvelope({ ...marker(['Service/default/a']), ...extra });
    expect(bad({ part: 0 })).toThrow(/part and parts/);
    expect(bad({ part: 2, parts: 2 })).toThrow(/part and parts/);
    expect(() => encodeEnvelope({ ...marker(), part: 0, parts: 1 })).toThrow(/part and parts/);
    expect(() => bad({ part: 1, parts: 2 })()).not.toThrow();
  });
});
