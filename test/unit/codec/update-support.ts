// Shared by the UPDATE tests: vector files, the session context they name, the header around a
// body (written here so these tests do not depend on the framer).

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodecContext, FamilyKey } from '../../../speaker/codec/context.ts';
import { fromHex, toHex } from '../../../speaker/codec/hex.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface VectorContext {
  fourOctetAs: boolean;
  /** Families with ADD-PATH both ways, "afi/safi". */
  addPath?: string[];
}

export function codecContext(c: VectorContext = { fourOctetAs: true }): CodecContext {
  const families = new Set((c.addPath ?? []) as FamilyKey[]);
  return { fourOctetAs: c.fourOctetAs, addPathReceive: families, addPathSend: families, extendedMessages: false };
}

/** Every vector of every file in vectors/<dir>, with its file name. */
export function loadVectors<T>(dir: string): (T & { file: string })[] {
  const root = join(here, 'vectors', dir);
  return readdirSync(root)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => (JSON.parse(readFileSync(join(root, file), 'utf8')) as T[]).map((v) => ({ ...v, file })));
}

/** The UPDATE body of a whole message, after checking its header. */
export function bodyOf(hex: string): Uint8Array {
  const msg = fromHex(hex);
  if (!msg.subarray(0, 16).every((b) => b === 0xff)) throw new Error('bad marker');
  if (((msg[16]! << 8) | msg[17]!) !== msg.length || msg[18] !== 2) throw new Error('bad header');
  return msg.subarray(19);
}

/** A whole UPDATE message around a body, as hex. */
export function frameHex(body: Uint8Array): string {
  const head = new Uint8Array(19).fill(0xff);
  head[16] = (body.length + 19) >> 8;
  head[17] = (body.length + 19) & 0xff;
  head[18] = 2;
  return toHex(head) + toHex(body);
}

/** The hex a byte-by-byte comment spells out ("aa bb | note" per line). */
export function commentHex(comment: string[]): string {
  return comment.map((line) => line.split('|')[0]!.replace(/\s+/g, '')).join('');
}
