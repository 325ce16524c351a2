// Splits a TCP byte stream into BGP messages (RFC 4271 §4.1: each message is self-delimiting
// by the Length field of its header). Split-safe: chunks may end anywhere, even inside the
// marker. A header is checked (decodeHeader, RFC 4271 §6.1) as soon as its 19 octets are in,
// so a bad marker or length is reported before the body arrives, and a frame under assembly
// never exceeds the session maximum. Pure: no sockets, no timers.
//
// Two ways to drive it:
// - push(chunk) returns every complete message in the chunk;
// - append(chunk) + next() hands out one message at a time, so a session that changes the
//   context after a message (extended messages once OPENs are exchanged, RFC 8654 §3) has the
//   next header checked against the new maximum.
// Frames may be views into the pushed chunks: do not reuse a chunk after pushing it.
// After the first error the framer is spent and throws that error again.

import type { CodecContext } from './context.ts';
import { defaultContext } from './context.ts';
import { BgpError, CeaseSubcode, ErrorCode } from './errors.ts';
import { decodeHeader } from './header.ts';
import { HeaderLength } from './types.ts';

export interface FramerOptions {
  readonly context?: CodecContext;
  /** Most octets append() may hold before next() drains them (Cease / Out of Resources past it). */
  readonly maxBuffered?: number;
}

const DefaultMaxBuffered = 1 << 20;

export class Framer {
  private ctx: CodecContext;
  private readonly maxBuffered: number;
  /** Chunks not yet consumed; the first one from `offset`. */
  private queue: Uint8Array[] = [];
  private offset = 0;
  private queued = 0;
  /** A header split across chunks, gathered here until its 19 octets are in. */
  private readonly head = new Uint8Array(HeaderLength);
  private headFill = 0;
  /** A message split across chunks, header already checked. */
  private frame: Uint8Array | null = null;
  private frameFill = 0;
  private failure: BgpError | null = null;

  constructor(options: FramerOptions = {}) {
    this.ctx = options.context ?? defaultContext;
    this.maxBuffered = options.maxBuffered ?? DefaultMaxBuffered;
  }

  /** The context that checks the headers still to come. */
  setContext(ctx: CodecContext): void {
    this.ctx = ctx;
  }

  /** Octets received and not yet handed out as a message. */
  get buffered(): number {
    return this.queued + this.headFill + this.frameFill;
  }

  /** Every message completed by this chunk, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.enqueue(chunk);
    const out: Uint8Array[] = [];
    for (let f = this.next(); f !== null; f = this.next()) out.push(f);
    return out;
  }

  /** Buffers a chunk for next(). */
  append(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (this.queued + chunk.length > this.maxBuffered) {
      const detail = `more than ${this.maxBuffered} octets buffered`;
      this.fail(new BgpError(ErrorCode.Cease, CeaseSubcode.OutOfResources, detail));
    }
    this.enqueue(chunk);
  }

  /** The next complete message, or null when more octets are needed. */
  next(): Uint8Array | null {
    if (this.failure) throw this.failure;
    try {
      return this.step();
    } catch (err) {
      if (err instanceof BgpError) this.fail(err);
      throw err;
    }
  }

  private fail(err: BgpError): never {
    this.failure = err;
    this.queue = [];
    this.queued = 0;
    this.frame = null;
    throw err;
  }

  private enqueue(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
  }

  private step(): Uint8Array | null {
    while (this.queued > 0) {
      const chunk = this.queue[0]!;
      const avail = chunk.length - this.offset;
      if (this.frame === null && this.headFill === 0 && avail >= HeaderLength) {
        // At a message boundary with the whole header in one chunk: check it where it lies and
        // hand out a view when the whole message is there too.
        const { length } = decodeHeader(chunk, this.ctx, this.offset);
        if (avail >= length) {
          const view = chunk.subarray(this.offset, this.offset + length);
          this.consume(length);
          return view;
        }
        this.frame = new Uint8Array(length);
        this.frameFill = 0;
      }
      if (this.frame === null) {
        const take = Math.min(HeaderLength - this.headFill, avail);
        this.head.set(chunk.subarray(this.offset, this.offset + take), this.headFill);
        this.headFill += take;
        this.consume(take);
        if (this.headFill < HeaderLength) continue;
        const { length } = decodeHeader(this.head, this.ctx);
        this.frame = new Uint8Array(length);
        this.frame.set(this.head);
        this.frameFill = HeaderLength;
        this.headFill = 0;
      } else {
        const take = Math.min(this.frame.length - this.frameFill, avail);
        this.frame.set(chunk.subarray(this.offset, this.offset + take), this.frameFill);
        this.frameFill += take;
        this.consume(take);
      }
      if (this.frameFill === this.frame.length) {
        const done = this.frame;
        this.frame = null;
        this.frameFill = 0;
        return done;
      }
    }
    return null;
  }

  private consume(n: number): void {
    this.offset += n;
    this.queued -= n;
    if (this.offset === this.queue[0]!.length) {
      this.queue.shift();
      this.offset = 0;
    }
  }
}
