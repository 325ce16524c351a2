// The functions as a Kafka consumer group: subscribeEvents (offsets committed only after the
// handler returned), plus a periodic sweep that settles recomputations a crashed instance left
// pending even when no new events arrive. Before it consumes anything, the store is judged against
// the topic and the group's committed offsets, and rebuilt from the topic when it cannot be
// trusted (functions/replay/store-guard.ts); the sweep notices a store wiped while idle.

import type { Kafka } from 'kafkajs';
import type { EventSubscription } from '../../events/bus.ts';
import { subscribeEvents } from '../../events/kafka/consumer.ts';
import type { Logger } from '../../events/log.ts';
import type { FunctionsHandler } from './handler.ts';
import { kafkaEventLog } from '../replay/event-log.ts';
import { isRedisUnavailable } from '../../events/redis-client.ts';

export const DEFAULT_GROUP_ID = 'bgpcast-functions';
export const DEFAULT_SWEEP_MS = 10_000;
/**
 * The recompute budget a handler should have under this runner (createFunctionsHandler's
 * recomputeBudgetMs): the consumer heartbeats only between batches and its session times out
 * after 10 s, so a batch must end well before that; what is left continues in a sweep.
 */
export const KAFKA_RECOMPUTE_BUDGET_MS = 3_000;

export interface FunctionsConsumerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId?: string;
  readonly handler: FunctionsHandler;
  readonly log: Logger;
  /** 0 disables the sweep. */
  readonly sweepEveryMs?: number;
}

export async function runFunctionsConsumer(opts: FunctionsConsumerOptions): Promise<EventSubscription> {
  const groupId = opts.groupId ?? DEFAULT_GROUP_ID;
  opts.handler.useLog(kafkaEventLog(opts.kafka, opts.topic, groupId));
  // Redis away: the first batch checks the store instead (nothing is folded before that check).
  await opts.handler.checkStore().catch((e: unknown) => {
    if (!isRedisUnavailable(e)) throw e;
    opts.log.warn({ err: (e as Error).message }, 'Redis unavailable: the store is checked against the log before the first batch');
  });
  const subscription = await subscribeEvents(opts.kafka, { groupId, topic: opts.topic, fromBeginning: true }, opts.handler);
  opts.log.info({ groupId, topic: opts.topic }, 'consuming events');
  const every = opts.sweepEveryMs ?? DEFAULT_SWEEP_MS;
  const sweep = () => {
    opts.handler.sweep().catch(() => undefined); // logged by the handler; retried next time
  };
  const timer = every > 0 ? setInterval(sweep, every) : undefined;
  if (every > 0) sweep();
  const stopTimer = () => clearInterval(timer);
  subscription.done.then(stopTimer, stopTimer);
  return {
    done: subscription.done,
    consuming: () => subscription.consuming(),
    async stop() {
      stopTimer();
      await subscription.stop();
    },
  };
}
