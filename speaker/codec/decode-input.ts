// `bgpcast decode` without the I/O: BGP messages, as raw octets or as hex text, to one JSON
// object each (the json-view.ts view), with malformed messages reported and skipped.
//
// Input: raw octets, or hex text. Octets that are all printable ASCII or whitespace are hex text
// (a raw BGP message starts with the all-ones marker, never ASCII); in hex text, whitespace and
// colons between digits are ignored and `#` starts a comment to the end of the line. The
// messages follow each other, each framed by its Length field (RFC 4271 §4.1).
//
// A malformed message gives an error object instead: the NOTIFICATION the speaker would send for
// it (code, subcode, their names, data as hex), its offset in the input and a description.
// Decoding resumes after it when its header still frames it (marker all ones, a Length field
// from 19 to the octets left); otherwise (bad marker, truncated input) the rest is not read.
// An UPDATE whose attributes have problems (RFC 7606) is printed with the attributes that decode
// and a `problems` list; it counts as an error too.

import type { CodecContext, FamilyKey } from './context.ts';
import { familyKey } from './context.ts';
import { BgpError, ErrorCode, errorCodeName, errorSubcodeName, HeaderSubcode } from './errors.ts';
import { decodeHeader } from './header.ts';
import { fromHex, toHex } from './hex.ts';
import { messageToJson } from './json-view.ts';
import type { JsonObject } from './json-view.ts';
import { decodeFrame } from './message.ts';
import { HeaderLength } from './types.ts';
import type { AttributeProblem } from './update.ts';

export interface DecodeOptions {
  /** Decode as a peer without the 4-octet AS capability: AS numbers of 2 octets (RFC 6793). */
  readonly as2?: boolean;
  /** Families whose NLRI carry ADD-PATH path identifiers (RFC 7911). */
  readonly addPath?: readonly FamilyKey[];
  /** Messages up to 65535 octets (RFC 8654) instead of 4096. */
  readonly extended?: boolean;
}

export interface DecodeResult {
  /** One object per message or error, in input order. */
  readonly lines: JsonObject[];
  /** How many of the lines are errors or UPDATEs with problems. */
  readonly errors: number;
}

/** The input is neither raw BGP nor hex text. */
export class InputFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFormatError';
  }
}

export function contextOf(options: DecodeOptions): CodecContext {
  const addPath = new Set(options.addPath ?? []);
  return { fourOctetAs: !options.as2, addPathReceive: addPath, addPathSend: addPath, extendedMessages: !!options.extended };
}

const afiNumbers: Record<string, number> = { ipv4: 1, ipv6: 2 };
const safiNumbers: Record<string, number> = { unicast: 1, multicast: 2 };

/** "ipv4,ipv6/unicast,2/1" → family keys; a SAFI left out is unicast. */
export function parseFamilies(text: string): FamilyKey[] {
  return text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '')
    .map((s) => {
      const [a = '', sa = 'unicast', extra] = s.split('/');
      const afi = afiNumbers[a] ?? (/^\d{1,5}$/.test(a) ? Number(a) : NaN);
      const safi = safiNumbers[sa] ?? (/^\d{1,3}$/.test(sa) ? Number(sa) : NaN);
      if (extra !== undefined || !(afi >= 1 && afi <= 0xffff && safi >= 1 && safi <= 0xff)) {
        throw new InputFormatError(`not an address family: "${s}" (ipv4, ipv6, ipv6/unicast, 2/1, …)`);
      }
      return familyKey(afi, safi);
    });
}

/** True when every octet is printable ASCII or whitespace. */
export function isHexText(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (!((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d)) return false;
  }
  return true;
}

/** The octets of the input: hex text decoded, raw octets as they are. */
export function inputOctets(input: Uint8Array | string): Uint8Array {
  if (typeof input !== 'string' && !isHexText(input)) return input;
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const digits = text.replace(/#[^\n]*/g, '').replace(/[\s:]/g, '');
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    const bad = digits.search(/[^0-9a-fA-F]/);
    throw new InputFormatError(
      bad >= 0 ? `not hex: "${digits.slice(bad, bad + 8)}" at digit ${bad}` : `odd number of hex digits (${digits.length})`,
    );
  }
  return fromHex(digits);
}

/** Decodes every message of the input (see the header). Throws InputFormatError for bad hex. */
export function decodeInput(input: Uint8Array | string, options: DecodeOptions = {}): DecodeResult {
  return decodeMessages(inputOctets(input), contextOf(options));
}

/** Decodes the messages in `bytes`, one after another. */
export function decodeMessages(bytes: Uint8Array, ctx: CodecContext): DecodeResult {
  const lines: JsonObject[] = [];
  let errors = 0;
  let offset: number | null = 0;
  while (offset !== null && offset < bytes.length) {
    const step = decodeAt(bytes, offset, ctx);
    lines.push(step.line);
    if (step.error) errors++;
    offset = step.next;
  }
  return { lines, errors };
}

interface Step {
  line: JsonObject;
  error: boolean;
  /** Where the next message starts, or null when framing is lost. */
  next: number | null;
}

function decodeAt(bytes: Uint8Array, offset: number, ctx: CodecContext): Step {
  const left = bytes.length - offset;
  try {
    const { length } = decodeHeader(bytes, ctx, offset);
    if (length > left) {
      const detail = `the message of ${length} octets is cut off after ${left}`;
      throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, detail, bytes.slice(offset + 16, offset + 18));
    }
    const decoded = decodeFrame(bytes.subarray(offset, offset + length), ctx);
    const line = messageToJson(decoded.message, length);
    if (decoded.problems.length > 0) line.problems = decoded.problems.map(problemToJson);
    return { line, error: decoded.problems.length > 0, next: offset + length };
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    return { line: errorToJson(e, offset), error: true, next: resumeAt(bytes, offset) };
  }
}

/** After a malformed message: the next one, when its header still frames it. */
function resumeAt(bytes: Uint8Array, offset: number): number | null {
  const left = bytes.length - offset;
  if (left < HeaderLength) return null;
  for (let i = 0; i < 16; i++) if (bytes[offset + i] !== 0xff) return null;
  const length = (bytes[offset + 16]! << 8) | bytes[offset + 17]!;
  return length >= HeaderLength && length <= left ? offset + length : null;
}

function errorToJson(e: BgpError, offset: number): JsonObject {
  return {
    type: 'error',
    code: e.code,
    subcode: e.subcode,
    codeName: errorCodeName(e.code),
    subcodeName: errorSubcodeName(e.code, e.subcode),
    data: toHex(e.data),
    offset,
    error: e.detail,
  };
}

function problemToJson(p: AttributeProblem): JsonObject {
  return {
    kind: p.kind,
    attribute: p.code,
    code: ErrorCode.UpdateMessage,
    subcode: p.subcode,
    subcodeName: errorSubcodeName(ErrorCode.UpdateMessage, p.subcode),
    reason: p.reason,
    data: toHex(p.data),
  };
}
