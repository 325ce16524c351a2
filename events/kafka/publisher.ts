// Publishes envelopes to the events topic, keyed by object identity, acks from all in-sync
// replicas. A sync marker goes to every partition (see EventType.Synced).

import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Kafka, Message, Producer } from 'kafkajs';
import { encodeEnvelope, envelopeKey, EventType } from '../envelope.ts';
import type { EventEnvelope } from '../envelope.ts';
import type { EventPublisher } from '../bus.ts';

export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  private readonly kafka: Kafka;
  private readonly topic: string;
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
    this.connected ??= this.producer.connect();
    return this.connected;
  }

  async publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    await this.connect();
    const messages: Message[] = [];
    const markerPartitions = envelopes.some((e) => e.type === EventType.Synced)
      ? await this.partitions()
      : [];
    for (const e of envelopes) {
      const value = encodeEnvelope(e);
      const key = envelopeKey(e);
      if (e.type === EventType.Synced) {
        for (const partition of markerPartitions) messages.push({ key, value, partition });
      } else {
        messages.push({ key, value });
      }
    }
    await this.producer.send({ topic: this.topic, messages, acks: -1, compression: CompressionTypes.None });
  }

  private async partitions(): Promise<number[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [this.topic] });
      return (meta.topics[0]?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
