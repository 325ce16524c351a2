// Octets as lower-case hex text: the form of raw capabilities, unknown attributes and
// NOTIFICATION data in decoded messages and in the JSON view.

import { EncodeError } from './errors.ts';

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Hex (spaces and colons allowed between octets) to octets; throws on anything else. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new EncodeError(`not hex: ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`);
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}
