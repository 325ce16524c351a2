// A bounds-checked reader over one message or one field of it. Every read past the end throws a
// BgpError with the code and subcode the caller set for this part of the message, so a truncated
// attribute and a truncated OPEN end in the NOTIFICATION their RFCs name.

import { BgpError } from './errors.ts';

export interface Underrun {
  readonly code: number;
  readonly subcode: number;
}

export class Reader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos: number;
  private readonly end: number;
  readonly underrun: Underrun;

  constructor(bytes: Uint8Array, underrun: Underrun, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
    this.underrun = underrun;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new BgpError(
        this.underrun.code,
        this.underrun.subcode,
        `${what}: need ${n} octets, ${this.end - this.pos} left`,
      );
    }
  }

  u8(what = 'octet'): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  u16(what = 'two-octet field'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what = 'four-octet field'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** A view (no copy) of the next n octets. */
  bytesView(n: number, what = 'field'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A reader over the next n octets, with its own underrun code; this reader skips past them. */
  sub(n: number, underrun: Underrun = this.underrun, what = 'field'): Reader {
    this.need(n, what);
    const r = new Reader(this.bytes, underrun, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  /** Skips n octets and returns the offset where they start (for hot loops that read `bytes`). */
  skip(n: number, what = 'field'): number {
    this.need(n, what);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  rest(): Uint8Array {
    return this.bytesView(this.remaining);
  }
}
