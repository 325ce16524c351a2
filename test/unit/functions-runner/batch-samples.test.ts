// What one batch adds to the functions' series: its events by outcome, and for a batch that wrote
// desired state the time from each event's observedAt.

import { describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../../events/bus.ts';
import { batchSamples } from '../../../functions/runner/functions-telemetry.ts';
import type { BatchReport } from '../../../functions/runner/handler.ts';

const event = (observedAt: string): ConsumedEvent =>
  ({ topic: 't', partition: 0, offset: '1', key: 'Node/n1', envelope: { observedAt } }) as unknown as ConsumedEvent;

const report = (o: Partial<BatchReport>): BatchReport => ({
  events: 4, ignored: 1, applied: 2, swept: 0, targets: 1, written: 1, unchanged: 0, covered: 0, conflicts: 0,
  pendingCleared: 1, deferred: 0, ms: 3, computeMs: 1, fastPath: 0, ...o,
});

const now = Date.parse('2025-06-01T12:00:01.000Z');

describe('batch samples', () => {
  it('splits the events into folded, duplicate and ignored', () => {
    const s = batchSamples([], report({}), now);
    expect(s).toMatchObject({ folded: 2, ignored: 1, duplicate: 1 });
  });

  it('times each event of a batch that wrote desired state from its observedAt, skipping unreadable times', () => {
    const events = [event('2025-06-01T12:00:00.750Z'), event('2025-06-01T12:00:00.000Z'), event('not a time')];
    expect(batchSamples(events, report({}), now).latencies).toEqual([0.25, 1]);
  });

  it('does not time a batch that wrote nothing (a redelivery, an unchanged document)', () => {
    expect(batchSamples([event('2025-06-01T12:00:00.000Z')], report({ written: 0 }), now).latencies).toEqual([]);
  });

  it('counts a clock running behind the writer as no time, not as negative time', () => {
    expect(batchSamples([event('2025-06-01T12:00:02.000Z')], report({}), now).latencies).toEqual([0]);
  });
});
