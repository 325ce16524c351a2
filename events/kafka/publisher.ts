// Publishes envelopes to the events topic, keyed by object identity, acks from all in-sync
// replicas. A sync marker goes to every partition; a marker that lists its keys gives each
// partition's copy the keys that hash there, with the producer's own partitioner (sync-marker.ts).

import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Kafka, Message, PartitionMetadata, Producer } from 'kafkajs';
import { encodeEnvelope, envelopeKey, EventType } from '../envelope.ts';
import type { EventEnvelope } from '../envelope.ts';
import type { EventPublisher } from '../bus.ts';
import { MAX_MARKER_BYTES, markerCopies } from '../sync-marker.ts';

/** Under Kafka's default message.max.bytes (1 MiB), with room for record overhead. */
const MAX_SEND_BYTES = 900_000;

export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  private readonly kafka: Kafka;
  private readonly topic: string;
  /** The partitioner the producer uses, called apart to place a marker's keys. */
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka, topic: string) {
    this.kafka = kafka;
    this.topic = topic;
    // One request in flight keeps each key's records in order across retries. A retry may
    // still duplicate a record; consumers are idempotent (at-least-once), so that is harmless,
    // while kafkajs' idempotent producer would need unbounded retries (a CLI that never gives up).
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: false,
      maxInFlightRequests: 1,
    });
  }

  private connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((e: unknown) => {
      this.connected = undefined; // the next publish tries again
      throw e;
    });
    return this.connected;
  }

  async publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    await this.connect();
    const messages: Message[] = [];
    const partitions = envelopes.some((e) => e.type === EventType.Synced) ? await this.partitions() : [];
    const partitionOf = (key: string) =>
      this.partitioner({ topic: this.topic, partitionMetadata: partitions, message: { key, value: null } });
    for (const e of envelopes) {
      if (e.type === EventType.Synced) {
        const ids = partitions.map((p) => p.partitionId);
        for (const copy of markerCopies(e, ids, partitionOf, MAX_MARKER_BYTES)) {
          messages.push({ key: envelopeKey(copy.envelope), value: encodeEnvelope(copy.envelope), partition: copy.partition });
        }
      } else {
        messages.push({ key: envelopeKey(e), value: encodeEnvelope(e) });
      }
    }
    // Sends of at most MAX_SEND_BYTES each, one after the other (order kept): Kafka refuses a
    // partition's batch past message.max.bytes, which a large marker plus objects could reach.
    let from = 0;
    let bytes = 0;
    for (let i = 0; i <= messages.length; i++) {
      const size = i < messages.length ? (messages[i]!.value as string).length + String(messages[i]!.key).length : 0;
      if (i === messages.length || (i > from && bytes + size > MAX_SEND_BYTES)) {
        await this.producer.send({ topic: this.topic, messages: messages.slice(from, i), acks: -1, compression: CompressionTypes.None });
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
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
