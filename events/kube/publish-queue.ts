// What the watcher still has to publish, in order. A newer change of an object waiting to be sent
// replaces the waiting one in place (only the last state matters to the functions, and a long
// Kafka outage then costs one entry per object, not one per change) — but never across a sync
// marker of its kind: a marker sweeps what its listing does not hold, so an object created after
// the listing must reach the topic after the marker. Each entry carries the checkpoint writes
// that follow once Kafka acknowledged it.

import type { EventEnvelope } from '../envelope.ts';
import type { Published } from './checkpoint.ts';

export interface QueueEntry {
  readonly envelope: EventEnvelope;
  /** Checkpoint writes once published: key → entry, or null to forget the key. */
  readonly checkpoint: ReadonlyMap<string, Published | null>;
  /** For an object change: its object key. */
  readonly key?: string;
  /** For a marker: the kind ("Kind[.group]") whose listing it closes. */
  readonly markerOf?: string;
}

export class PublishQueue {
  private entries: (QueueEntry | null)[] = [];
  /** Object key → index of its entry while it may still be replaced. */
  private open = new Map<string, number>();
  private head = 0;
  /** Entries from the head that are being sent: no longer replaceable. */
  private sending = 0;

  get size(): number {
    return this.entries.length - this.head;
  }

  /** Queues the change of the object `key`. */
  pushObject(key: string, entry: QueueEntry): void {
    const at = this.open.get(key);
    if (at !== undefined && at >= this.head + this.sending) {
      this.entries[at] = { ...entry, key };
      return;
    }
    this.open.set(key, this.entries.length);
    this.entries.push({ ...entry, key });
  }

  /** Queues a marker; changes of its kind queued before it can no longer be replaced. */
  pushMarker(kind: string, entry: QueueEntry): void {
    const prefix = `${kind}/`;
    for (const key of this.open.keys()) if (key.startsWith(prefix)) this.open.delete(key);
    this.entries.push({ ...entry, markerOf: kind });
  }

  /** Up to `max` entries from the head, to be sent: they stay queued until commit() or release(). */
  take(max: number): QueueEntry[] {
    const batch = this.entries.slice(this.head, this.head + max) as QueueEntry[];
    this.sending = batch.length;
    return batch;
  }

  /** The entries taken were not published: they stay at the head, to be taken again. */
  release(): void {
    this.sending = 0;
  }

  /** The entries taken were published: removes them. */
  commit(): void {
    const count = this.sending;
    this.sending = 0;
    for (let i = this.head; i < this.head + count; i++) {
      const key = this.entries[i]?.key;
      if (key !== undefined && this.open.get(key) === i) this.open.delete(key);
      this.entries[i] = null;
    }
    this.head += count;
    if (this.head > 1024 && this.head * 2 > this.entries.length) this.compact();
  }

  /** Drops everything (leadership lost: the next leader lists again). */
  clear(): void {
    this.entries = [];
    this.open.clear();
    this.head = 0;
    this.sending = 0;
  }

  private compact(): void {
    const shift = this.head;
    this.entries = this.entries.slice(shift);
    this.head = 0;
    for (const [key, at] of this.open) this.open.set(key, at - shift);
  }
}
