// The speaker's audit publisher: a consumer of the wire tap (speaker/tap/) that writes what went on
// the wire to the audit topic (events/audit-records.ts). Events are gathered for `lingerMs` and
// batched into records (audit-batch.ts), so a table of 100,000 routes costs a handful of records;
// the records wait in a bounded buffer (audit-buffer.ts) until Kafka takes them. BGP never waits on
// any of it: the tap calls deliver() off the BGP path, and deliver() only queues. While Kafka is
// away sends are retried with a back-off; once the buffer is full the oldest records are dropped
// and counted in a gap record that goes out first when Kafka is back.

import type { Logger } from '../../events/log.ts';
import type { AuditSink } from '../../events/kafka/audit-producer.ts';
import type { WireConsumer, WireEvent } from '../tap/wire-events.ts';
import type { WireTaps } from '../tap/wire-taps.ts';
import { auditRecords } from './audit-batch.ts';
import { AuditBuffer, type AuditBufferOptions } from './audit-buffer.ts';

export interface AuditPublisherOptions {
  readonly taps: WireTaps;
  readonly sink: AuditSink;
  /** The nodes the process speaks for (a tap overflow is reported for each). */
  readonly nodes: readonly string[];
  readonly log: Logger;
  readonly buffer?: AuditBufferOptions;
  /** How long events are gathered before they are batched (default 200 ms). */
  readonly lingerMs?: number;
  /** Routes per routes record (default events/audit-records.ts MAX_ROUTES_PER_RECORD). */
  readonly maxRoutes?: number;
  /** Records and bytes per send (default 64 and 768 KiB: under Kafka's 1 MB default request). */
  readonly maxSendRecords?: number;
  readonly maxSendBytes?: number;
  /** Back-off between failed sends: doubling from `initial` to `max` ms (default 500, 10,000). */
  readonly retryMs?: { readonly initial: number; readonly max: number };
}

export class AuditPublisher implements WireConsumer {
  readonly #o: AuditPublisherOptions;
  readonly #buffer: AuditBuffer;
  #events: WireEvent[] = [];
  #linger: NodeJS.Timeout | null = null;
  #sending: Promise<void> | null = null;
  #retry: NodeJS.Timeout | null = null;
  #failures = 0;
  #detach: (() => void) | null = null;
  #stopped = false;
  /** Records Kafka acknowledged. */
  sent = 0;

  constructor(o: AuditPublisherOptions) {
    this.#o = o;
    this.#buffer = new AuditBuffer(o.buffer);
  }

  /** Records dropped for lack of room (each counted in a gap record). */
  get dropped(): number {
    return this.#buffer.dropped;
  }

  /** Records (and pending gap records) not yet taken by Kafka. */
  get buffered(): number {
    return this.#buffer.size;
  }

  start(): void {
    this.#detach ??= this.#o.taps.attach(this);
  }

  deliver(events: readonly WireEvent[]): void {
    if (this.#stopped) return;
    this.#events.push(...events);
    if (this.#events.length >= 10_000) this.#batch();
    else this.#linger ??= setTimeout(() => this.#batch(), this.#o.lingerMs ?? 200);
  }

  /** Batches what was gathered and sends until the buffer is empty or `timeoutMs` passed. */
  async flush(timeoutMs = 5_000): Promise<boolean> {
    this.#batch();
    const deadline = Date.now() + timeoutMs;
    while (this.#buffer.size > 0 || this.#sending) {
      if (Date.now() >= deadline) return false;
      if (this.#retry) {
        clearTimeout(this.#retry);
        this.#retry = null;
        this.#kick();
      }
      await (this.#sending ?? new Promise((r) => setTimeout(r, 50)));
    }
    return true;
  }

  /** Detaches from the tap, sends what it can within `timeoutMs`, and closes the sink. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.#detach?.();
    this.#detach = null;
    const done = await this.flush(timeoutMs);
    this.#stopped = true;
    if (this.#retry) clearTimeout(this.#retry);
    if (!done) this.#o.log.warn({ records: this.#buffer.size }, 'audit records not delivered to Kafka before stopping');
    await this.#o.sink.close();
  }

  #batch(): void {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = null;
    if (this.#events.length === 0) return;
    const events = this.#events;
    this.#events = [];
    this.#buffer.push(auditRecords(events, { nodes: this.#o.nodes, ...(this.#o.maxRoutes ? { maxRoutes: this.#o.maxRoutes } : {}) }));
    this.#kick();
  }

  #kick(): void {
    if (this.#sending || this.#retry || this.#buffer.size === 0 || this.#stopped) return;
    this.#sending = this.#sendAll().finally(() => (this.#sending = null));
  }

  async #sendAll(): Promise<void> {
    while (this.#buffer.size > 0) {
      const batch = this.#buffer.take(this.#o.maxSendRecords ?? 64, this.#o.maxSendBytes ?? 768 * 1024);
      try {
        await this.#o.sink.send(batch.map((q) => ({ key: q.node, value: q.value })));
        this.sent += batch.length;
        if (this.#failures > 0) this.#o.log.info({ failures: this.#failures, dropped: this.#buffer.dropped }, 'audit records reach Kafka again');
        this.#failures = 0;
      } catch (e) {
        this.#buffer.requeue(batch);
        this.#failures += 1;
        const { initial, max } = this.#o.retryMs ?? { initial: 500, max: 10_000 };
        const wait = Math.min(max, initial * 2 ** Math.min(this.#failures - 1, 20));
        if (this.#failures === 1) this.#o.log.warn({ err: (e as Error).message, buffered: this.#buffer.size }, 'audit records not sent to Kafka; keeping them and trying again');
        this.#retry = setTimeout(() => {
          this.#retry = null;
          this.#kick();
        }, wait);
        return;
      }
    }
  }
}
