// vitest globalSetup for the `integration` project: one real Kafka and one real Redis per run,
// on free loopback ports and temp dirs, or the external ones named by BGPCAST_KAFKA_BROKERS /
// BGPCAST_REDIS_URL. Tests read the addresses with `inject('kafkaBrokers')` / `inject('redisUrl')`.
import type { TestProject } from 'vitest/node';
import { startStack } from '../../infra/local/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap servers, comma-separated, e.g. '127.0.0.1:41234'. */
    kafkaBrokers: string;
    /** e.g. 'redis://127.0.0.1:38211'. */
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startStack({ log: (m) => process.stderr.write(`[stack] ${m}\n`) });
  const ms = (v: number | undefined) => (v === undefined ? 'external' : `${v} ms`);
  process.stderr.write(
    `[stack] kafka ${stack.kafkaBrokers} (${ms(stack.started.kafkaMs)}), ` +
      `redis ${stack.redisUrl} (${ms(stack.started.redisMs)})\n`,
  );
  project.provide('kafkaBrokers', stack.kafkaBrokers);
  project.provide('redisUrl', stack.redisUrl);
  // Stops only what startStack started; external components are left alone.
  return () => stack.stop();
}
