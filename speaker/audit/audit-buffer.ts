// The audit records a speaker has not handed to Kafka yet, bounded in records and bytes. Past the
// bound the oldest records are dropped, and a gap record per node counts what was lost (from/to
// time, routes, session transitions): it goes out first with the next batch, so the history in
// Kafka says where it is incomplete. A batch Kafka refused comes back to the front. Pure.

import { AuditSchemaVersion, encodeAuditRecord, routeCount } from '../../events/audit-records.ts';
import type { AuditRecord, GapRecord } from '../../events/audit-records.ts';

export interface AuditBufferOptions {
  /** Records held at most (default 10,000). */
  readonly maxRecords?: number;
  /** Encoded bytes held at most (default 32 MiB). */
  readonly maxBytes?: number;
}

export interface QueuedRecord {
  readonly node: string;
  readonly record: AuditRecord;
  readonly value: Buffer;
}

function span(r: AuditRecord): { from: string; to: string } {
  if (r.kind === 'gap') return { from: r.from, to: r.to };
  if (r.kind === 'routes') return { from: r.at, to: r.until };
  return { from: r.at, to: r.at };
}

const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);
const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);
const plus = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

/** `gap` grown by what `lost` held. */
export function widenGap(gap: GapRecord | null, lost: AuditRecord): GapRecord {
  const { from, to } = span(lost);
  const routes = lost.kind === 'gap' ? lost.routes : routeCount(lost);
  const sessions = lost.kind === 'gap' ? lost.sessions : lost.kind === 'session' ? 1 : 0;
  const messages = lost.kind === 'gap' ? lost.messages : 1;
  if (gap === null) return { schema: AuditSchemaVersion, kind: 'gap', node: lost.node, from, to, routes, sessions, messages, reason: 'buffer-overflow' };
  return {
    ...gap,
    from: earlier(gap.from, from),
    to: later(gap.to, to),
    routes: plus(gap.routes, routes),
    sessions: plus(gap.sessions, sessions),
    messages: gap.messages + messages,
  };
}

export class AuditBuffer {
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  #queue: QueuedRecord[] = [];
  #bytes = 0;
  /** Per node, what overflow dropped and no batch has carried out yet. */
  readonly #gaps = new Map<string, GapRecord>();
  /** Records ever dropped (for metrics and logs). */
  dropped = 0;

  constructor(o: AuditBufferOptions = {}) {
    this.#maxRecords = Math.max(1, o.maxRecords ?? 10_000);
    this.#maxBytes = Math.max(1, o.maxBytes ?? 32 * 1024 * 1024);
  }

  get size(): number {
    return this.#queue.length + this.#gaps.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  push(records: readonly AuditRecord[]): void {
    for (const record of records) {
      const q = { node: record.node, record, value: encodeAuditRecord(record) };
      this.#queue.push(q);
      this.#bytes += q.value.length;
    }
    this.#bound();
  }

  /**
   * The next batch to send, removed from the buffer: every node's gap first, then the oldest
   * records, up to `maxRecords` records and `maxBytes` bytes (at least one record).
   */
  take(maxRecords: number, maxBytes: number): QueuedRecord[] {
    const batch: QueuedRecord[] = [...this.#gaps.values()].map((g) => ({ node: g.node, record: g, value: encodeAuditRecord(g) }));
    this.#gaps.clear();
    let bytes = batch.reduce((n, q) => n + q.value.length, 0);
    let n = 0;
    while (n < this.#queue.length && batch.length < maxRecords) {
      const q = this.#queue[n]!;
      if (batch.length > 0 && bytes + q.value.length > maxBytes) break;
      batch.push(q);
      bytes += q.value.length;
      n++;
    }
    for (const q of this.#queue.splice(0, n)) this.#bytes -= q.value.length;
    return batch;
  }

  /** A batch that was not delivered goes back to the front (its gaps merge with any new ones). */
  requeue(batch: readonly QueuedRecord[]): void {
    const records: QueuedRecord[] = [];
    for (const q of batch) {
      if (q.record.kind === 'gap' && q.record.reason === 'buffer-overflow') this.#gaps.set(q.node, widenGap(this.#gaps.get(q.node) ?? null, q.record));
      else records.push(q);
    }
    this.#queue = [...records, ...this.#queue];
    for (const q of records) this.#bytes += q.value.length;
    this.#bound();
  }

  #bound(): void {
    let drop = 0;
    while (drop < this.#queue.length && (this.#queue.length - drop > this.#maxRecords || this.#bytes > this.#maxBytes)) {
      const q = this.#queue[drop]!;
      this.#gaps.set(q.node, widenGap(this.#gaps.get(q.node) ?? null, q.record));
      this.#bytes -= q.value.length;
      drop++;
    }
    if (drop > 0) {
      this.#queue.splice(0, drop);
      this.dropped += drop;
    }
  }
}
