// One batch at a time per process, and whatever arrived meanwhile goes into the next batch
// together. The handler's correctness argument needs its batches not to interleave within one
// process (they share one world mirror); coalescing turns concurrent HTTP deliveries into one
// fold and one recomputation instead of a queue of them. Every caller's promise settles with the
// outcome of the batch that carried its items.

interface Waiter<T, R> {
  readonly items: readonly T[];
  resolve(r: R): void;
  reject(e: unknown): void;
}

export class CoalescingQueue<T, R> {
  private readonly run: (items: T[]) => Promise<R>;
  private readonly maxItems: number;
  private readonly weight: (item: T) => number;
  private readonly waiting: Waiter<T, R>[] = [];
  private running = false;

  /** `maxItems` bounds the summed `weight` of a batch (default: one per item). */
  constructor(run: (items: T[]) => Promise<R>, maxItems = 5_000, weight: (item: T) => number = () => 1) {
    this.run = run;
    this.maxItems = maxItems;
    this.weight = weight;
  }

  private size(items: readonly T[]): number {
    let n = 0;
    for (const i of items) n += this.weight(i);
    return n;
  }

  push(items: readonly T[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** Resolves once nothing is queued or running (for shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch: Waiter<T, R>[] = [this.waiting.shift()!];
        let count = this.size(batch[0]!.items);
        while (this.waiting.length > 0 && count + this.size(this.waiting[0]!.items) <= this.maxItems) {
          const next = this.waiting.shift()!;
          count += this.size(next.items);
          batch.push(next);
        }
        try {
          const result = await this.run(batch.flatMap((w) => w.items));
          for (const w of batch) w.resolve(result);
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
