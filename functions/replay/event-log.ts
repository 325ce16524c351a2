// The events topic as the functions check and rebuild the store against it: its identity, the
// consumer group's committed offsets, its bounds, and a bounded read from the beginning. One
// implementation over Kafka; the store guard (store-guard.ts) sees only this interface.

import type { Kafka } from 'kafkajs';
import { endsAtTime, logBounds, readLog, type LogBatch, type LogBounds } from '../../events/kafka/log-reader.ts';
import { readTopicIdentity, type TopicIdentity } from '../../events/kafka/topic-identity.ts';
import type { PoisonRecord } from '../../events/bus.ts';
import type { Positions } from '../store/positions.ts';

export interface EventLog {
  readonly topic: string;
  identity(): Promise<TopicIdentity>;
  /** The consumer group's committed offsets (partition → next offset); null when there is no group. */
  committed(): Promise<Positions | null>;
  bounds(): Promise<LogBounds>;
  /** Per partition, the offset after the last record timestamped at or before `ms`. */
  endsAt(ms: number): Promise<ReadonlyMap<number, bigint>>;
  /** Reads every record below `upTo`, fetch by fetch. */
  read(bounds: LogBounds, upTo: ReadonlyMap<number, bigint>, onBatch: (b: LogBatch) => void, onPoison?: (p: PoisonRecord) => void): Promise<void>;
}

/** The topic over Kafka; `groupId` is the functions' consumer group (null: none, as over HTTP). */
export function kafkaEventLog(kafka: Kafka, topic: string, groupId: string | null): EventLog {
  return {
    topic,
    identity: () => readTopicIdentity(kafka, topic),
    async committed() {
      if (groupId === null) return null;
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return Object.fromEntries((offsets?.partitions ?? []).map((p) => [String(p.partition), p.offset]));
      } finally {
        await admin.disconnect();
      }
    },
    bounds: () => logBounds(kafka, topic),
    endsAt: (ms) => endsAtTime(kafka, topic, ms),
    read: (bounds, upTo, onBatch, onPoison) => readLog(kafka, bounds, { topic, upTo, onBatch, ...(onPoison ? { onPoison } : {}) }),
  };
}
