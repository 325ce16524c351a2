// The event bus as the rest of bgpcast sees it: publish envelopes, consume them in order per
// partition with commits after processing. One implementation today (kafkajs, events/kafka/).

import type { EventEnvelope } from './envelope.ts';

export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kept as decimal text. */
  readonly offset: string;
}

export interface ConsumedEvent extends RecordPosition {
  readonly key: string | null;
  readonly envelope: EventEnvelope;
}

/** A record that is not a valid envelope: reported with its position and skipped. */
export interface PoisonRecord extends RecordPosition {
  readonly key: string | null;
  readonly error: Error;
}

/**
 * What one fetch of a partition covered: every offset in [from, next) was delivered — as an event,
 * a poison record, a control record of a transaction or an identity record — and nothing before
 * `from` is in this delivery. The functions keep the highest offset passed over with the world, so
 * a store that lacks offsets a consumer already went past can be told (docs/functions-correctness.md).
 */
export interface DeliveredRange {
  readonly partition: number;
  /** The offset the fetch started at. */
  readonly from: string;
  /** The offset after the last one covered. */
  readonly next: string;
  /** The id of a topic identity record met in the range (events/kafka/topic-identity.ts). */
  readonly identity?: string | null;
}

export interface EventPublisher {
  /** Publishes in order; resolves once the broker acknowledged every record. */
  publish(envelopes: readonly EventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}

export interface BatchHandler {
  /**
   * Called with the valid events of one partition's batch, in offset order, and the offsets the
   * batch covered (also for a batch with no valid event). Offsets are committed after it
   * resolves; if it throws, nothing of the batch is committed and the consumer stops with that
   * error (the records are delivered again on restart).
   */
  onEvents(events: readonly ConsumedEvent[], range?: DeliveredRange): Promise<void>;
  onPoison(record: PoisonRecord): void;
}

export interface EventSubscription {
  /** Stops fetching, lets the batch in hand finish and commits what was processed. */
  stop(): Promise<void>;
  /** Settles when the consumer stops: by stop(), or rejects with the error that stopped it. */
  readonly done: Promise<void>;
  /** In its group and consuming: joined, not rebalancing, not stopped (for /readyz). */
  consuming(): boolean;
}
