// Sends audit records (events/audit-records.ts) to the audit topic, keyed by node, gzip-compressed,
// acks from all in-sync replicas. The topic is created on first use like the events topic
// (retention -1). One attempt per send, short: the caller (speaker/audit/audit-publisher.ts)
// keeps what failed and tries again later, so a Kafka that is away never holds anything up.

import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import { ensureTopic } from './admin.ts';

export interface AuditMessage {
  /** The node: one node's records stay in order in one partition. */
  readonly key: string;
  readonly value: Buffer;
}

export interface AuditSink {
  send(messages: readonly AuditMessage[]): Promise<void>;
  close(): Promise<void>;
}

export class KafkaAuditSink implements AuditSink {
  readonly #kafka: Kafka;
  readonly #topic: string;
  readonly #partitions: number;
  readonly #producer: Producer;
  #ready: Promise<void> | null = null;

  constructor(kafka: Kafka, topic: string, partitions: number) {
    this.#kafka = kafka;
    this.#topic = topic;
    this.#partitions = partitions;
    this.#producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false, maxInFlightRequests: 1, retry: { retries: 1 } });
  }

  #connect(): Promise<void> {
    this.#ready ??= (async () => {
      await ensureTopic(this.#kafka, this.#topic, this.#partitions);
      await this.#producer.connect();
    })().catch((e: unknown) => {
      this.#ready = null; // the next send tries again
      throw e;
    });
    return this.#ready;
  }

  async send(messages: readonly AuditMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#connect();
    await this.#producer.send({
      topic: this.#topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: messages.map((m) => ({ key: m.key, value: m.value })),
    });
  }

  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => undefined);
  }
}
