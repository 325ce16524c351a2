// The audit buffer: batches come out oldest first, up to their bounds; a batch Kafka refused goes
// back to the front; past the buffer's bound the oldest records are dropped and one gap record per
// node counts them (time span, routes, session transitions) and goes out first — never a silent loss.

import { describe, expect, it } from 'vitest';
import type { AuditRecord, GapRecord } from '../../../events/audit-records.ts';
import { AuditBuffer } from '../../../speaker/audit/audit-buffer.ts';

const routes = (node: string, second: number, prefixes: string[]): AuditRecord => ({
  schema: 'bgpcast.audit/v1', kind: 'routes', node, instance: 'default', peer: '127.5.5.5', peerName: 'tor', session: 1,
  epoch: 'e', revision: second, cause: 'change', at: `2026-01-02T03:12:${String(second).padStart(2, '0')}.000Z`, until: `2026-01-02T03:12:${String(second).padStart(2, '0')}.500Z`,
  attributes: [{}], entries: [{ family: '1/1', attributes: 0, prefixes }],
});
const session = (node: string, second: number): AuditRecord => ({
  schema: 'bgpcast.audit/v1', kind: 'session', node, instance: 'default', peer: '127.5.5.5', peerName: 'tor', session: 1,
  state: 'down', at: `2026-01-02T03:12:${String(second).padStart(2, '0')}.000Z`, localAsn: 64000, reason: { by: 'local', reason: 'stopped' }, notification: null,
});

describe('AuditBuffer', () => {
  it('hands out the oldest records first, within the batch bounds', () => {
    const b = new AuditBuffer();
    b.push([routes('w1', 1, ['a']), routes('w1', 2, ['b']), routes('w1', 3, ['c'])]);
    expect(b.take(2, 1e9).map((q) => (q.record as { revision: number }).revision)).toEqual([1, 2]);
    expect(b.take(2, 1).map((q) => (q.record as { revision: number }).revision)).toEqual([3]);
    expect(b.size).toBe(0);
    expect(b.bytes).toBe(0);
  });

  it('counts the bytes it holds, an empty push adding none', () => {
    const b = new AuditBuffer();
    b.push([routes('w1', 1, ['a'])]);
    const one = b.bytes;
    b.push([]);
    expect(b.bytes).toBe(one);
    b.push([routes('w1', 2, ['b'])]);
    b.take(1, 1e9);
    expect(b.bytes).toBeGreaterThan(0);
    b.take(1, 1e9);
    expect(b.bytes).toBe(0);
  });

  it('puts a refused batch back at the front', () => {
    const b = new AuditBuffer();
    b.push([routes('w1', 1, ['a']), routes('w1', 2, ['b'])]);
    const batch = b.take(1, 1e9);
    b.push([routes('w1', 3, ['c'])]);
    b.requeue(batch);
    expect(b.take(10, 1e9).map((q) => (q.record as { revision: number }).revision)).toEqual([1, 2, 3]);
  });

  it('drops the oldest past its bound and sends a gap per node first, counting them', () => {
    const b = new AuditBuffer({ maxRecords: 2 });
    b.push([routes('w1', 1, ['a', 'b']), session('w1', 2), routes('w2', 3, ['c']), routes('w1', 4, ['d']), routes('w1', 5, ['e'])]);
    expect(b.dropped).toBe(3);
    const out = b.take(10, 1e9).map((q) => q.record);
    const gaps = out.filter((r): r is GapRecord => r.kind === 'gap');
    expect(gaps).toEqual([
      { schema: 'bgpcast.audit/v1', kind: 'gap', node: 'w1', from: '2026-01-02T03:12:01.000Z', to: '2026-01-02T03:12:02.000Z', routes: 2, sessions: 1, messages: 2, reason: 'buffer-overflow' },
      { schema: 'bgpcast.audit/v1', kind: 'gap', node: 'w2', from: '2026-01-02T03:12:03.000Z', to: '2026-01-02T03:12:03.500Z', routes: 1, sessions: 0, messages: 1, reason: 'buffer-overflow' },
    ]);
    expect(out.slice(2).map((r) => (r as { revision: number }).revision)).toEqual([4, 5]);
  });

  it('a gap that could not be sent merges with the next one', () => {
    const b = new AuditBuffer({ maxRecords: 1 });
    b.push([routes('w1', 1, ['a']), routes('w1', 2, ['b'])]);
    const batch = b.take(10, 1e9);
    b.push([routes('w1', 3, ['c'])]);
    b.requeue(batch); // w1@2 comes back, w1@3 is there: the bound drops w1@2 again
    const gap = b.take(10, 1e9)[0]!.record as GapRecord;
    expect(gap).toMatchObject({ kind: 'gap', from: '2026-01-02T03:12:01.000Z', to: '2026-01-02T03:12:02.500Z', routes: 2, messages: 2 });
  });

  it('bounds the bytes too', () => {
    const b = new AuditBuffer({ maxBytes: 600 });
    b.push([routes('w1', 1, ['a']), routes('w1', 2, ['b']), routes('w1', 3, ['c'])]);
    expect(b.bytes).toBeLessThanOrEqual(600);
    expect(b.dropped).toBeGreaterThan(0);
  });
});
