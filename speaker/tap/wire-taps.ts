// The wire tap of a speaker process: sessions report here (through SessionWire), consumers attach
// here. Reporting costs the BGP path an object and an array push, and only while a consumer is
// attached; consumers are called later (setImmediate), in order, in batches, so a slow or failing
// consumer never holds up a session. The queue is bounded: past `maxQueued` events or
// `maxQueuedBytes` octets of UPDATEs what is queued is dropped and a gap event takes its place, so
// a consumer knows its picture is incomplete (and, e.g., starts over from established()).
//
// Established sessions are registered whether or not a consumer is attached, so that one attached
// later — or one that lost its collector and reconnects — can start from the sessions as they are.

import type {
  EstablishedSession,
  GapEvent,
  SessionDownEvent,
  SessionUpEvent,
  UpdateSentEvent,
  WireConsumer,
  WireEvent,
} from './wire-events.ts';

type Fields<E> = Omit<E, 'seq' | 'at' | 'kind'>;

export interface WireTapsOptions {
  /** Most events queued for delivery (default 100,000). */
  readonly maxQueued?: number;
  /** Most octets of UPDATEs queued for delivery (default 64 MiB). */
  readonly maxQueuedBytes?: number;
  /** Runs the delivery later (default setImmediate). */
  readonly schedule?: (run: () => void) => void;
  /** Epoch ms (default Date.now). */
  readonly now?: () => number;
  /** A consumer threw; it stays attached. */
  readonly onError?: (err: unknown) => void;
}

export class WireTaps {
  readonly #maxQueued: number;
  readonly #maxQueuedBytes: number;
  readonly #schedule: (run: () => void) => void;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  #consumers: readonly WireConsumer[] = [];
  #queue: WireEvent[] = [];
  #queuedBytes = 0;
  #scheduled = false;
  #seq = 0;
  #nextSession = 1;
  readonly #established = new Map<number, EstablishedSession>();
  #flushed: (() => void)[] = [];

  constructor(options: WireTapsOptions = {}) {
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 64 * 1024 * 1024;
    this.#schedule = options.schedule ?? ((run) => void setImmediate(run));
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** True while a consumer is attached: sessions build events only then. */
  get active(): boolean {
    return this.#consumers.length > 0;
  }

  /** The seq of the last event reported. */
  get seq(): number {
    return this.#seq;
  }

  /** Starts delivering events to `consumer`; returns the function that detaches it. */
  attach(consumer: WireConsumer): () => void {
    this.#consumers = [...this.#consumers, consumer];
    return () => {
      this.#consumers = this.#consumers.filter((c) => c !== consumer);
    };
  }

  /**
   * The sessions Established now, and the seq they reflect: every event with a seq up to it is
   * already in them (a consumer starting from here skips those), every later one is not.
   */
  established(): { readonly seq: number; readonly sessions: readonly EstablishedSession[] } {
    return { seq: this.#seq, sessions: [...this.#established.values()] };
  }

  /** Resolves once everything reported so far has been delivered. */
  flush(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#flushed.push(resolve));
  }

  /** A fresh session number (SessionWire takes one per Established period). */
  newSession(): number {
    return this.#nextSession++;
  }

  sessionUp(fields: Fields<SessionUpEvent>, table: EstablishedSession['table']): void {
    const up: SessionUpEvent = { kind: 'up', seq: ++this.#seq, at: this.#now(), ...fields };
    this.#established.set(up.session, { up, table });
    if (this.active) this.#push(up, 0);
  }

  updateSent(fields: Fields<UpdateSentEvent>): void {
    if (!this.active) return;
    this.#push({ kind: 'update', seq: ++this.#seq, at: this.#now(), ...fields }, fields.update.bytes.length);
  }

  sessionDown(fields: Fields<SessionDownEvent>): void {
    const known = this.#established.delete(fields.session);
    if (known && this.active) this.#push({ kind: 'down', seq: ++this.#seq, at: this.#now(), ...fields }, 0);
  }

  #push(event: WireEvent, bytes: number): void {
    if (this.#queue.length >= this.#maxQueued || this.#queuedBytes + bytes > this.#maxQueuedBytes) this.#drop();
    this.#queue.push(event);
    this.#queuedBytes += bytes;
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(() => this.#deliver());
    }
  }

  /** Replaces what is queued with one gap event counting it (and any gap it held). */
  #drop(): void {
    let lost = 0;
    for (const e of this.#queue) lost += e.kind === 'gap' ? e.lost : 1;
    const gap: GapEvent = { kind: 'gap', seq: ++this.#seq, at: this.#now(), lost };
    this.#queue = [gap];
    this.#queuedBytes = 0;
  }

  #deliver(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const c of this.#consumers) {
      try {
        c.deliver(batch);
      } catch (err) {
        this.#onError(err);
      }
    }
    const waiting = this.#flushed;
    this.#flushed = [];
    for (const resolve of waiting) resolve();
  }
}
