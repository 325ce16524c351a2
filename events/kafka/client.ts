// The one place that builds a kafkajs client. kafkajs is unmaintained upstream, so the rest of the
// project reaches Kafka only through the small interfaces in events/bus.ts.
//
// Two retry policies, as for Redis (events/redis-client.ts): a long-running service rides out a
// broker restart (200 ms doubling to 5 s, 8 retries); a CLI command has checked first that the
// broker answers (probe.ts) and retries what it does briefly (100 ms doubling to 1 s, 6 retries),
// since kafkajs nests its retries (a connect inside a send inside a transaction) and long ones
// multiply into minutes.

import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig, LogEntry } from 'kafkajs';
import type { Logger } from '../log.ts';

export const KAFKA_ROLES = {
  /** A long-running process: functions, watch, up. */
  service: 'service',
  /** A CLI command: apply, delete, events dump. */
  cli: 'cli',
} as const;
export type KafkaRole = (typeof KAFKA_ROLES)[keyof typeof KAFKA_ROLES];

export interface KafkaSettings {
  /** Comma-separated host:port list. */
  readonly brokers: string;
  readonly clientId?: string;
  /** Default service. */
  readonly role?: KafkaRole;
}

/** Where the brokers come from: BGPCAST_KAFKA_BROKERS, or the local stack's port. */
export function brokersFromEnv(): string {
  return process.env['BGPCAST_KAFKA_BROKERS'] ?? '127.0.0.1:19092';
}

/** The brokers and where they were named, for messages: "127.0.0.1:19092 (the default; BGPCAST_KAFKA_BROKERS is unset)". */
export function brokersOrigin(): string {
  return process.env['BGPCAST_KAFKA_BROKERS'] === undefined ? 'the default; BGPCAST_KAFKA_BROKERS is unset' : 'from BGPCAST_KAFKA_BROKERS';
}

export function splitBrokers(brokers: string): string[] {
  return brokers.split(',').map((b) => b.trim()).filter(Boolean);
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

const RETRY = {
  service: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
  cli: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 6 },
} as const;

export function createKafka(settings: KafkaSettings, log: Logger): Kafka {
  const role = settings.role ?? KAFKA_ROLES.service;
  return new Kafka({
    clientId: settings.clientId ?? 'bgpcast',
    brokers: splitBrokers(settings.brokers),
    connectionTimeout: role === KAFKA_ROLES.cli ? 1_500 : 3_000,
    retry: { ...RETRY[role] },
    ...kafkaLogging(log),
  });
}

/** kafkajs's log lines into a pino logger, from WARN up; a silent logger is not even asked. */
export function kafkaLogging(log: Logger): Pick<KafkaConfig, 'logLevel' | 'logCreator'> {
  return {
    logLevel: log.isLevelEnabled('warn') ? logLevel.WARN : logLevel.NOTHING,
    logCreator:
      () =>
      ({ level, label, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        log[levels[level] ?? 'info']({ kafka: label, ...fields }, message);
      },
  };
}
