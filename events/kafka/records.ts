// The records of one fetched batch as the project reads them: valid envelopes become events, an
// identity record (topic-identity.ts) is noted and passed over, anything else is poison, reported
// with its position. Shared by the consumer group (consumer.ts) and the bounded reader
// (log-reader.ts).

import type { KafkaMessage } from 'kafkajs';
import type { ConsumedEvent, PoisonRecord } from '../bus.ts';
import { decodeEnvelope } from '../envelope.ts';
import { identityOf, isIdentityRecord } from './topic-identity.ts';

export interface BatchRecords {
  readonly events: ConsumedEvent[];
  /** The id of the first identity record met (null: one without an id); undefined: none. */
  readonly identity: string | null | undefined;
}

/** The batch's records below `below` (all when undefined), in offset order. */
export function batchRecords(
  batch: { readonly topic: string; readonly partition: number; readonly messages: readonly KafkaMessage[] },
  onPoison: (p: PoisonRecord) => void,
  below?: bigint,
): BatchRecords {
  const events: ConsumedEvent[] = [];
  let identity: string | null | undefined;
  for (const m of batch.messages) {
    if (below !== undefined && BigInt(m.offset) >= below) break;
    const position = { topic: batch.topic, partition: batch.partition, offset: m.offset };
    const key = m.key ? m.key.toString('utf8') : null;
    if (isIdentityRecord(m.headers)) {
      identity ??= identityOf(m.value);
      continue;
    }
    try {
      events.push({ ...position, key, envelope: decodeEnvelope(m.value) });
    } catch (error) {
      onPoison({ ...position, key, error: error as Error });
    }
  }
  return { events, identity };
}
