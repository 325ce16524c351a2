// `bgpcast decode`, the real binary as a user runs it (a child process): --hex in, one JSON line per
// message out, exit status 0, or 1 when a message was malformed (its error line in its place).

import { describe, expect, it } from 'vitest';
import { toHex } from '../../speaker/codec/hex.ts';
import { runCli } from '../support/cli.ts';
import { badUpdate, keepalive, update, updateJson } from '../unit/cli/decode-fixtures.ts';

describe('bgpcast decode (the binary)', () => {
  it('--hex: one JSON line per message, exit 0; a malformed one: its error line in its place, exit 1', async () => {
    const ok = await runCli(['decode', '--hex', `${toHex(keepalive)} ${toHex(update)}`]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ type: 'keepalive', length: 19 }, updateJson]);
    const bad = await runCli(['decode', '--hex', `${badUpdate} ${toHex(keepalive)}`]);
    expect(bad.code).toBe(1);
    expect(bad.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['error', 'keepalive']);
  });
});
