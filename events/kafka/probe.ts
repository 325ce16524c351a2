// Does a Kafka broker answer? One question, asked with no retries of kafkajs's own and a bound on
// the whole: a CLI command asks it before it does anything, so a broker that is down costs a few
// seconds and one clear line, not kafkajs's nested retries (23 s) and their log lines.

import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../log.ts';
import { kafkaLogging, splitBrokers } from './client.ts';

export class KafkaUnreachableError extends Error {
  readonly code = 'KAFKA_UNREACHABLE';
  readonly brokers: string;
  /** Why, in a few words: "connection refused", "no answer within 1.5 s". */
  readonly reason: string;

  constructor(brokers: string, reason: string) {
    super(`Kafka at ${brokers} does not answer (${reason})`);
    this.name = 'KafkaUnreachableError';
    this.brokers = brokers;
    this.reason = reason;
  }
}

export interface ProbeOptions {
  /** Give up after this long in all; default 2 s. */
  readonly withinMs?: number;
  /** One attempt's bound; default 1.5 s. */
  readonly attemptMs?: number;
  /** Where kafkajs's own lines go; default nowhere. */
  readonly log?: Logger;
}

/** Resolves once a broker answers a metadata request; throws KafkaUnreachableError otherwise. */
export async function probeKafka(brokers: string, opts: ProbeOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.withinMs ?? 2_000);
  const attemptMs = opts.attemptMs ?? 1_500;
  let reason = 'no broker listed';
  let longest = 0;
  while (splitBrokers(brokers).length > 0) {
    const left = deadline - Date.now();
    const bound = Math.max(100, Math.min(attemptMs, left));
    longest = Math.max(longest, bound);
    try {
      await bounded(describe(brokers, bound, opts.log), bound + 200, 'timed out');
      return;
    } catch (e) {
      reason = plainReason(e, longest);
    }
    if (Date.now() + 300 >= deadline) break;
    await sleep(300);
  }
  throw new KafkaUnreachableError(brokers, reason);
}

async function describe(brokers: string, timeoutMs: number, log: Logger | undefined): Promise<void> {
  const admin = new Kafka({
    clientId: 'bgpcast-probe',
    brokers: splitBrokers(brokers),
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    ...(log ? kafkaLogging(log) : { logLevel: logLevel.NOTHING }),
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no brokers in the cluster metadata');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** kafkajs's error, in the words a person needs: the cause, not the retry bookkeeping. */
export function plainReason(e: unknown, timeoutMs: number): string {
  const text = `${(e as Error).message ?? e} ${String((e as { cause?: Error }).cause?.message ?? '')}`;
  if (/ECONNREFUSED/.test(text)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'unknown host';
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return 'host unreachable';
  if (/timeout|timed out|no answer/i.test(text)) return `no answer within ${(timeoutMs / 1000).toFixed(1)} s`;
  return (e as Error).message ?? String(e);
}
