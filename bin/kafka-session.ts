// Short-lived Kafka use from a CLI command: connect, do one thing, disconnect; errors that mean
// "no broker" become a message that names the fix.

import type { Kafka } from 'kafkajs';
import { brokersFromEnv, createKafka } from '../events/kafka/client.ts';
import { ensureTopic } from '../events/kafka/admin.ts';
import { KafkaEventPublisher } from '../events/kafka/publisher.ts';
import { defaultEventPartitions, Topics } from '../events/topics.ts';
import { createLogger } from '../events/log.ts';
import type { EventPublisher } from '../events/bus.ts';
import { CliError, ExitCode } from './cli-error.ts';

export function cliKafka(): Kafka {
  return createKafka({ brokers: brokersFromEnv(), clientId: 'bgpcast-cli' }, createLogger('kafka'));
}

export async function withPublisher<T>(use: (p: EventPublisher) => Promise<T>): Promise<T> {
  const kafka = cliKafka();
  const publisher = new KafkaEventPublisher(kafka, Topics.events);
  try {
    await ensureTopic(kafka, Topics.events, defaultEventPartitions);
    return await use(publisher);
  } catch (e) {
    throw unreachable(e);
  } finally {
    await publisher.close().catch(() => undefined);
  }
}

export function unreachable(e: unknown): unknown {
  const name = (e as Error).name ?? '';
  if (/KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSNonRetriableError/.test(name)) {
    return new CliError(
      `Kafka at ${brokersFromEnv()} is not reachable (${(e as Error).message}). ` +
        'Start the local stack with `bgpcast up`, or set BGPCAST_KAFKA_BROKERS.',
      ExitCode.Unavailable,
    );
  }
  return e;
}
