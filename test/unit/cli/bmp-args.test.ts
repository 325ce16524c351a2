// `bgpcast speaker --bmp HOST:PORT` (and `up --bmp`): the argument rules.

import { describe, expect, it } from 'vitest';
import { parseBmpStation } from '../../../bin/commands/speaker.ts';

describe('--bmp', () => {
  it('takes an IPv4 address, a host name, or an IPv6 address in brackets, and a port', () => {
    expect(parseBmpStation('127.0.0.1:1790')).toEqual({ host: '127.0.0.1', port: 1790 });
    expect(parseBmpStation('collector.monitoring.svc:11019')).toEqual({ host: 'collector.monitoring.svc', port: 11019 });
    expect(parseBmpStation('[::1]:1790')).toEqual({ host: '::1', port: 1790 });
  });

  it.each(['', '127.0.0.1', '::1:1790', '[127.0.0.1]:1790', 'host:0', 'host:65536', 'host:port', 'bad host:1790', ':1790'])('rejects %j with a usage error', (arg) => {
    expect(() => parseBmpStation(arg)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
