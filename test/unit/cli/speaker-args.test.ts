// `bgpcast speaker --node NAME[=ADDRESS]`: the argument rules.

import { describe, expect, it } from 'vitest';
import { parseNodeArg } from '../../../bin/commands/speaker.ts';

describe('--node', () => {
  it('takes a node name, optionally with the address its instances listen on', () => {
    expect(parseNodeArg('worker1')).toEqual({ name: 'worker1', listenAddress: null });
    expect(parseNodeArg('worker1=127.0.1.1')).toEqual({ name: 'worker1', listenAddress: '127.0.1.1' });
    expect(parseNodeArg('node-a.example=fd00::1')).toEqual({ name: 'node-a.example', listenAddress: 'fd00::1' });
  });

  it.each(['', 'bad name', '-x', 'worker1=', 'worker1=not-an-ip', 'worker1=127.0.01.1'])('rejects %j with a usage error', (arg) => {
    expect(() => parseNodeArg(arg)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
