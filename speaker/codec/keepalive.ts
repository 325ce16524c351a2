// KEEPALIVE message: RFC 4271 §4.4 — the header alone, length exactly 19 (checked by
// decodeHeader, RFC 4271 §6.1).

import { defaultContext } from './context.ts';
import { encodeFrame } from './header.ts';
import type { KeepaliveMessage } from './types.ts';
import { MessageType } from './types.ts';

const keepaliveBytes = encodeFrame(MessageType.Keepalive, defaultContext, () => {}, 19);

export function decodeKeepalive(): KeepaliveMessage {
  return { type: 'keepalive' };
}

export function encodeKeepalive(): Uint8Array {
  return keepaliveBytes.slice();
}
