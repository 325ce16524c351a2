// Short-lived Kafka use from a CLI command: check the broker answers (a few seconds at most, one
// line when it does not), connect, do one thing, disconnect.

import type { Kafka } from 'kafkajs';
import { brokersFromEnv, brokersOrigin, createKafka, KAFKA_ROLES } from '../events/kafka/client.ts';
import { ensureTopic } from '../events/kafka/admin.ts';
import { KafkaUnreachableError, plainReason, probeKafka } from '../events/kafka/probe.ts';
import { KafkaEventPublisher } from '../events/kafka/publisher.ts';
import { defaultEventPartitions, Topics } from '../events/topics.ts';
import { CliError, ExitCode } from './cli-error.ts';
import { libraryLogger } from './verbosity.ts';

export function cliKafka(): Kafka {
  return createKafka({ brokers: brokersFromEnv(), clientId: 'bgpcast-cli', role: KAFKA_ROLES.cli }, libraryLogger('kafka'));
}

/** The broker answers, or a CliError (exit 4) that names it, where it was looked for, and the fix. */
export async function reachKafka(): Promise<Kafka> {
  try {
    await probeKafka(brokersFromEnv(), { log: libraryLogger('kafka') });
  } catch (e) {
    throw unreachable(e);
  }
  return cliKafka();
}

/**
 * The events topic (created when missing) and a transactional publisher: what `use` publishes
 * in one call is all or nothing.
 */
export async function withPublisher<T>(use: (p: KafkaEventPublisher) => Promise<T>): Promise<T> {
  const kafka = await reachKafka();
  const publisher = new KafkaEventPublisher(kafka, Topics.events, { transactional: true });
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
  if (e instanceof CliError) return e;
  const name = (e as Error).name ?? '';
  const reason = e instanceof KafkaUnreachableError ? e.reason : plainReason(e, 1_500);
  // kafkajs wraps a lost connection in its retry errors; other failures keep their own message.
  const lost = /KafkaJSConnectionError/.test(name) || (/KafkaJSNumberOfRetriesExceeded|KafkaJSNonRetriableError/.test(name) && reason !== (e as Error).message);
  if (e instanceof KafkaUnreachableError || lost) {
    return new CliError(
      `Kafka at ${brokersFromEnv()} (${brokersOrigin()}) is not reachable: ${reason}. ` +
        'Start the local stack with `npx bgpcast up`, or set BGPCAST_KAFKA_BROKERS to a running broker.',
      ExitCode.Unavailable,
    );
  }
  return e;
}
