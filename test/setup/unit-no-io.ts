// Unit tests run pure code: nothing in the unit project may open a socket or start a process. This
// setup file (vitest.config.ts) makes any attempt throw, and fails the test that made it even when
// the code under test caught the error (a session treats a failed connect as a refused one), so a
// test that needs a network or a daemon cannot pass here: it belongs in test/integration/.
import cp from 'node:child_process';
import dgram from 'node:dgram';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { afterEach } from 'vitest';

const attempts: string[] = [];

const refuse = (what: string) =>
  function refused(): never {
    attempts.push(what);
    throw new Error(`${what} in a unit test: unit tests run pure code; a test that needs it belongs in test/integration/`);
  };

net.Socket.prototype.connect = refuse('a TCP connection (net.Socket.connect)');
net.Server.prototype.listen = refuse('a listening socket (net.Server.listen)');
dgram.createSocket = refuse('a UDP socket (dgram.createSocket)');
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  (cp as unknown as Record<string, unknown>)[name] = refuse(`a child process (child_process.${name})`);
}
syncBuiltinESMExports();

afterEach(() => {
  const seen = attempts.splice(0);
  if (seen.length > 0) throw new Error(`this unit test tried to use the network or start a process: ${[...new Set(seen)].join(', ')}`);
});
