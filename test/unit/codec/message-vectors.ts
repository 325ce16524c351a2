// Loads the golden vectors of test/unit/codec/vectors/<kind>/*.json for the message-level tests:
// { description, provenance, hex, comment?, expected? | error?, json?, context?, encodeOptions? }.
// NOTIFICATION data is hex in the files and a Uint8Array in decoded messages.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { CodecContext } from '../../../speaker/codec/context.ts';
import { defaultContext } from '../../../speaker/codec/context.ts';
import { BgpError } from '../../../speaker/codec/errors.ts';
import { fromHex, toHex } from '../../../speaker/codec/hex.ts';
import type { BgpMessage } from '../../../speaker/codec/types.ts';

export interface ExpectedError {
  code: number;
  subcode: number;
  /** Hex of the NOTIFICATION data the error carries. */
  data: string;
}

export interface MessageVector {
  file: string;
  description: string;
  provenance: string;
  hex: string;
  comment?: string[];
  expected?: Record<string, unknown>;
  json?: Record<string, unknown>;
  error?: ExpectedError | null;
  context?: Partial<CodecContext>;
  encodeOptions?: Record<string, unknown>;
  expectations?: Record<string, unknown>;
  shutdownCommunication?: string | false;
}

const root = join(import.meta.dirname, 'vectors');

export function loadVectors(kind: string): MessageVector[] {
  const dir = join(root, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: `${kind}/${f}`, ...JSON.parse(readFileSync(join(dir, f), 'utf8')) }) as MessageVector);
}

export function bytesOf(v: MessageVector): Uint8Array {
  return fromHex(v.hex);
}

/** The decoded message a vector expects, NOTIFICATION data turned into octets. */
export function expectedMessage(v: MessageVector): BgpMessage {
  const e = v.expected!;
  if (e.type === 'notification') return { ...e, data: fromHex(e.data as string) } as BgpMessage;
  return e as unknown as BgpMessage;
}

export function contextOf(v: MessageVector): CodecContext {
  return { ...defaultContext, ...v.context };
}

/** Runs `fn` and checks it throws a BgpError with the vector's code, subcode and data. */
export function expectBgpError(fn: () => unknown, want: ExpectedError): BgpError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(BgpError);
  const err = caught as BgpError;
  expect({ code: err.code, subcode: err.subcode, data: toHex(err.data) }).toEqual(want);
  return err;
}

/** Valid message vectors (those with `expected`) of the kinds this module owns. */
export function validMessageVectors(): MessageVector[] {
  return ['open', 'notification', 'keepalive', 'route-refresh']
    .flatMap(loadVectors)
    .filter((v) => v.expected !== undefined);
}
