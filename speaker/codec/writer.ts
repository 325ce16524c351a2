// A growable writer. Length fields are reserved first and back-patched when the field they
// measure is complete, so no caller computes a length by hand.

import { EncodeError } from './errors.ts';

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.pos++, v);
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /**
   * Writes a placeholder length of `size` octets (1, 2), runs `body`, then patches in the number
   * of octets `body` wrote (plus `adjust`, for lengths that count their own header).
   */
  lengthPrefixed(size: 1 | 2, body: (w: this) => void, adjust = 0): this {
    const at = this.pos;
    this.ensure(size);
    this.pos += size;
    body(this);
    const len = this.pos - at - size + adjust;
    const max = size === 1 ? 0xff : 0xffff;
    if (len > max) throw new EncodeError(`field of ${len} octets does not fit a ${size}-octet length`);
    if (size === 1) this.view.setUint8(at, len);
    else this.view.setUint16(at, len);
    return this;
  }

  /**
   * Runs `body` behind a length field whose size is chosen afterwards: one octet when `body`
   * wrote at most 255 octets, else two (the path attribute Extended Length rule, RFC 4271 §4.3).
   * Returns true when the two-octet form was used.
   */
  shortOrLongLength(body: (w: this) => void): boolean {
    const at = this.pos;
    this.ensure(2);
    this.pos += 2;
    body(this);
    const len = this.pos - at - 2;
    if (len > 0xffff) throw new EncodeError(`field of ${len} octets does not fit a 2-octet length`);
    if (len > 0xff) {
      this.view.setUint16(at, len);
      return true;
    }
    this.buf.copyWithin(at + 1, at + 2, this.pos);
    this.pos -= 1;
    this.view.setUint8(at, len);
    return false;
  }

  /** Overwrite a two-octet field at an earlier position. */
  patchU16(at: number, v: number): void {
    this.view.setUint16(at, v);
  }

  patchU8(at: number, v: number): void {
    this.view.setUint8(at, v);
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
