// Prefixes in NLRI form: RFC 4271 §4.3 (Length in bits, then the fewest octets that hold it),
// RFC 4760 §5 (the same form inside MP_REACH_NLRI / MP_UNREACH_NLRI), RFC 7911 §3 (ADD-PATH: a
// 4-octet Path Identifier before each prefix).
//
//   [Path Identifier (4), only with ADD-PATH] Length (1) Prefix (ceil(Length / 8))
//
// Syntax errors (RFC 7606 §5.3): a Length above 32 / 128, or a prefix that runs past the end of
// its field. Both throw a BgpError (code 3) with the subcode the caller names for the field:
// Invalid Network Field for the IPv4 fields of the UPDATE, Optional Attribute Error inside the MP
// attributes (RFC 4760 §7).
//
// Host bits: RFC 4271 §4.3 says the trailing bits after Length are irrelevant. Decoding clears
// them, so "10.1.0.0/8" on the wire reads as "10.0.0.0/8", the canonical key of the route.
// Encoding clears them too: "10.1.2.3/8" is sent as 10/8.

import { BgpError, EncodeError, ErrorCode } from './errors.ts';
import { Afi, formatIPv6, parsePrefix } from './ip.ts';
import type { Reader } from './reader.ts';
import type { Nlri } from './types.ts';
import type { Writer } from './writer.ts';

const maxLength = (afi: Afi): number => (afi === Afi.IPv4 ? 32 : 128);

/** Octets a prefix of this length takes on the wire, path identifier included when present. */
export function nlriWireLength(prefixLength: number, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((prefixLength + 7) >> 3);
}

/** The mask that keeps the `bits` high-order bits of the last prefix octet (bits 1..8). */
const lastOctetMask = (length: number): number => (0xff << (8 - (((length - 1) & 7) + 1))) & 0xff;

const ipv6Scratch = new Uint8Array(16);

/**
 * Reads prefixes until `r` is at its end, appending them to `out`. `r` spans exactly the field.
 * Throws BgpError(3, subcode) on a syntax error (RFC 7606 §5.3).
 */
export function decodeNlri(r: Reader, afi: Afi, addPath: boolean, subcode: number, out: Nlri[] = []): Nlri[] {
  const max = maxLength(afi);
  const bytes = r.bytes;
  const bad = (detail: string) => new BgpError(ErrorCode.UpdateMessage, subcode, detail);
  while (!r.atEnd()) {
    let pathId = 0;
    if (addPath) {
      if (r.remaining < 5) throw bad(`ADD-PATH prefix truncated: ${r.remaining} octets left`);
      pathId = r.u32();
    }
    const length = r.u8();
    if (length > max) throw bad(`prefix length ${length} exceeds ${max}`);
    const octets = (length + 7) >> 3;
    if (octets > r.remaining) throw bad(`prefix /${length} needs ${octets} octets, ${r.remaining} left`);
    const at = r.skip(octets);
    const prefix = afi === Afi.IPv4 ? ipv4Text(bytes, at, length, octets) : ipv6Text(bytes, at, length, octets);
    out.push(addPath ? { prefix, pathId } : { prefix });
  }
  return out;
}

function ipv4Text(b: Uint8Array, at: number, length: number, octets: number): string {
  let v = 0;
  for (let i = 0; i < octets; i++) v |= b[at + i]! << (24 - 8 * i);
  if (length < 32) v &= ~(0xffffffff >>> length);
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}/${length}`;
}

function ipv6Text(b: Uint8Array, at: number, length: number, octets: number): string {
  ipv6Scratch.fill(0);
  ipv6Scratch.set(b.subarray(at, at + octets));
  if (octets > 0) ipv6Scratch[octets - 1]! &= lastOctetMask(length);
  return `${formatIPv6(ipv6Scratch)}/${length}`;
}

const ipv4Scratch = new Uint8Array(4);

/**
 * "a.b.c.d/len" into `out` without allocating; returns the length, or -1 when `text` is not in
 * that exact form (the caller then falls back to parsePrefix, which also reports the error).
 */
function parseIPv4PrefixFast(text: string, out: Uint8Array): number {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3) return -1;
      continue;
    }
    const sep = part < 3 ? 46 /* . */ : 47; /* / */
    if (c !== sep || digits === 0 || value > 255) return -1;
    out[part++] = value;
    value = 0;
    digits = 0;
  }
  if (part !== 4 || digits === 0 || value > 32) return -1;
  return value;
}

/**
 * Writes each entry in NLRI form. With `addPath` an entry without pathId is sent with path
 * identifier 0; without it, pathId is not sent. Throws EncodeError for a prefix that does not
 * parse or is not of `afi`.
 */
export function writeNlri(w: Writer, afi: Afi, addPath: boolean, list: readonly Nlri[]): void {
  for (const entry of list) {
    let addr: Uint8Array = ipv4Scratch;
    let length = afi === Afi.IPv4 ? parseIPv4PrefixFast(entry.prefix, ipv4Scratch) : -1;
    if (length < 0) {
      const parsed = parsePrefix(entry.prefix);
      if (parsed.afi !== afi) throw new EncodeError(`${entry.prefix} is not an AFI ${afi} prefix`);
      addr = parsed.addr;
      length = parsed.length;
    }
    if (addPath) w.u32(entry.pathId ?? 0);
    w.u8(length);
    const octets = (length + 7) >> 3;
    for (let i = 0; i < octets; i++) {
      w.u8(i === octets - 1 ? addr[i]! & lastOctetMask(length) : addr[i]!);
    }
  }
}
