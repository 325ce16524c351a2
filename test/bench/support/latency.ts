// What the latency benchmarks share: number formatting, percentiles, polling with a deadline,
// the entries of a time-ordered list after an instant, and producing objects to Kafka in batches.

import { objectEnvelope, type EventEnvelope, type KubeObject } from '../../../events/envelope.ts';
import type { KafkaEventPublisher } from '../../../events/kafka/publisher.ts';

/** Epoch ms with sub-millisecond precision, comparable across processes. */
export const now = () => performance.timeOrigin + performance.now();

export const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export function pct(samples: readonly number[]): string {
  if (samples.length === 0) return 'no samples';
  const s = [...samples].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return `p50 ${fmt(p(0.5), 1)} ms  p95 ${fmt(p(0.95), 1)} ms  p99 ${fmt(p(0.99), 1)} ms  (n=${fmt(s.length)})`;
}

/** The p50 of `samples` (NaN without any). */
export function median(samples: readonly number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.ceil(0.5 * s.length) - 1]!;
}

/** Polls `probe` every 5 ms until it holds (true) or `timeoutMs` passed (false). */
export async function until(probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + Math.max(0, timeoutMs);
  for (;;) {
    if (await probe()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The entries of `list` (appended in time order) stamped at or after `t`: a binary search, so
 * polling loops cost little next to what they measure.
 */
export function after<T extends { t: number }>(list: readonly T[], t: number): T[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return list.slice(lo);
}

export async function publishAll(publisher: KafkaEventPublisher, objects: Record<string, unknown>[], source = 'bench'): Promise<void> {
  for (let i = 0; i < objects.length; i += 500) {
    await publisher.publish(objects.slice(i, i + 500).map((o) => objectEnvelope('modified', o as KubeObject, source) as EventEnvelope));
  }
}
