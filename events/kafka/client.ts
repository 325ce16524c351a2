// The one place that builds a kafkajs client. kafkajs is unmaintained upstream, so the rest of the
// project reaches Kafka only through the small interfaces in events/bus.ts.

import { Kafka, logLevel } from 'kafkajs';
import type { LogEntry } from 'kafkajs';
import type { Logger } from '../log.ts';

export interface KafkaSettings {
  /** Comma-separated host:port list. */
  readonly brokers: string;
  readonly clientId?: string;
  /** Give up connecting after this long; kafkajs retries with exponential back-off until then. */
  readonly connectTimeoutMs?: number;
}

export function brokersFromEnv(): string {
  return process.env['BGPCAST_KAFKA_BROKERS'] ?? '127.0.0.1:19092';
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(settings: KafkaSettings, log: Logger): Kafka {
  return new Kafka({
    clientId: settings.clientId ?? 'bgpcast',
    brokers: settings.brokers.split(',').map((b) => b.trim()).filter(Boolean),
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, label, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        log[levels[level] ?? 'info']({ kafka: label, ...fields }, message);
      },
  });
}
