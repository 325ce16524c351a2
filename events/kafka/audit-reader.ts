// A bounded read of the audit topic (events/audit-records.ts) that joins no consumer group and
// commits nothing (reader.ts): every record up to the end offsets seen at the start, with the
// broker's timestamp. Identity records are passed over; a record that is not an audit record is
// reported, never fatal.

import type { Kafka } from 'kafkajs';
import { decodeAuditRecord, type AuditRecord } from '../audit-records.ts';
import type { RecordPosition } from '../bus.ts';
import { readTopic } from './reader.ts';
import { isIdentityRecord } from './topic-identity.ts';

export interface ReadAudit {
  readonly records: { readonly position: RecordPosition; readonly timestamp: number; readonly record: AuditRecord }[];
  readonly invalid: { readonly position: RecordPosition; readonly error: string }[];
}

export async function readAuditRecords(kafka: Kafka, topic: string): Promise<ReadAudit> {
  const out: ReadAudit = { records: [], invalid: [] };
  await readTopic(kafka, {
    topic,
    fromBeginning: true,
    follow: false,
    onMessage: (position, _key, message) => {
      if (isIdentityRecord(message.headers)) return;
      try {
        out.records.push({ position, timestamp: Number(message.timestamp), record: decodeAuditRecord(message.value) });
      } catch (e) {
        out.invalid.push({ position, error: (e as Error).message });
      }
    },
  });
  return out;
}
