// The watcher's pure parts: the listing plan against the checkpoint, the publish queue's ordering
// around sync markers, and the Lease state machine.
import { describe, expect, it } from 'vitest';
import { decodePublished, encodePublished, planListing, type ListedObject } from '../../../events/kube/checkpoint.ts';
import { PublishQueue, type QueueEntry } from '../../../events/kube/publish-queue.ts';
import { decide, failed, initialElection, mayPublish, microTime, releasedSpec, written, type ElectionConfig } from '../../../events/kube/lease-machine.ts';
import { objectEnvelope, type EventEnvelope } from '../../../events/envelope.ts';

const listed = (name: string, digest: string): ListedObject => ({
  key: `Node/${name}`,
  digest,
  object: { apiVersion: 'v1', kind: 'Node', metadata: { name } },
});

describe('a listing against the checkpoint', () => {
  it('publishes new objects as added and changed ones as modified; unchanged ones not at all; names what is gone', () => {
    const published = new Map([
      ['Node/same', { resourceVersion: '1', digest: 'd1' }],
      ['Node/changed', { resourceVersion: '2', digest: 'd2' }],
      ['Node/deleted-while-away', { resourceVersion: '3', digest: 'd3' }],
    ]);
    const plan = planListing([listed('same', 'd1'), listed('changed', 'dX'), listed('new', 'd4')], published);
    expect(plan.publish.map((p) => [p.type, p.item.key])).toEqual([
      ['modified', 'Node/changed'],
      ['added', 'Node/new'],
    ]);
    expect(plan.gone).toEqual(['Node/deleted-while-away']);
    expect(plan.unchanged).toBe(1);
  });

  it('without a checkpoint (Redis wiped) everything is published once', () => {
    const plan = planListing([listed('a', '1'), listed('b', '2')], new Map());
    expect(plan.publish).toHaveLength(2);
  });

  it('entries round-trip as "resourceVersion digest"', () => {
    expect(decodePublished(encodePublished({ resourceVersion: '42', digest: 'abc' }))).toEqual({ resourceVersion: '42', digest: 'abc' });
    expect(decodePublished('garbage')).toBeNull();
  });
});

const change = (name: string, label: string): QueueEntry => ({
  envelope: objectEnvelope('modified', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { v: label } } }, 's'),
  checkpoint: new Map([[`Node/${name}`, { resourceVersion: label, digest: label }]]),
});
const marker = (): QueueEntry => ({
  envelope: { schema: 'bgpcast.event/v2', id: 'm', type: 'synced', apiVersion: 'v1', kind: 'Node', source: 's', observedAt: new Date().toISOString(), syncId: 'x', keys: [] },
  checkpoint: new Map(),
});
const labelOf = (e: EventEnvelope) => (e.type === 'synced' ? 'marker' : `${e.name}=${(e.object.metadata['labels'] as Record<string, string>)['v']}`);

describe('the publish queue', () => {
  it('a newer change replaces the waiting one in place', () => {
    const q = new PublishQueue();
    q.pushObject('Node/a', change('a', '1'));
    q.pushObject('Node/b', change('b', '1'));
    q.pushObject('Node/a', change('a', '2'));
    expect(q.take(10).map((e) => labelOf(e.envelope))).toEqual(['a=2', 'b=1']);
  });

  it('never moves a change before a marker of its kind', () => {
    const q = new PublishQueue();
    q.pushObject('Node/a', change('a', '1'));
    q.pushMarker('Node', marker());
    q.pushObject('Node/a', change('a', '2'));
    expect(q.take(10).map((e) => labelOf(e.envelope))).toEqual(['a=1', 'marker', 'a=2']);
  });

  it('entries being sent are not replaced; released ones are sent again, committed ones are gone', () => {
    const q = new PublishQueue();
    q.pushObject('Node/a', change('a', '1'));
    expect(q.take(10)).toHaveLength(1);
    q.pushObject('Node/a', change('a', '2'));
    q.release();
    expect(q.take(10).map((e) => labelOf(e.envelope))).toEqual(['a=1', 'a=2']);
    q.commit();
    expect(q.size).toBe(0);
    q.pushObject('Node/a', change('a', '3'));
    expect(q.take(10).map((e) => labelOf(e.envelope))).toEqual(['a=3']);
  });

  it('stays in order over many entries (compaction)', () => {
    const q = new PublishQueue();
    for (let i = 0; i < 5000; i++) q.pushObject(`Node/n${i}`, change(`n${i}`, '1'));
    let seen = 0;
    while (q.size > 0) {
      const batch = q.take(700);
      expect(labelOf(batch[0]!.envelope)).toBe(`n${seen}=1`);
      seen += batch.length;
      q.commit();
      if (seen === 2100) q.pushObject('Node/n4999', change('n4999', '2'));
    }
    expect(seen).toBe(5000);
  });
});

const cfg: ElectionConfig = { identity: 'me', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const other = (renewMs: number, rv = '1') => ({
  spec: { holderIdentity: 'other', leaseDurationSeconds: 15, acquireTime: microTime(0), renewTime: microTime(renewMs), leaseTransitions: 3 },
  resourceVersion: rv,
});

describe('the Lease state machine', () => {
  it('creates a missing Lease, then renews it with the resourceVersion it read', () => {
    const first = decide(initialElection, null, cfg, 1_000);
    expect(first.attempt).toMatchObject({ kind: 'create', spec: { holderIdentity: 'me', leaseDurationSeconds: 15, leaseTransitions: 0 } });
    if (first.attempt.kind !== 'create') throw new Error('create');
    const leading = written(first.state, first.attempt.spec, 1_000);
    expect(mayPublish(leading, cfg, 1_000)).toBe(true);
    const renew = decide(leading, { spec: first.attempt.spec, resourceVersion: '7' }, cfg, 3_000);
    expect(renew.attempt).toMatchObject({ kind: 'update', resourceVersion: '7', spec: { renewTime: microTime(3_000), acquireTime: microTime(1_000), leaseTransitions: 0 } });
  });

  it('waits while another holder renews, by its own clock, and takes over lease duration after the record last changed', () => {
    let s = decide(initialElection, other(0), cfg, 100_000);
    expect(s.attempt).toEqual({ kind: 'held', holder: 'other' });
    // The holder's clock is far behind ours: its renewTime says nothing; only changes count.
    s = decide(s.state, other(0), cfg, 114_000);
    expect(s.attempt.kind).toBe('held');
    s = decide(s.state, other(2_000, '2'), cfg, 114_500); // it renewed: the wait starts again
    expect(s.attempt.kind).toBe('held');
    expect(decide(s.state, other(2_000, '2'), cfg, 129_000).attempt.kind).toBe('held');
    const take = decide(s.state, other(2_000, '2'), cfg, 129_501);
    expect(take.attempt).toMatchObject({ kind: 'update', resourceVersion: '2', spec: { holderIdentity: 'me', leaseTransitions: 4 } });
  });

  it('a released Lease (no holder) is taken at once', () => {
    const released = { spec: releasedSpec(other(0).spec), resourceVersion: '9' };
    expect(decide(initialElection, released, cfg, 5).attempt).toMatchObject({ kind: 'update', spec: { holderIdentity: 'me' } });
  });

  it('a leader that cannot renew stops publishing at the renew deadline, before the lease can expire for others', () => {
    const first = decide(initialElection, null, cfg, 0);
    const leading = written(first.state, (first.attempt as { spec: object }).spec, 0);
    expect(mayPublish(leading, cfg, 9_999)).toBe(true);
    expect(failed(leading, cfg, 9_000).leading).toBe(true);
    expect(mayPublish(leading, cfg, 10_000)).toBe(false);
    expect(failed(leading, cfg, 10_000).leading).toBe(false);
    expect(cfg.renewDeadlineMs).toBeLessThan(cfg.leaseDurationMs);
  });

  it('a leader that finds someone else holding the Lease is no longer leading', () => {
    const first = decide(initialElection, null, cfg, 0);
    const leading = written(first.state, (first.attempt as { spec: object }).spec, 0);
    const lost = decide(leading, other(0, '5'), cfg, 1_000);
    expect(lost.attempt.kind).toBe('held');
    expect(lost.state.leading).toBe(false);
  });

  it('writes micro-time with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });
});
