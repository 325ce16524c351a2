// Whether the store may be trusted as a fold of the log, or must be rebuilt from it. Pure: the
// facts come from Redis (the log record and the world's positions) and from Kafka (the topic's
// identity, the consumer group's committed offsets). Redis is never trusted over the log:
// - no log record: an empty store (first start, a wipe, a Redis that restarted without its data),
//   or one written before stores named their log — rebuild;
// - the log record names another topic (recreated, or another cluster) — rebuild, loudly: every
//   position in the store belongs to that other topic;
// - the world's positions lack offsets the group has committed: the consumers went past records
//   this store never folded (Redis restarted from an older copy, or lost its data after the
//   commits) — rebuild.

import type { TopicIdentity } from '../../events/kafka/topic-identity.ts';
import { describeTopic, sameTopic } from '../../events/kafka/topic-identity.ts';
import { compareOffsets, type Positions } from '../store/positions.ts';

export interface StoreFacts {
  /** The log record's epoch; null when the store has none. */
  readonly epoch: string | null;
  /** The topic the log record names; null when the store has none. */
  readonly topic: TopicIdentity | null;
  /** partition → the highest offset folded or passed over. */
  readonly positions: Positions;
  /** Whether the world holds any object or position at all. */
  readonly hasWorld: boolean;
}

export interface LogFacts {
  /** The events topic as Kafka shows it now. */
  readonly topic: TopicIdentity;
  /** The consumer group's committed offsets (the next offset to read); null without a group. */
  readonly committed: Positions | null;
}

export type Verdict =
  | { readonly trust: true }
  | { readonly trust: false; readonly reason: string; readonly level: 'info' | 'warn' | 'error' };

export function judgeStore(store: StoreFacts, log: LogFacts): Verdict {
  if (store.epoch === null || store.topic === null) {
    return store.hasWorld
      ? { trust: false, level: 'warn', reason: 'the store names no log it was folded from (written by an older bgpcast, or partly wiped)' }
      : { trust: false, level: 'info', reason: 'the store is empty (first start, or Redis lost its data)' };
  }
  if (!sameTopic(store.topic, log.topic)) {
    return {
      trust: false,
      level: 'error',
      reason: `the store was folded from ${describeTopic(store.topic)}, not from ${describeTopic(log.topic)} (topic recreated, or another Kafka): none of its positions hold here`,
    };
  }
  const behind = missingOffsets(store.positions, log.committed ?? {});
  if (behind.length > 0) {
    const where = behind.map((b) => `partition ${b.partition}: folded up to ${b.have ?? 'nothing'}, committed ${b.committed}`).join('; ');
    return { trust: false, level: 'warn', reason: `the store is older than the offsets the consumers committed (Redis restarted from older data?): ${where}` };
  }
  return { trust: true };
}

/** Partitions where the group committed past what the store holds (committed offset = next to read). */
export function missingOffsets(positions: Positions, committed: Positions): { partition: string; have: string | null; committed: string }[] {
  const out: { partition: string; have: string | null; committed: string }[] = [];
  for (const [partition, next] of Object.entries(committed)) {
    if (!/^\d+$/.test(next) || next === '0') continue; // '-1': nothing committed
    const last = (BigInt(next) - 1n).toString();
    const have = positions[partition];
    if (have === undefined || compareOffsets(have, last) < 0) out.push({ partition, have: have ?? null, committed: next });
  }
  return out.sort((a, b) => compareOffsets(a.partition, b.partition));
}
