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
  private readonly waiting: Waiter<T, R>[] = [];
  private running = false;

  constructor(run: (items: T[]) => Promise<R>, maxItems = 5_000) {
    this.run = run;
    this.maxItems = maxItems;
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
        let count = batch[0]!.items.length;
        while (this.waiting.length > 0 && count + this.waiting[0]!.items.length <= this.maxItems) {
          const next = this.waiting.shift()!;
          count += next.items.length;
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
