// How large a record the events topic accepts, read from the broker (never assumed): the topic's
// `max.message.bytes`, which is the broker's `message.max.bytes` unless the topic overrides it.
// The limit applies to a record batch (the records of one partition in one produce request), so
// a record fits when it and one batch's overhead do.

import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';

// Not among the names Node finds in kafkajs's CommonJS exports.
const { ConfigResourceTypes } = kafkajs;

/**
 * A record batch's own bytes around its records: a 61-byte header (the v2 batch format of
 * KIP-98) and, per record, its length, attributes, deltas and key/value lengths as varints (at
 * most 21 bytes with no headers). Rounded up.
 */
export const RECORD_OVERHEAD_BYTES = 100;

export interface RecordLimit {
  /** The largest record batch the topic accepts, in bytes. */
  readonly maxBatchBytes: number;
  /** Where the figure comes from, for messages: "max.message.bytes of topic bgpcast.events". */
  readonly source: string;
}

export interface SizedRecord {
  readonly key: string;
  readonly value: string;
  /** key + value in bytes, plus the batch overhead. */
  readonly bytes: number;
}

export function sizedRecord(key: string, value: string): SizedRecord {
  return { key, value, bytes: Buffer.byteLength(key) + Buffer.byteLength(value) + RECORD_OVERHEAD_BYTES };
}

export async function readRecordLimit(kafka: Kafka, topic: string): Promise<RecordLimit> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topicLimit = await admin
      .describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
      })
      .then((r) => Number(r.resources[0]?.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue))
      .catch(() => NaN); // no such topic (yet): the broker's default is what it will get
    if (Number.isFinite(topicLimit) && topicLimit > 0) return { maxBatchBytes: topicLimit, source: `max.message.bytes of topic ${topic}` };
    const { brokers, controller } = await admin.describeCluster();
    const broker = String(controller ?? brokers[0]?.nodeId ?? 1);
    const r = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: broker, configNames: ['message.max.bytes'] }],
    });
    const brokerLimit = Number(r.resources[0]?.configEntries.find((c) => c.configName === 'message.max.bytes')?.configValue);
    if (!Number.isFinite(brokerLimit) || brokerLimit <= 0) throw new Error(`broker ${broker} did not report message.max.bytes`);
    return { maxBatchBytes: brokerLimit, source: `message.max.bytes of broker ${broker}` };
  } finally {
    await admin.disconnect();
  }
}

/**
 * The records in sends that each fit one batch: consecutive runs (order kept) whose bytes add up
 * to at most `maxBatchBytes`. A run's records may go to several partitions; each partition's
 * batch is then smaller still. A record larger than the limit alone is a run of its own (the
 * caller refuses those first).
 */
export function fitBatches<T extends { readonly bytes: number }>(records: readonly T[], maxBatchBytes: number): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const r of records) {
    if (run.length > 0 && bytes + r.bytes > maxBatchBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(r);
    bytes += r.bytes;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
