// Publishes envelopes to the events topic, keyed by object identity, acks from all in-sync
// replicas. A sync marker goes to every partition; a marker that lists its keys gives each
// partition's copy the keys that hash there, with the producer's own partitioner (sync-marker.ts).
//
// Every record is held to the topic's limit (record-limit.ts, read from the broker) before
// anything is sent: a publish with one record too large sends nothing and throws
// RecordTooLargeError naming it. Records go out in sends that fit one batch each, in order.
//
// Transactional (`apply`, `delete`, `up --config`): one publish() is one Kafka transaction, so
// every record of it becomes visible to the consumers (which read committed) at once or, when
// anything fails, none does — across files and partitions. The producer is idempotent with one
// request in flight and a transactional id of its own per process: two `apply`s at once never
// fence each other. A process killed mid-transaction leaves it open until TRANSACTION_TIMEOUT_MS,
// when the broker aborts it; until then the consumers wait at its first record.
//
// Plain (`watch`): each record stands alone — the watcher's queue keeps what Kafka has not
// acknowledged and sends it again — so one request in flight keeps each key's records in order
// across retries, and a retry may duplicate a record, which the consumers absorb (at least once).

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Kafka, Message, PartitionMetadata, Producer } from 'kafkajs';
import { encodeEnvelope, envelopeKey, EventType } from '../envelope.ts';
import type { EventEnvelope } from '../envelope.ts';
import type { EventPublisher } from '../bus.ts';
import { MAX_MARKER_BYTES, markerCopies } from '../sync-marker.ts';
import { fitBatches, readRecordLimit, RECORD_OVERHEAD_BYTES, sizedRecord } from './record-limit.ts';
import type { RecordLimit, SizedRecord } from './record-limit.ts';

/** How long an unfinished transaction may stay open before the broker aborts it. */
export const TRANSACTION_TIMEOUT_MS = 30_000;

export interface PublisherOptions {
  /** One publish() is all or nothing (a Kafka transaction). Default false. */
  readonly transactional?: boolean;
}

export interface OversizedRecord {
  /** The envelope, as given to publish(). */
  readonly envelope: EventEnvelope;
  readonly bytes: number;
}

export class RecordTooLargeError extends Error {
  readonly code = 'RECORD_TOO_LARGE';
  readonly records: readonly OversizedRecord[];
  readonly limit: RecordLimit;

  constructor(records: readonly OversizedRecord[], limit: RecordLimit) {
    super(
      `${records.length} record(s) larger than the ${limit.maxBatchBytes} bytes Kafka accepts (${limit.source}): ` +
        records.map((r) => `${envelopeKey(r.envelope)} (${r.bytes} bytes)`).join(', '),
    );
    this.name = 'RecordTooLargeError';
    this.records = records;
    this.limit = limit;
  }
}

interface OutgoingRecord extends SizedRecord {
  readonly partition?: number;
  readonly from: EventEnvelope;
}

export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly transactional: boolean;
  /** The partitioner the producer uses, called apart to place a marker's keys. */
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private connected: Promise<void> | undefined;
  private limit: Promise<RecordLimit> | undefined;
  /** Publishes run one after the other: a producer has one transaction at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(kafka: Kafka, topic: string, opts: PublisherOptions = {}) {
    this.kafka = kafka;
    this.topic = topic;
    this.transactional = opts.transactional === true;
    this.producer = this.transactional
      ? kafka.producer({
          createPartitioner: Partitioners.DefaultPartitioner,
          idempotent: true,
          maxInFlightRequests: 1,
          transactionalId: `bgpcast-${hostname()}-${process.pid}-${randomUUID()}`,
          transactionTimeout: TRANSACTION_TIMEOUT_MS,
        })
      : kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false, maxInFlightRequests: 1 });
  }

  private connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((e: unknown) => {
      this.connected = undefined; // the next publish tries again
      throw e;
    });
    return this.connected;
  }

  /** The topic's record limit, read from the broker once. */
  recordLimit(): Promise<RecordLimit> {
    this.limit ??= readRecordLimit(this.kafka, this.topic).catch((e: unknown) => {
      this.limit = undefined;
      throw e;
    });
    return this.limit;
  }

  publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    const run = this.queue.then(() => this.publishNow(envelopes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async publishNow(envelopes: readonly EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    const limit = await this.recordLimit();
    const records = await this.records(envelopes, limit.maxBatchBytes);
    const tooLarge = records.filter((r) => r.bytes > limit.maxBatchBytes);
    if (tooLarge.length > 0) throw new RecordTooLargeError(tooLarge.map((r) => ({ envelope: r.from, bytes: r.bytes })), limit);
    await this.connect();
    const sends = fitBatches(records, limit.maxBatchBytes).map((run) => ({
      topic: this.topic,
      messages: run.map((r): Message => ({ key: r.key, value: r.value, ...(r.partition === undefined ? {} : { partition: r.partition }) })),
      acks: -1,
      compression: CompressionTypes.None,
    }));
    if (!this.transactional) {
      for (const s of sends) await this.producer.send(s);
      return;
    }
    const transaction = await this.producer.transaction();
    try {
      for (const s of sends) await transaction.send(s);
      await transaction.commit();
    } catch (e) {
      await transaction.abort().catch(() => undefined); // the broker aborts it at the timeout otherwise
      throw e;
    }
  }

  private async records(envelopes: readonly EventEnvelope[], maxBatchBytes: number): Promise<OutgoingRecord[]> {
    const partitions = envelopes.some((e) => e.type === EventType.Synced) ? await this.partitions() : [];
    const partitionOf = (key: string) =>
      this.partitioner({ topic: this.topic, partitionMetadata: partitions, message: { key, value: null } });
    // A marker's parts stay well inside the limit, whatever the broker allows.
    const markerBytes = Math.min(MAX_MARKER_BYTES, maxBatchBytes - RECORD_OVERHEAD_BYTES - 1_024);
    const out: OutgoingRecord[] = [];
    for (const e of envelopes) {
      if (e.type === EventType.Synced) {
        const ids = partitions.map((p) => p.partitionId);
        for (const copy of markerCopies(e, ids, partitionOf, markerBytes)) {
          out.push({ ...sizedRecord(envelopeKey(copy.envelope), encodeEnvelope(copy.envelope)), partition: copy.partition, from: e });
        }
      } else {
        out.push({ ...sizedRecord(envelopeKey(e), encodeEnvelope(e)), from: e });
      }
    }
    return out;
  }

  private async partitions(): Promise<PartitionMetadata[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [this.topic] });
      return (meta.topics[0]?.partitions ?? []).sort((a, b) => a.partitionId - b.partitionId);
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
